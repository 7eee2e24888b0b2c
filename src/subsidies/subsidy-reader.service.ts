import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../../libs/common';
import { timelineOf } from '../../libs/workflow';
import type { Principal } from '../auth/principal';
import { MembersDirectory } from '../members/directory.service';
import { ProjectsService } from '../projects/projects.service';
import { SubsidyApplication } from './entities/subsidy-application.entity';
import { SubsidyChangeRequest } from './entities/subsidy-change-request.entity';
import { SubsidyAttachment, SubsidyReview, SubsidyReviewer } from './entities/subsidy-parts.entity';
import { SubsidyProgram } from './entities/subsidy-program.entity';
import { SubsidyProgramsService } from './subsidy-programs.service';
import { accessOf } from './subsidy.access';
import { finalAmountOf, withdrawableUntil } from './subsidy.rules';
import { grantDecidedAt } from './subsidy.steps';
import { SubsidyActor, subsidyActions, subsidyWorkflow } from './subsidy.state';
import type { ApplicationDetail, ApplicationView, ChangeRequestView, ReviewView } from './subsidy.views';

export const changeRequestView = (c: SubsidyChangeRequest): ChangeRequestView => ({
  id: c.id,
  status: c.status,
  reason: c.reason,
  requestedAmount: c.requestedAmount,
  budgetItems: c.budgetItems,
  previousAmount: c.previousAmount,
  previousBudgetItems: c.previousBudgetItems,
  decisionComment: c.decisionComment,
  decidedAt: c.decidedAt,
  createdAt: c.createdAt,
});

