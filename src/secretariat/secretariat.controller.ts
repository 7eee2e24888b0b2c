import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { RejectApplicationDto } from '../members/dto/membership-application.dto';
import { MembersService } from '../members/members.service';
import { fiscalYearOf } from '../../libs/common';
import { FiguresService } from './figures.service';
import { flash, takeFlash } from '../web/flash';
import { withForm } from '../web/form-error';
import type { KyosoRequest } from '../web/request';
import { validateForm } from '../web/validation';

/** The secretariat's work queues. */
@ApiExcludeController()
@Controller('secretariat')
export class SecretariatController {
  constructor(
    private readonly members: MembersService,
    private readonly figures: FiguresService,
  ) {}

  private async model(req?: KyosoRequest) {
    const pending = await this.members.listApplications('pending');
    const fiscalYear = fiscalYearOf(new Date());
    const [thisYear, allTime] = await Promise.all([this.figures.figures(fiscalYear), this.figures.figures()]);
    const row = (f: Awaited<ReturnType<FiguresService['figures']>>) => ({
      members: f.members.total,
      issues: f.issues.published,
      solutions: f.solutions.published,
      meetupsHeld: f.events.byKind.meetup?.held ?? 0,
      municipalitiesPresenting: f.events.byKind.meetup?.municipalitiesPresenting ?? 0,
      eventsHeld: Object.values(f.events.byKind).reduce((a, k) => a + (k?.held ?? 0), 0),
      attended: Object.values(f.events.byKind).reduce((a, k) => a + (k?.attended ?? 0), 0),
      projects: Object.values(f.projects.byStage).reduce((a: number, n) => a + Number(n), 0),
      subsidiesAdopted: f.subsidies.adopted,
      grantedTotal: f.subsidies.grantedTotal,
    });
    return {
      pending,
      pendingCount: pending.length,
      fiscalYear,
      figures: { thisYear: row(thisYear), allTime: row(allTime) },
      flash: req ? takeFlash(req) : undefined,
    };
  }

  @Can('secretariat:dashboard')
  @Get()
  @Render('secretariat/index')
  index(@Req() req: KyosoRequest) {
    return this.model(req);
  }

  @Can('membership:review')
  @Post('applications/:id/approve')
  async approve(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    const app = await this.members.getApplication(id);
    await withForm('secretariat/index', await this.model(), () => this.members.approve(id, p, req.ip));
    flash(req, 'success', 'secretariat.approved', { name: app.organization.name });
    res.redirect(303, '/secretariat');
  }

  @Can('membership:review')
  @Post('applications/:id/reject')
  async reject(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const app = await this.members.getApplication(id);
    await withForm('secretariat/index', { ...(await this.model()), rejectingId: id }, async () => {
      const f = await validateForm(RejectApplicationDto, body);
      await this.members.reject(id, f.reason, p, req.ip);
    });
    flash(req, 'success', 'secretariat.rejected', { name: app.organization.name });
    res.redirect(303, '/secretariat');
  }
}
