import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppError } from '../../libs/common';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { ProjectsService } from '../projects/projects.service';
import { flash } from '../web/flash';
import { withForm } from '../web/form-error';
import type { KyosoRequest } from '../web/request';
import { validateForm } from '../web/validation';
import { CreateApplicationDto, UpdateApplicationDto } from './dto/subsidy.dto';
import { SubsidiesService } from './subsidies.service';
import { SubsidyApplicationsService } from './subsidy-applications.service';
import { SubsidyProgramsService } from './subsidy-programs.service';
import { SubsidyApplicationsReader } from './subsidy-reader.service';
import { formRows, parseApplicationForm, typedRows } from './subsidy.forms';
import type { FormBody } from './subsidy.forms';
import { MAX_ATTACHMENT_BYTES } from './upload';

/** Pages: the application form, for a new application and for corrections. */
@ApiExcludeController()
@Controller('subsidies')
export class SubsidyApplicationFormController {
  constructor(
    private readonly applications: SubsidyApplicationsService,
    private readonly reader: SubsidyApplicationsReader,
    private readonly programs: SubsidyProgramsService,
    private readonly subsidies: SubsidiesService,
    private readonly projects: ProjectsService,
  ) {}

  private async formModel(
    p: Principal,
    programId: string,
    values: Record<string, unknown>,
    rows: ReturnType<typeof formRows>,
    action: string,
  ) {
    return {
      program: await this.programs.getProgram(programId, p),
      values,
      rows,
      municipalities: await this.subsidies.municipalities(),
      projects: p.organizationId ? await this.projects.openProjectsOf(p.organizationId) : [],
      action,
      editing: action.endsWith('/edit'),
      maxMb: MAX_ATTACHMENT_BYTES / 1024 / 1024,
    };
  }

  @Can('subsidies:apply')
  @Get('programs/:id/apply')
  @Render('subsidies/application-form')
  async applyPage(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal) {
    return this.formModel(p, id, {}, formRows([]), `/subsidies/programs/${id}/applications`);
  }

  @Can('subsidies:apply')
  @Post('programs/:id/applications')
  async apply(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const { dto, fieldNames } = parseApplicationForm(body ?? {});
    const model = await this.formModel(p, id, body ?? {}, typedRows(body), `/subsidies/programs/${id}/applications`);
    const created = await withForm(
      'subsidies/application-form',
      model,
      async () => this.applications.createApplication(p, id, await validateForm(CreateApplicationDto, dto), req.ip),
      fieldNames,
    );
    flash(req, 'success', 'subsidies.drafted', { name: created.title });
    res.redirect(303, `/subsidies/applications/${created.id}`);
  }

  @Can('subsidies:apply')
  @Get('applications/:id/edit')
  @Render('subsidies/application-form')
  async editPage(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal) {
    const app = await this.reader.detail(id, p);
    if (app.access !== 'applicant') throw new AppError(403, 'subsidies.applicantOnly');
    const values = {
      title: app.title,
      summary: app.summary,
      requestedAmount: app.requestedAmount,
      municipalPartnerOrganizationId: app.municipalPartner?.id ?? '',
      projectId: app.project?.id ?? '',
    };
    return {
      ...(await this.formModel(p, app.program.id, values, formRows(app.budgetItems), `/subsidies/applications/${id}/edit`)),
      application: app,
    };
  }

  @Can('subsidies:apply')
  @Post('applications/:id/edit')
  async edit(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const app = await this.reader.detail(id, p);
    const { dto, fieldNames } = parseApplicationForm(body ?? {});
    const model = await this.formModel(p, app.program.id, body ?? {}, typedRows(body), `/subsidies/applications/${id}/edit`);
    await withForm(
      'subsidies/application-form',
      { ...model, application: app },
      async () => {
        const f = await validateForm(UpdateApplicationDto, {
          ...dto,
          municipalPartnerOrganizationId: dto.municipalPartnerOrganizationId ?? null,
          projectId: dto.projectId ?? null,
        });
        await this.applications.updateApplication(p, id, f, req.ip);
      },
      fieldNames,
    );
    flash(req, 'success', 'subsidies.saved', { name: app.title });
    res.redirect(303, `/subsidies/applications/${id}`);
  }
}
