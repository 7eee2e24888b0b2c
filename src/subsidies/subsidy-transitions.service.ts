import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, t } from '../../libs/common';
import type { TransitionEvent } from '../../libs/workflow';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { MailService } from '../mail/mail.service';
import { MembersDirectory } from '../members/directory.service';
import type { ConfirmDto, DecisionDto, GrantDto, ReportDto } from './dto/subsidy.dto';
import { SubsidyApplication } from './entities/subsidy-application.entity';
import { SubsidyNotification } from './entities/subsidy-parts.entity';
import { SubsidyProgram } from './entities/subsidy-program.entity';
import { SubsidyProgramsService } from './subsidy-programs.service';
import { SubsidyPartnerService } from './subsidy-partner.service';
import { SubsidyApplicationsReader } from './subsidy-reader.service';
import { accessOf, lockApplication, lockProgram, requireApplicant } from './subsidy.access';
import { checkAmounts, finalAmountOf, withdrawableUntil } from './subsidy.rules';
import { grantDecidedAt, moveApplication, StepOptions } from './subsidy.steps';
import { ApplicationStatus, subsidyWorkflow, SubsidyTransition } from './subsidy.state';
import type { ApplicationDetail } from './subsidy.views';

/**
 * The application's steps through the workflow (subsidy.state.ts): each asks the table and its role rule
 * (assertAction), moves the row (transitionEntity) and audits, in one transaction; the applicant is told of each.
 */
