import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Can, CurrentUser, Public } from '../auth/decorators';
import { isSecretariat } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { flash, takeFlash } from '../web/flash';
import { withForm } from '../web/form-error';
import type { KyosoRequest } from '../web/request';
import { validateForm } from '../web/validation';
import { CreateProgramDto, ProgramListQuery } from './dto/subsidy.dto';
import { SubsidyProgramsService } from './subsidy-programs.service';
import { SubsidyReviewsService } from './subsidy-reviews.service';
import { parseProgramForm } from './subsidy.forms';
import type { FormBody } from './subsidy.forms';

const mayApply = (p?: Principal) => !!p?.organizationId && p.organizationKind !== 'secretariat';

/** Pages: the programmes (公募) and the secretariat's programme form. */
@ApiExcludeController()
@Controller('subsidies')
export class SubsidyProgramsController {
  constructor(
    private readonly programs: SubsidyProgramsService,
    private readonly reviews: SubsidyReviewsService,
  ) {}

  @Public()
  @Get()
  @Render('subsidies/index')
  async index(@Req() req: KyosoRequest, @CurrentUser() p?: Principal) {
    const programs = await this.programs.listPrograms(Object.assign(new ProgramListQuery(), { perPage: 100 }), p);
    const assignments = p ? await this.reviews.reviewAssignments(p) : [];
    return {
      programs: programs.items,
      isSecretariat: isSecretariat(p),
      canApply: mayApply(p),
      hasReviews: assignments.length > 0,
      flash: takeFlash(req),
    };
  }

  @Can('subsidies:manage')
  @Get('programs/new')
  @Render('subsidies/program-new')
  newProgram() {
    return {
      values: {
        maxAmountPerProject: '1000000',
        subsidyRatePercent: '50',
        requiresMunicipalPartner: 'on',
        criteria: '新規性|1\n実現性|1\n地域課題への貢献|2',
      },
    };
  }

  @Can('subsidies:manage')
  @Post('programs')
  async createProgram(@Body() body: FormBody, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    const { _csrf, ...values } = body ?? {};
    const program = await withForm(
      'subsidies/program-new',
      { values },
      async () => this.programs.createProgram(p, await validateForm(CreateProgramDto, parseProgramForm(body)), req.ip),
      { subsidyRate: 'subsidyRatePercent' },
    );
    flash(req, 'success', 'subsidies.programCreated', { name: program.title });
    res.redirect(303, `/subsidies/programs/${program.id}`);
  }

  @Public()
  @Get('programs/:id')
  @Render('subsidies/program')
  async program(@Param('id', ParseUUIDPipe) id: string, @Req() req: KyosoRequest, @CurrentUser() p?: Principal) {
    const program = await this.programs.getProgram(id, p);
    return { program, canApply: mayApply(p) && program.isOpen, isSecretariat: isSecretariat(p), flash: takeFlash(req) };
  }
}
