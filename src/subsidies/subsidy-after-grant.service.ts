import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError } from '../../libs/common';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import type { ChangeRequestDto, PaidDto, ScheduleDto } from './dto/subsidy-after.dto';
import { BudgetItem, SubsidyApplication } from './entities/subsidy-application.entity';
import { SubsidyProgram } from './entities/subsidy-program.entity';
import { SubsidyChangeRequest } from './entities/subsidy-change-request.entity';
import { SubsidyProgramsService } from './subsidy-programs.service';
import { SubsidyApplicationsReader } from './subsidy-reader.service';
import { accessOf, lockApplication, lockProgram, requireApplicant } from './subsidy.access';
import { checkAmounts } from './subsidy.rules';
import { moveApplication } from './subsidy.steps';
import type { ApplicationDetail } from './subsidy.views';

/**
 * After the grant decision (交付決定の後): change requests (変更承認申請), the report returned for correction, the
 * payment claim (精算払請求) and the payment (支払), the project period and report deadline. Each step goes through the
 * workflow table with its history; every money change is in the audit log; the applicant is told by the workflow event.
 */
@Injectable()
export class SubsidyAfterGrantService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly programs: SubsidyProgramsService,
    private readonly reader: SubsidyApplicationsReader,
  ) {}

  private log(m: EntityManager, p: Principal, id: string, action: string, ip?: string, data?: Record<string, unknown>) {
    return this.audit.record({ actorId: p.userId, action, subjectType: 'subsidy_application', subjectId: id, ip, data }, m);
  }

  /** The applicant files a change: grant_decided → change_requested. Amounts are checked now and again at approval. */
  async requestChange(p: Principal, id: string, dto: ChangeRequestDto, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await lockApplication(m, id);
      await requireApplicant(m, app, p);
      const program = await m.findOneOrFail(SubsidyProgram, { where: { id: app.programId } });
      if (dto.requestedAmount === undefined && dto.budgetItems === undefined)
        throw new AppError(400, 'subsidies.changeEmpty', {}, { budgetItems: ['subsidies.changeEmpty'] });
      const items: BudgetItem[] = dto.budgetItems?.map((i) => ({ item: i.item, amount: i.amount })) ?? app.budgetItems;
      checkAmounts(program, dto.requestedAmount ?? app.grantedAmount ?? 0, items);
      await moveApplication(m, p, app, 'requestChange', { comment: dto.reason });
      await m.insert(SubsidyChangeRequest, {
        applicationId: id,
        requestedBy: p.userId,
        reason: dto.reason,
        requestedAmount: dto.requestedAmount ?? null,
        budgetItems: dto.budgetItems ? items : null,
        previousAmount: app.grantedAmount ?? 0,
        previousBudgetItems: app.budgetItems,
      });
      await this.log(m, p, id, 'subsidy.change.request', ip, { requestedAmount: dto.requestedAmount ?? null, reason: dto.reason });
    });
    return this.reader.detail(id, p);
  }

  /**
   * The secretariat approves (the new plan and amount replace the granted ones, re-checked against the cap, the rate and
   * the programme's remaining budget) or rejects (nothing changes): change_requested → grant_decided.
   */
  async decideChange(p: Principal, cid: string, approve: boolean, comment: string | null, ip?: string): Promise<ApplicationDetail> {
    const cr0 = await this.db.manager.findOne(SubsidyChangeRequest, { where: { id: cid } });
    if (!cr0) throw new AppError(404, 'notFound');
    await this.db.transaction(async (m) => {
      const app = await lockApplication(m, cr0.applicationId);
      const program = await lockProgram(m, app.programId);
      const cr = await m.findOneOrFail(SubsidyChangeRequest, { where: { id: cid }, lock: { mode: 'pessimistic_write' } });
      if (cr.status !== 'pending') throw new AppError(409, 'subsidies.changeDecided');
      const granted = app.grantedAmount ?? 0;
      const amount = cr.requestedAmount ?? granted;
      const items = cr.budgetItems ?? app.budgetItems;
      if (approve) {
        const totalCost = checkAmounts(program, amount, items);
        if (amount > granted && program.budgetTotal !== null) {
          const { remainingBudget } = await this.programs.programTotals(program.id, m);
          if (remainingBudget !== null && amount - granted > remainingBudget)
            throw new AppError(409, 'subsidies.budgetExceeded', { remaining: remainingBudget });
        }
        await moveApplication(m, p, app, 'approveChange', {
          comment,
          set: { grantedAmount: amount, requestedAmount: Math.max(amount, app.requestedAmount), budgetItems: items, totalCost },
        });
        await this.log(m, p, app.id, 'subsidy.change.approve', ip, {
          changeRequestId: cid,
          grantedAmount: { from: granted, to: amount },
          totalCost: { from: app.totalCost, to: totalCost },
          comment,
        });
      } else {
        await moveApplication(m, p, app, 'rejectChange', { comment });
        await this.log(m, p, app.id, 'subsidy.change.reject', ip, { changeRequestId: cid, comment });
      }
      await m.update(SubsidyChangeRequest, cid, {
        status: approve ? 'approved' : 'rejected',
        decidedBy: p.userId,
        decidedAt: new Date(),
        decisionComment: comment,
      });
    });
    return this.reader.detail(cr0.applicationId, p);
  }

  /** The application a change request belongs to (for the pages); 404 when unknown. */
  async applicationOfChange(cid: string): Promise<string> {
    const cr = await this.db.manager.findOne(SubsidyChangeRequest, { where: { id: cid } });
    if (!cr) throw new AppError(404, 'notFound');
    return cr.applicationId;
  }

  /** 実績報告の差戻し: report_submitted → report_returned with a comment; the applicant reports again. */
  async returnReport(p: Principal, id: string, comment: string, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await lockApplication(m, id);
      await moveApplication(m, p, app, 'returnReport', { comment, set: { reportReturnComment: comment } });
      await this.log(m, p, id, 'subsidy.report.return', ip, { comment, actualCost: app.actualCost });
    });
    return this.reader.detail(id, p);
  }

  /** 精算払請求: completed → payment_claimed, for the confirmed amount. */
  async claimPayment(p: Principal, id: string, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await lockApplication(m, id);
      await requireApplicant(m, app, p);
      await moveApplication(m, p, app, 'claimPayment', { set: { paymentClaimedAt: new Date() } });
      await this.log(m, p, id, 'subsidy.payment.claim', ip, { amount: app.confirmedAmount });
    });
    return this.reader.detail(id, p);
  }

  /** 支払: payment_claimed → paid on the given date. */
  async pay(p: Principal, id: string, dto: PaidDto, ip?: string): Promise<ApplicationDetail> {
    const paidOn = dto.paidOn.slice(0, 10);
    await this.db.transaction(async (m) => {
      const app = await lockApplication(m, id);
      await moveApplication(m, p, app, 'pay', { set: { paidOn } });
      await this.log(m, p, id, 'subsidy.paid', ip, { paidAmount: { from: 0, to: app.confirmedAmount }, paidOn });
    });
    return this.reader.detail(id, p);
  }

  /** The project period and the report deadline (secretariat), once granted; a new deadline re-arms the reminders. */
  async schedule(p: Principal, id: string, dto: ScheduleDto, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await lockApplication(m, id);
      if ((await accessOf(m, app, p)) !== 'secretariat') throw new AppError(403, 'forbidden');
      if (!['grant_decided', 'change_requested', 'report_returned'].includes(app.status)) throw new AppError(409, 'subsidies.notGranted');
      const day = (s?: string) => (s ? s.slice(0, 10) : null);
      const starts = day(dto.projectStartsOn) ?? app.projectStartsOn;
      const ends = day(dto.projectEndsOn) ?? app.projectEndsOn;
      if (starts && ends && ends < starts)
        throw new AppError(400, 'subsidies.periodOrder', {}, { projectEndsOn: ['subsidies.periodOrder'] });
      const reportDueOn = day(dto.reportDueOn)!;
      await m.update(SubsidyApplication, id, {
        projectStartsOn: starts,
        projectEndsOn: ends,
        reportDueOn,
        ...(reportDueOn !== app.reportDueOn ? { reminderDueSentAt: null, reminderOverdueSentAt: null } : {}),
      });
      await this.log(m, p, id, 'subsidy.schedule', ip, { projectStartsOn: starts, projectEndsOn: ends, reportDueOn });
    });
    return this.reader.detail(id, p);
  }
}
