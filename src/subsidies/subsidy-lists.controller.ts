import { Controller, Get, Query, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { sendCsv } from '../web/csv';
import { takeFlash } from '../web/flash';
import type { KyosoRequest } from '../web/request';
import { ProgramListQuery } from './dto/subsidy.dto';
import { SubsidiesService } from './subsidies.service';
import { SubsidyProgramsService } from './subsidy-programs.service';
import { SubsidyReviewsService } from './subsidy-reviews.service';

/** Pages: the member's applications and notices, the reviewer's assignments, the secretariat's work queue and CSV. */
@ApiExcludeController()
@Controller('subsidies')
export class SubsidyListsController {
  constructor(
    private readonly subsidies: SubsidiesService,
    private readonly programs: SubsidyProgramsService,
    private readonly reviews: SubsidyReviewsService,
  ) {}

  @Can('account:self')
  @Get('mine')
  @Render('subsidies/mine')
  async mine(@CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    const own = p.organizationId
      ? (await this.subsidies.listApplications(p, { page: 1, perPage: 100 })).items.filter((a) => a.organization.id === p.organizationId)
      : [];
    return { applications: own, notifications: await this.subsidies.notifications(p), flash: takeFlash(req) };
  }

  @Can('account:self')
  @Get('reviews')
  @Render('subsidies/reviews')
  async reviewList(@CurrentUser() p: Principal) {
    return { assignments: await this.reviews.reviewAssignments(p) };
  }

  @Can('subsidies:manage')
  @Get('admin')
  @Render('subsidies/admin')
  async admin(@CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    const programs = (await this.programs.listPrograms(Object.assign(new ProgramListQuery(), { perPage: 100 }), p)).items;
    return { queue: await this.subsidies.workQueue(), programs, figures: await this.subsidies.figures(), flash: takeFlash(req) };
  }

  @Can('subsidies:manage')
  @Get('admin/applications.csv')
  async csv(
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res({ passthrough: true }) res: Response,
    @Query('programId') programId?: string,
  ) {
    const pid = typeof programId === 'string' && /^[0-9a-f-]{36}$/i.test(programId) ? programId : undefined;
    return sendCsv(res, 'subsidy-applications.csv', await this.subsidies.applicationsCsv(p, pid, req.ip));
  }
}