@Injectable()
export class SubsidyTransitionsService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly mail: MailService,
    private readonly directory: MembersDirectory,
    private readonly programs: SubsidyProgramsService,
    private readonly reader: SubsidyApplicationsReader,
    private readonly partner: SubsidyPartnerService,
  ) {}

  onModuleInit(): void {
    // the workflow's event: every step is told to the applicant (e-mail + in-app), in the same transaction
    subsidyWorkflow.on('notify-applicant', (m, ev) => this.notifyApplicant(m, ev));
  }

  /** One step: the caller's role and the state checked by the table, then the conditional update and its history. */
  private move(m: EntityManager, p: Principal, app: SubsidyApplication, action: SubsidyTransition, opts: StepOptions = {}) {
    return moveApplication(m, p, app, action, opts);
  }

  private log(m: EntityManager, p: Principal, id: string, action: string, ip?: string, data?: Record<string, unknown>) {
    return this.audit.record({ actorId: p.userId, action, subjectType: 'subsidy_application', subjectId: id, ip, data }, m);
  }

  /** Submission (and resubmission after a return). First submission only inside the window; partner when required. */
  async submit(p: Principal, id: string, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await lockApplication(m, id);
      await requireApplicant(m, app, p);
      subsidyWorkflow.assertAction('submit', app.status, { access: 'applicant' });
      const program = await m.findOneOrFail(SubsidyProgram, { where: { id: app.programId } });
      const now = Date.now();
      if (app.status === 'draft' && now < program.opensAt.getTime()) throw new AppError(409, 'subsidies.notOpenYet');
      if (app.status === 'draft' && now >= program.closesAt.getTime()) throw new AppError(409, 'subsidies.windowClosed');
      if (program.requiresMunicipalPartner && !app.municipalPartnerOrganizationId) throw new AppError(409, 'subsidies.partnerRequired');
      checkAmounts(program, app.requestedAmount, app.budgetItems);
      await this.move(m, p, app, 'submit', { set: { submittedAt: new Date(), partnerComment: null, partnerAnsweredAt: null } });
      await this.log(m, p, id, 'subsidy.application.submit', ip, { requestedAmount: app.requestedAmount });
      if (program.requiresMunicipalPartner) await this.partner.askPartner(m, app);
    });
    return this.reader.detail(id, p);
  }

  /**
   * Before review (draft, submitted, returned, partner answered) or after the grant decision within the programme's
   * period (the grant is released back to the budget); once under review, or after the period, 409.
   */
  async withdraw(p: Principal, id: string, comment?: string, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await lockApplication(m, id);
      await requireApplicant(m, app, p);
      if (app.status === 'grant_decided') {
        const program = await lockProgram(m, app.programId);
        const until = withdrawableUntil(program, await grantDecidedAt(m, app.id));
        if (until && Date.now() > until.getTime())
          throw new AppError(409, 'subsidies.withdrawalPeriodOver', { until: until.toISOString() });
        await this.move(m, p, app, 'withdrawGrant', { comment: comment ?? null });
        await this.log(m, p, id, 'subsidy.grant.withdraw', ip, { grantedAmount: { from: app.grantedAmount, released: app.grantedAmount } });
        return;
      }
      await this.move(m, p, app, 'withdraw', { comment: comment ?? null });
      await this.log(m, p, id, 'subsidy.application.withdraw', ip);
    });
    return this.reader.detail(id, p);
  }

  /** 差戻し: back to the applicant with a comment (told by e-mail and in-app). */
  async returnForCorrection(p: Principal, id: string, comment: string, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await lockApplication(m, id);
      await this.move(m, p, app, 'return', { comment, set: { returnComment: comment } });
      await this.log(m, p, id, 'subsidy.application.return', ip, { comment });
    });
    return this.reader.detail(id, p);
  }

  async startReview(p: Principal, id: string, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await lockApplication(m, id);
      const program = await m.findOneOrFail(SubsidyProgram, { where: { id: app.programId } });
      // review cannot start before the named municipality has confirmed (409), whoever asks
      if (program.requiresMunicipalPartner && app.status !== 'partner_confirmed' && (await accessOf(m, app, p)) === 'secretariat')
        throw new AppError(409, 'subsidies.partnerNotConfirmed');
      await this.move(m, p, app, 'startReview');
      await this.log(m, p, id, 'subsidy.application.startReview', ip);
    });
    return this.reader.detail(id, p);
  }

  /**
   * 採択/不採択. `adopted` with a grantedAmount also records the grant decision (交付決定) → grant_decided.
   * The application row and then its programme are locked, so two decisions cannot both win (the second is 409)
   * and grants never exceed the programme budget.
   */
  async decide(p: Principal, id: string, dto: DecisionDto, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await lockApplication(m, id);
      const program = await lockProgram(m, app.programId);
      const action = dto.decision === 'adopted' ? 'adopt' : 'reject';
      subsidyWorkflow.assertAction(action, app.status, { access: await accessOf(m, app, p) });
      if (action === 'reject' && dto.grantedAmount !== undefined)
        throw new AppError(400, 'subsidies.grantOnRejection', {}, { grantedAmount: ['subsidies.grantOnRejection'] });
      const comment = dto.comment ?? null;
      await this.move(m, p, app, action, { comment, set: { decidedAt: new Date(), decisionComment: comment } });
      await this.log(m, p, id, 'subsidy.decision', ip, { decision: dto.decision, comment });
      if (action === 'adopt' && dto.grantedAmount !== undefined) await this.recordGrant(m, p, app, program, dto.grantedAmount, comment, ip);
    });
    return this.reader.detail(id, p);
  }

  /** 交付決定 for an application adopted without an amount. */
  async grant(p: Principal, id: string, dto: GrantDto, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await lockApplication(m, id);
      const program = await lockProgram(m, app.programId);
      subsidyWorkflow.assertAction('grant', app.status, { access: await accessOf(m, app, p) });
      await this.recordGrant(m, p, app, program, dto.grantedAmount, dto.comment ?? null, ip);
    });
    return this.reader.detail(id, p);
  }

  /** ≤ requested, ≤ the cap and ≤ what is left of the programme's budget; adopted → grant_decided. */
  private async recordGrant(
    m: EntityManager,
    p: Principal,
    app: SubsidyApplication,
    program: SubsidyProgram,
    amount: number,
    comment: string | null,
    ip?: string,
  ): Promise<void> {
    if (amount > app.requestedAmount)
      throw new AppError(
        400,
        'subsidies.grantOverRequested',
        { requested: app.requestedAmount },
        { grantedAmount: ['subsidies.grantOverRequested'] },
      );
    if (amount > program.maxAmountPerProject)
      throw new AppError(400, 'subsidies.overCap', { cap: program.maxAmountPerProject }, { grantedAmount: ['subsidies.overCap'] });
    if (program.budgetTotal !== null) {
      const { remainingBudget } = await this.programs.programTotals(program.id, m);
      if (remainingBudget !== null && amount > remainingBudget)
        throw new AppError(409, 'subsidies.budgetExceeded', { remaining: remainingBudget });
    }
    await this.move(m, p, app, 'grant', { from: 'adopted', comment, set: { grantedAmount: amount } });
    await this.log(m, p, app.id, 'subsidy.grant', ip, {
      grantedAmount: { from: app.grantedAmount, to: amount },
      requestedAmount: app.requestedAmount,
    });
  }

  /** 実績報告: the applicant reports the actual cost and outcomes. */
  async report(p: Principal, id: string, dto: ReportDto, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await lockApplication(m, id);
      await requireApplicant(m, app, p);
      await this.move(m, p, app, 'report', { set: { actualCost: dto.actualCost, outcome: dto.outcome, reportedAt: new Date() } });
      await this.log(m, p, id, 'subsidy.report', ip, { actualCost: dto.actualCost });
    });
    return this.reader.detail(id, p);
  }

  /**
   * 額の確定: the final amount by rule, min(granted, floor(actual cost × rate), cap) — the granted amount being the
   * approved plan's. Without `confirmedAmount` it is computed; a given amount above it is 400.
   */
  async confirm(p: Principal, id: string, dto: ConfirmDto, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await lockApplication(m, id);
      subsidyWorkflow.assertAction('confirm', app.status, { access: await accessOf(m, app, p) });
      const program = await m.findOneOrFail(SubsidyProgram, { where: { id: app.programId } });
      const rule = finalAmountOf(program, app.grantedAmount ?? 0, app.actualCost ?? 0);
      const amount = dto.confirmedAmount ?? rule.amount;
      if (amount > rule.amount)
        throw new AppError(
          400,
          'subsidies.confirmedOverRule',
          { max: rule.amount, working: rule.working },
          { confirmedAmount: ['subsidies.confirmedOverRule'] },
        );
      await this.move(m, p, app, 'confirm', { comment: dto.comment ?? null, set: { confirmedAmount: amount, completedAt: new Date() } });
      await this.log(m, p, id, 'subsidy.confirm', ip, {
        confirmedAmount: { from: app.confirmedAmount, to: amount },
        grantedAmount: app.grantedAmount,
        actualCost: app.actualCost,
        working: rule.working,
      });
    });
    return this.reader.detail(id, p);
  }

  /** The workflow event → an in-app notice and an e-mail to the applicant, inside the transition's transaction. */
  private async notifyApplicant(m: EntityManager, ev: TransitionEvent<ApplicationStatus>): Promise<void> {
    if (ev.from === null) return; // created as a draft: nothing to tell
    const app = await m.findOne(SubsidyApplication, { where: { id: ev.subjectId } });
    const user = app && (await this.directory.user(app.createdBy, m));
    if (!app || !user) return;
    await m.insert(SubsidyNotification, { organizationId: app.organizationId, applicationId: app.id, status: ev.to, comment: ev.comment });
    const lang = 'ja';
    const amount = ev.to === 'grant_decided' ? app.grantedAmount : ev.to === 'completed' || ev.to === 'paid' ? app.confirmedAmount : null;
    await this.mail.send(
      {
        to: user.email,
        template: 'subsidyStatus',
        lang,
        params: {
          name: user.displayName,
          title: app.title,
          status: t(lang, `subsidies.statuses.${ev.to}`),
          message: t(lang, `subsidies.mailMessages.${ev.to}`, {
            amount: amount === null ? '' : `${Number(amount).toLocaleString('ja-JP')}円`,
          }),
          comment: ev.comment ? t(lang, 'subsidies.mailComment', { comment: ev.comment }) : '',
          link: `/subsidies/applications/${app.id}`,
        },
      },
      m,
    );
  }
}
