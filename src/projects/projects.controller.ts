import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Can, CurrentUser, Public } from '../auth/decorators';
import { isSecretariat } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { FieldsService } from '../fields/fields.service';
import { flash, takeFlash } from '../web/flash';
import { withForm } from '../web/form-error';
import type { KyosoRequest } from '../web/request';
import { validateForm } from '../web/validation';
import { CreateProjectDto, ProjectListQuery, ProjectTransitionDto } from './dto/project.dto';
import { PROJECT_STAGES, projectWorkflow } from './project.state';
import { ProjectsService } from './projects.service';

@ApiExcludeController()
@Controller('projects')
export class ProjectsController {
  constructor(
    private readonly projects: ProjectsService,
    private readonly fields: FieldsService,
  ) {}

  @Public()
  @Get()
  @Render('projects/index')
  async index(@Query() query: Record<string, unknown>, @Req() req: KyosoRequest, @CurrentUser() p?: Principal) {
    // pages also carry ?lang= and the like: validate the filters without refusing unknown parameters
    const q = await validateForm(ProjectListQuery, query);
    const page = await this.projects.list(q, req.lang);
    const pages = Math.max(1, Math.ceil(page.total / page.perPage));
    return {
      page,
      filters: { field: q.field ?? '', stage: q.stage ?? '', q: q.q ?? '' },
      fields: await this.fields.list(req.lang),
      stages: PROJECT_STAGES,
      canCreate: !!p && (isSecretariat(p) || !!p.organizationId),
      prev: page.page > 1 ? page.page - 1 : null,
      next: page.page < pages ? page.page + 1 : null,
      pages,
      flash: takeFlash(req),
    };
  }

  private async formModel(p: Principal, lang: string, values: Record<string, unknown>) {
    const orgs = await this.projects.organizations();
    const chosen = (v: unknown) => (Array.isArray(v) ? v : v ? [v] : []);
    return {
      values,
      fields: await this.fields.list(lang),
      municipalities: orgs.municipalities.map((o) => ({ ...o, checked: chosen(values.municipalityOrganizationIds).includes(o.id) })),
      others: orgs.others.map((o) => ({ ...o, checked: chosen(values.memberOrganizationIds).includes(o.id) })),
      coordinators: isSecretariat(p)
        ? orgs.others.concat(orgs.municipalities)
        : orgs.others.concat(orgs.municipalities).filter((o) => o.id === p.organizationId),
    };
  }

  @Can('projects:create')
  @Get('new')
  @Render('projects/new')
  newPage(@CurrentUser() p: Principal, @Req() req: KyosoRequest, @Query('originIssueId') originIssueId?: string) {
    return this.formModel(p, req.lang, {
      coordinatorOrganizationId: p.organizationId,
      originIssueId: typeof originIssueId === 'string' ? originIssueId : '',
    });
  }

  @Can('projects:create')
  @Post()
  async create(@Body() body: Record<string, unknown>, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    const { _csrf, ...values } = body ?? {};
    const created = await withForm('projects/new', await this.formModel(p, req.lang, values), async () => {
      const f = await validateForm(CreateProjectDto, { municipalityOrganizationIds: [], ...values });
      return this.projects.create(p, f, req.ip);
    });
    flash(req, 'success', 'projects.created', { name: created.title });
    res.redirect(303, `/projects/${created.id}`);
  }

  private async detailModel(id: string, lang: string, p?: Principal) {
    const project = await this.projects.detail(id, lang, p);
    // the stages this caller may move the project to: the targets of the actions the workflow offers them
    return { project, nextStages: project.actions.map((a) => projectWorkflow.actions[a].to) };
  }

  @Public()
  @Get(':id')
  @Render('projects/show')
  async show(@Param('id', ParseUUIDPipe) id: string, @Req() req: KyosoRequest, @CurrentUser() p?: Principal) {
    return { ...(await this.detailModel(id, req.lang, p)), flash: takeFlash(req) };
  }

  @Can('projects:transition')
  @Post(':id/transitions')
  async transition(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const project = await withForm('projects/show', { ...(await this.detailModel(id, req.lang, p)), values: body }, async () => {
      const f = await validateForm(ProjectTransitionDto, body);
      return this.projects.transition(id, f, p, req.ip);
    });
    flash(req, 'success', 'projects.moved', { name: project.title });
    res.redirect(303, `/projects/${id}`);
  }
}
