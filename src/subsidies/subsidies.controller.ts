import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Render, Req, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppError } from '../../libs/common';
import { Can, CurrentUser, Public } from '../auth/decorators';
import { isSecretariat } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { ProjectsService } from '../projects/projects.service';
import { flash, takeFlash } from '../web/flash';
import { withForm } from '../web/form-error';
import type { KyosoRequest } from '../web/request';
import { validateForm } from '../web/validation';
import {
  AssignReviewerDto,
  AuditLogQuery,
  CommentDto,
  ConfirmDto,
  CreateApplicationDto,
  CreateProgramDto,
  DecisionDto,
  GrantDto,
  OptionalCommentDto,
  ProgramListQuery,
  ReportDto,
  ReviewDto,
  UpdateApplicationDto,
} from './dto/subsidy.dto';
import { sendCsv, sendDownload } from './subsidies.api.controller';
import { ApplicationDetail, SubsidiesService } from './subsidies.service';
import { EDITABLE } from './subsidy.state';
import { AttachmentUploadInterceptor, MAX_ATTACHMENT_BYTES } from './upload';
import type { UploadedBlob } from './upload';

type Body_ = Record<string, unknown>;
const arr = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
/** "1,200,000" → 1200000; anything else stays a string so that validation explains it */
const num = (v: unknown): unknown => {
  if (v === undefined || v === null || String(v).trim() === '') return undefined;
  const s = String(v).replace(/[,，\s円¥]/g, '');
  return /^\d{1,13}$/.test(s) ? Number(s) : String(v);
};
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const ROWS = 5;

/** The application form's budget rows → budgetItems, and the error-field names of each row. */
function parseApplicationForm(body: Body_) {
  const items = arr(body.budgetItem);
  const amounts = arr(body.budgetAmount);
  const fieldNames: Record<string, string> = {};
  const budgetItems: { item: unknown; amount: unknown }[] = [];
  for (let i = 0; i < Math.max(items.length, amounts.length); i++) {
    if (!(items[i] ?? '').trim() && !(amounts[i] ?? '').trim()) continue;
    fieldNames[`budgetItems.${budgetItems.length}.item`] = `budgetItem${i}`;
    fieldNames[`budgetItems.${budgetItems.length}.amount`] = `budgetAmount${i}`;
    budgetItems.push({ item: items[i] ?? '', amount: num(amounts[i]) });
  }
  return {
    dto: {
      title: str(body.title),
      summary: str(body.summary),
      requestedAmount: num(body.requestedAmount),
      budgetItems,
      municipalPartnerOrganizationId: str(body.municipalPartnerOrganizationId) || undefined,
      projectId: str(body.projectId) || undefined,
    },
    fieldNames,
  };
}

function formRows(items: { item: unknown; amount: unknown }[]) {
  const n = Math.max(ROWS, items.length + 1);
  return Array.from({ length: n }, (_, i) => ({
    i,
    item: items[i]?.item ?? '',
    amount: items[i]?.amount ?? '',
    itemKey: `budgetItem${i}`,
    amountKey: `budgetAmount${i}`,
  }));
}

@ApiExcludeController()
@Controller('subsidies')
export class SubsidiesController {
  constructor(
    private readonly subsidies: SubsidiesService,
    private readonly projects: ProjectsService,
  ) {}

  @Public()
  @Get()
  @Render('subsidies/index')
  async index(@Req() req: KyosoRequest, @CurrentUser() p?: Principal) {
    const programs = await this.subsidies.listPrograms(Object.assign(new ProgramListQuery(), { perPage: 100 }), p);
    const assignments = p ? await this.subsidies.reviewAssignments(p) : [];
    return {
      programs: programs.items,
      isSecretariat: isSecretariat(p),
      canApply: !!p?.organizationId && p.organizationKind !== 'secretariat',
      hasReviews: assignments.length > 0,
      flash: takeFlash(req),
    };
  }