/** Applications as the caller may see them: the list rows and the detail with the actions open to the caller. */
@Injectable()
export class SubsidyApplicationsReader {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly programs: SubsidyProgramsService,
    private readonly directory: MembersDirectory,
    private readonly projects: ProjectsService,
  ) {}

  async detail(id: string, p: Principal): Promise<ApplicationDetail> {
    const m = this.db.manager;
    const app = await m.findOne(SubsidyApplication, { where: { id } });
    if (!app) throw new AppError(404, 'notFound');
    const access = await accessOf(m, app, p);
    const program = await m.findOneOrFail(SubsidyProgram, { where: { id: app.programId } });
    const [view] = await this.toViews([app]);
    const attachments = await m.find(SubsidyAttachment, { where: { applicationId: id }, order: { createdAt: 'ASC' } });
    const until = app.status === 'grant_decided' ? withdrawableUntil(program, await grantDecidedAt(m, id)) : null;
    const ctx: SubsidyActor = {
      access,
      partnerPending: program.requiresMunicipalPartner && app.status === 'submitted',
      withdrawalClosed: !!until && Date.now() > until.getTime(),
    };
    const detail: ApplicationDetail = {
      ...view,
      access,
      actions: subsidyActions(app.status, ctx),
      attachments: attachments.map((a) => ({
        id: a.id,
        kind: a.kind,
        filename: a.filename,
        mediaType: a.mediaType,
        sizeBytes: a.sizeBytes,
        createdAt: a.createdAt,
      })),
      history: await timelineOf(m, subsidyWorkflow.name, id, (ids) => this.directory.users(ids, m)),
      withdrawableUntil: until,
      finalAmount: app.grantedAmount !== null && app.actualCost !== null ? finalAmountOf(program, app.grantedAmount, app.actualCost) : null,
    };
    // the named municipal partner reads the application, never the reviews nor the plan changes
    if (access === 'partner') return detail;
    detail.changeRequests = (await m.find(SubsidyChangeRequest, { where: { applicationId: id }, order: { createdAt: 'ASC' } })).map(
      changeRequestView,
    );
    if (access === 'applicant') return detail;

    const assignedRows = await m.find(SubsidyReviewer, { where: { applicationId: id }, order: { assignedAt: 'ASC' } });
    const users = await this.directory.users(
      assignedRows.map((r) => r.reviewerId),
      m,
    );
    const assigned = assignedRows.filter((r) => users.has(r.reviewerId)).map((r) => users.get(r.reviewerId)!);
    const reviews = await m.find(SubsidyReview, { where: { applicationId: id }, order: { submittedAt: 'ASC' } });
    const toReview = (r: SubsidyReview): ReviewView => {
      const a = users.get(r.reviewerId);
      return {
        reviewer: { id: r.reviewerId, displayName: a?.displayName ?? '', organizationName: a?.organizationName ?? null },
        scores: r.scores,
        weightedScore: r.weightedScore,
        comment: r.comment,
        submittedAt: r.submittedAt,
      };
    };
    const mine = reviews.find((r) => r.reviewerId === p.userId);
    detail.actions = subsidyActions(app.status, { ...ctx, reviewed: !!mine });
    // a reviewer sees the others' scores only after submitting their own
    const visible = access === 'secretariat' || mine ? reviews : [];
    detail.reviewers = assigned.map((a) => ({
      id: a.id,
      displayName: a.displayName,
      organizationName: a.organizationName,
      submitted: reviews.some((r) => r.reviewerId === a.id),
    }));
    detail.reviews = visible.map(toReview);
    detail.myReview = mine ? toReview(mine) : null;
    const avg = (xs: number[]) => (xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100 : null);
    detail.reviewSummary = {
      count: visible.length,
      averageWeighted: avg(visible.map((r) => r.weightedScore)),
      byCriterion: program.criteria.map((c) => ({
        ...c,
        average: avg(visible.map((r) => r.scores[c.key]).filter((x) => typeof x === 'number')),
      })),
    };
    if (access === 'secretariat') detail.remainingBudget = (await this.programs.programTotals(program.id)).remainingBudget;
    return detail;
  }

  async toViews(apps: SubsidyApplication[]): Promise<ApplicationView[]> {
    if (!apps.length) return [];
    const programs = await this.db
      .getRepository(SubsidyProgram)
      .createQueryBuilder('s')
      .whereInIds([...new Set(apps.map((a) => a.programId))])
      .getMany();
    const programById = new Map(programs.map((s) => [s.id, s]));
    const orgs = await this.directory.organizations(apps.flatMap((a) => [a.organizationId, a.municipalPartnerOrganizationId]));
    const orgName = (id: string) => orgs.get(id)?.name ?? '';
    const projectTitle = await this.projects.titles(apps.map((a) => a.projectId));
    return apps.map((a) => {
      const s = programById.get(a.programId)!;
      return {
        id: a.id,
        program: {
          id: s.id,
          title: s.title,
          maxAmountPerProject: s.maxAmountPerProject,
          subsidyRate: s.subsidyRate,
          requiresMunicipalPartner: s.requiresMunicipalPartner,
        },
        status: a.status,
        title: a.title,
        summary: a.summary,
        requestedAmount: a.requestedAmount,
        totalCost: a.totalCost,
        budgetItems: a.budgetItems,
        organization: { id: a.organizationId, name: orgName(a.organizationId) },
        municipalPartner: a.municipalPartnerOrganizationId
          ? { id: a.municipalPartnerOrganizationId, name: orgName(a.municipalPartnerOrganizationId) }
          : null,
        project: a.projectId ? { id: a.projectId, title: projectTitle.get(a.projectId) ?? '' } : null,
        grantedAmount: a.grantedAmount,
        confirmedAmount: a.confirmedAmount,
        actualCost: a.actualCost,
        outcome: a.outcome,
        returnComment: a.returnComment,
        decisionComment: a.decisionComment,
        submittedAt: a.submittedAt,
        decidedAt: a.decidedAt,
        reportedAt: a.reportedAt,
        completedAt: a.completedAt,
        partnerComment: a.partnerComment,
        partnerAnsweredAt: a.partnerAnsweredAt,
        reportReturnComment: a.reportReturnComment,
        projectStartsOn: a.projectStartsOn,
        projectEndsOn: a.projectEndsOn,
        reportDueOn: a.reportDueOn,
        paymentClaimedAt: a.paymentClaimedAt,
        paidOn: a.paidOn,
        createdAt: a.createdAt,
        updatedAt: a.updatedAt,
      };
    });
  }
}