  // ------------------------------------------------------------ programmes (secretariat)

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
  async createProgram(@Body() body: Body_, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    const { _csrf, ...values } = body ?? {};
    const program = await withForm(
      'subsidies/program-new',
      { values },
      async () => {
        const criteria = String(body.criteria ?? '')
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter(Boolean)
          .map((line, i) => {
            const [label, weight] = line.split(/[|｜]/);
            return { key: `c${i + 1}`, label: (label ?? '').trim(), weight: num(weight) ?? 1 };
          });
        const rate = num(String(body.subsidyRatePercent ?? '').replace(/[%％]/, ''));
        const tokyo = (d: unknown, end: boolean) =>
          typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d) ? `${d}T${end ? '23:59:59' : '00:00:00'}+09:00` : d;
        const f = await validateForm(CreateProgramDto, {
          title: body.title,
          description: body.description || undefined,
          maxAmountPerProject: num(body.maxAmountPerProject),
          subsidyRate: typeof rate === 'number' ? rate / 100 : rate,
          budgetTotal: num(body.budgetTotal),
          opensAt: tokyo(body.opensAt, false),
          closesAt: tokyo(body.closesAt, true),
          requiresMunicipalPartner: body.requiresMunicipalPartner === 'on',
          criteria,
        });
        return this.subsidies.createProgram(p, f, req.ip);
      },
      { subsidyRate: 'subsidyRatePercent' },
    );
    flash(req, 'success', 'subsidies.programCreated', { name: program.title });
    res.redirect(303, `/subsidies/programs/${program.id}`);
  }

  @Public()
  @Get('programs/:id')
  @Render('subsidies/program')
  async program(@Param('id', ParseUUIDPipe) id: string, @Req() req: KyosoRequest, @CurrentUser() p?: Principal) {
    const program = await this.subsidies.getProgram(id, p);
    return {
      program,
      canApply: !!p?.organizationId && p.organizationKind !== 'secretariat' && program.isOpen,
      isSecretariat: isSecretariat(p),
      flash: takeFlash(req),
    };
  }

  // ------------------------------------------------------------ the application form

  private async formModel(
    p: Principal,
    programId: string,
    values: Record<string, unknown>,
    items: { item: unknown; amount: unknown }[],
    action: string,
    editing: boolean,
  ) {
    const program = await this.subsidies.getProgram(programId, p);
    return {
      program,
      values,
      rows: formRows(items),
      municipalities: await this.subsidies.municipalities(),
      projects: p.organizationId ? await this.projects.openProjectsOf(p.organizationId) : [],
      action,
      editing,
      maxMb: MAX_ATTACHMENT_BYTES / 1024 / 1024,
    };
  }

  @Can('subsidies:apply')
  @Get('programs/:id/apply')
  @Render('subsidies/application-form')
  async applyPage(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal) {
    return this.formModel(p, id, {}, [], `/subsidies/programs/${id}/applications`, false);
  }

  @Can('subsidies:apply')
  @Post('programs/:id/applications')
  async apply(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Body_,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const { dto, fieldNames } = parseApplicationForm(body ?? {});
    const model = await this.formModel(p, id, body ?? {}, dto.budgetItems, `/subsidies/programs/${id}/applications`, false);
    model.rows = formRows(arr(body?.budgetItem).map((item, i) => ({ item, amount: arr(body?.budgetAmount)[i] ?? '' })));
    const created = await withForm(
      'subsidies/application-form',
      model,
      async () => {
        const f = await validateForm(CreateApplicationDto, dto);
        return this.subsidies.createApplication(p, id, f, req.ip);
      },
      fieldNames,
    );
    flash(req, 'success', 'subsidies.drafted', { name: created.title });
    res.redirect(303, `/subsidies/applications/${created.id}`);
  }

  @Can('subsidies:apply')
  @Get('applications/:id/edit')
  @Render('subsidies/application-form')
  async editPage(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal) {
    const app = await this.subsidies.detail(id, p);
    if (app.access !== 'applicant') throw new AppError(403, 'subsidies.applicantOnly');
    const values = {
      title: app.title,
      summary: app.summary,
      requestedAmount: app.requestedAmount,
      municipalPartnerOrganizationId: app.municipalPartner?.id ?? '',
      projectId: app.project?.id ?? '',
    };
    return {
      ...(await this.formModel(p, app.program.id, values, app.budgetItems, `/subsidies/applications/${id}/edit`, true)),
      application: app,
    };
  }

  @Can('subsidies:apply')
  @Post('applications/:id/edit')
  async edit(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Body_,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const app = await this.subsidies.detail(id, p);
    const { dto, fieldNames } = parseApplicationForm(body ?? {});
    const model = await this.formModel(p, app.program.id, body ?? {}, dto.budgetItems, `/subsidies/applications/${id}/edit`, true);
    model.rows = formRows(arr(body?.budgetItem).map((item, i) => ({ item, amount: arr(body?.budgetAmount)[i] ?? '' })));
    await withForm(
      'subsidies/application-form',
      { ...model, application: app },
      async () => {
        const f = await validateForm(UpdateApplicationDto, {
          ...dto,
          municipalPartnerOrganizationId: dto.municipalPartnerOrganizationId ?? null,
          projectId: dto.projectId ?? null,
        });
        await this.subsidies.updateApplication(p, id, f, req.ip);
      },
      fieldNames,
    );
    flash(req, 'success', 'subsidies.saved', { name: app.title });
    res.redirect(303, `/subsidies/applications/${id}`);
  }

  // ------------------------------------------------------------ the application page

  private async appModel(id: string, p: Principal, extra: Record<string, unknown> = {}) {
    const app: ApplicationDetail = await this.subsidies.detail(id, p);
    const program = await this.subsidies.getProgram(app.program.id, p);
    const applicant = app.access === 'applicant';
    const sec = app.access === 'secretariat';
    const mayReview = app.access === 'reviewer' && app.status === 'under_review' && !app.myReview;
    return {
      app,
      program,
      applicant,
      sec,
      editable: applicant && EDITABLE.includes(app.status),
      canSubmit: applicant && EDITABLE.includes(app.status),
      canWithdraw: applicant && ['draft', 'submitted', 'returned'].includes(app.status),
      canReport: applicant && app.status === 'grant_decided',
      canDownload: applicant || sec,
      canReturn: sec && app.status === 'submitted',
      canStartReview: sec && app.status === 'submitted',
      canAssign: sec && ['submitted', 'returned', 'under_review'].includes(app.status),
      canDecide: sec && app.status === 'under_review',
      canGrant: sec && app.status === 'adopted',
      canConfirm: sec && app.status === 'report_submitted',
      mayReview,
      criteria: program.criteria,
      scoreOptions: [1, 2, 3, 4, 5],
      maxMb: MAX_ATTACHMENT_BYTES / 1024 / 1024,
      values: {},
      ...extra,
    };
  }

  @Can('account:self')
  @Get('applications/:id')
  @Render('subsidies/application')
  async application(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return { ...(await this.appModel(id, p)), flash: takeFlash(req) };
  }

  /** One step on the application page: re-render with errors, or flash and back to the page. */
  private async step(
    id: string,
    p: Principal,
    req: KyosoRequest,
    res: Response,
    body: Body_,
    flashKey: string,
    action: () => Promise<unknown>,
  ) {
    await withForm('subsidies/application', await this.appModel(id, p, { values: body ?? {} }), action);
    flash(req, 'success', flashKey);
    res.redirect(303, `/subsidies/applications/${id}`);
  }

  @Can('subsidies:apply')
  @Post('applications/:id/attachments')
  @UseInterceptors(AttachmentUploadInterceptor)
  async upload(
    @Param('id', ParseUUIDPipe) id: string,
    @UploadedFile() file: UploadedBlob | undefined,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const body = (req.body ?? {}) as Body_;
    const attached = await withForm('subsidies/application', await this.appModel(id, p), () =>
      this.subsidies.addAttachment(p, id, file, str(body.kind), req.ip),
    );
    flash(req, 'success', 'subsidies.attached', { name: attached.filename });
    res.redirect(303, `/subsidies/applications/${id}`);
  }

  @Can('subsidies:apply')
  @Post('applications/:id/attachments/:attachmentId/delete')
  async removeAttachment(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('attachmentId', ParseUUIDPipe) attachmentId: string,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, {}, 'subsidies.attachmentRemoved', () => this.subsidies.removeAttachment(p, id, attachmentId, req.ip));
  }

  @Can('account:self')
  @Get('applications/:id/attachments/:attachmentId')
  async download(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('attachmentId', ParseUUIDPipe) attachmentId: string,
    @CurrentUser() p: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    return sendDownload(res, await this.subsidies.attachmentFile(p, id, attachmentId));
  }

  @Can('subsidies:apply')
  @Post('applications/:id/submit')
  async submit(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    await this.step(id, p, req, res, {}, 'subsidies.submitted', () => this.subsidies.submit(p, id, req.ip));
  }

  @Can('subsidies:apply')
  @Post('applications/:id/withdraw')
  async withdraw(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Body_,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.withdrawn', async () => {
      const f = await validateForm(OptionalCommentDto, body);
      return this.subsidies.withdraw(p, id, f.comment, req.ip);
    });
  }

  @Can('subsidies:manage')
  @Post('applications/:id/return')
  async returnIt(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Body_,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.returned', async () => {
      const f = await validateForm(CommentDto, body);
      return this.subsidies.returnForCorrection(p, id, f.comment, req.ip);
    });
  }

  @Can('subsidies:manage')
  @Post('applications/:id/start-review')
  async startReview(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    await this.step(id, p, req, res, {}, 'subsidies.reviewStarted', () => this.subsidies.startReview(p, id, req.ip));
  }

  @Can('subsidies:manage')
  @Post('applications/:id/reviewers')
  async assign(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Body_,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.reviewerAssigned', async () => {
      const f = await validateForm(AssignReviewerDto, { email: body.email });
      return this.subsidies.assignReviewer(p, id, f, req.ip);
    });
  }

  @Can('account:self')
  @Post('applications/:id/reviews')
  async review(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Body_,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.reviewed', async () => {
      const scores: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(body ?? {})) if (k.startsWith('score_')) scores[k.slice(6)] = num(v);
      const hasCriteria = Object.keys(scores).length > 0;
      const f = await validateForm(ReviewDto, { comment: body.comment, ...(hasCriteria ? { scores } : { score: num(body.score) }) });
      return this.subsidies.review(p, id, f, req.ip);
    });
  }

  @Can('subsidies:manage')
  @Post('applications/:id/decision')
  async decide(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Body_,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.decided', async () => {
      const f = await validateForm(DecisionDto, {
        decision: body.decision,
        grantedAmount: body.decision === 'adopted' ? num(body.grantedAmount) : undefined,
        comment: body.comment || undefined,
      });
      return this.subsidies.decide(p, id, f, req.ip);
    });
  }

  @Can('subsidies:manage')
  @Post('applications/:id/grant')
  async grant(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Body_,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.granted', async () => {
      const f = await validateForm(GrantDto, { grantedAmount: num(body.grantedAmount), comment: body.comment || undefined });
      return this.subsidies.grant(p, id, f, req.ip);
    });
  }

  @Can('subsidies:apply')
  @Post('applications/:id/report')
  async report(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Body_,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.reported', async () => {
      const f = await validateForm(ReportDto, { actualCost: num(body.actualCost), outcome: body.outcome });
      return this.subsidies.report(p, id, f, req.ip);
    });
  }

  @Can('subsidies:manage')
  @Post('applications/:id/confirm')
  async confirm(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Body_,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.confirmed', async () => {
      const f = await validateForm(ConfirmDto, { confirmedAmount: num(body.confirmedAmount), comment: body.comment || undefined });
      return this.subsidies.confirm(p, id, f, req.ip);
    });
  }

  // ------------------------------------------------------------ lists

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
  async reviews(@CurrentUser() p: Principal) {
    return { assignments: await this.subsidies.reviewAssignments(p) };
  }

  @Can('subsidies:manage')
  @Get('admin')
  @Render('subsidies/admin')
  async admin(@CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    const programs = (await this.subsidies.listPrograms(Object.assign(new ProgramListQuery(), { perPage: 100 }), p)).items;
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

  @Can('audit:read')
  @Get('admin/audit')
  @Render('subsidies/audit')
  async auditPage(@Query() query: Record<string, unknown>) {
    return { log: await this.subsidies.auditLog(await validateForm(AuditLogQuery, query)) };
  }

  @Can('audit:read')
  @Get('admin/audit.csv')
  async auditCsv(@CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res({ passthrough: true }) res: Response) {
    return sendCsv(res, 'audit-log.csv', await this.subsidies.auditCsv(p, Object.assign(new AuditLogQuery(), {}), req.ip));
  }
}
