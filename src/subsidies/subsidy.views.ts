import type { TimelineEntry } from '../../libs/workflow';
import type { BudgetItem } from './entities/subsidy-application.entity';
import type { Criterion } from './entities/subsidy-program.entity';
import type { Access, ApplicationStatus, SubsidyAction } from './subsidy.state';

export type { Access };

export interface ProgramTotals {
  applications: number;
  submitted: number;
  underReview: number;
  adopted: number;
  rejected: number;
  grantedTotal: number;
  confirmedTotal: number;
  remainingBudget: number | null;
}

export interface ProgramView {
  id: string;
  title: string;
  description: string;
  maxAmountPerProject: number;
  /** a fraction of the total cost, 0 < rate ≤ 1 */
  subsidyRate: number;
  subsidyRatePercent: number;
  withdrawalDaysAfterGrant: number;
  budgetTotal: number | null;
  opensAt: Date;
  closesAt: Date;
  isOpen: boolean;
  requiresMunicipalPartner: boolean;
  criteria: Criterion[];
  fiscalYear: number;
  reviewers: { displayName: string; organizationName: string | null }[];
  totals?: ProgramTotals;
  createdAt: Date;
}

export interface ReviewView {
  reviewer: { id: string; displayName: string; organizationName: string | null };
  scores: Record<string, number>;
  weightedScore: number;
  comment: string;
  submittedAt: Date;
}

export interface ApplicationView {
  id: string;
  program: { id: string; title: string; maxAmountPerProject: number; subsidyRate: number; requiresMunicipalPartner: boolean };
  status: ApplicationStatus;
  title: string;
  summary: string;
  requestedAmount: number;
  totalCost: number;
  budgetItems: BudgetItem[];
  organization: { id: string; name: string };
  municipalPartner: { id: string; name: string } | null;
  project: { id: string; title: string } | null;
  grantedAmount: number | null;
  confirmedAmount: number | null;
  actualCost: number | null;
  outcome: string | null;
  returnComment: string | null;
  decisionComment: string | null;
  submittedAt: Date | null;
  decidedAt: Date | null;
  reportedAt: Date | null;
  completedAt: Date | null;
  partnerComment: string | null;
  partnerAnsweredAt: Date | null;
  reportReturnComment: string | null;
  projectStartsOn: string | null;
  projectEndsOn: string | null;
  reportDueOn: string | null;
  paymentClaimedAt: Date | null;
  paidOn: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ApplicationDetail extends ApplicationView {
  access: Access;
  /** what this caller may do now, from the workflow table and its role rules (see subsidy.state.ts) */
  actions: SubsidyAction[];
  attachments: { id: string; kind: string; filename: string; mediaType: string; sizeBytes: number; createdAt: Date }[];
  history: TimelineEntry[];
  reviewers?: { id: string; displayName: string; organizationName: string | null; submitted: boolean }[];
  reviews?: ReviewView[];
  reviewSummary?: {
    count: number;
    averageWeighted: number | null;
    byCriterion: { key: string; label: string; weight: number; average: number | null }[];
  };
  myReview?: ReviewView | null;
  remainingBudget?: number | null;
  /** the programme's last day for withdrawing after the grant decision (grant_decided only) */
  withdrawableUntil?: Date | null;
  changeRequests?: ChangeRequestView[];
  /** 額の確定 by rule, with its working, once a report is in */
  finalAmount?: FinalAmount | null;
}

export interface ChangeRequestView {
  id: string;
  status: 'pending' | 'approved' | 'rejected';
  reason: string;
  requestedAmount: number | null;
  budgetItems: BudgetItem[] | null;
  previousAmount: number;
  previousBudgetItems: BudgetItem[];
  decisionComment: string | null;
  decidedAt: Date | null;
  createdAt: Date;
}

/** min(granted, floor(actual cost × rate), cap) and how it was reached. */
export interface FinalAmount {
  grantedAmount: number;
  actualCost: number;
  subsidyRate: number;
  byRate: number;
  cap: number;
  amount: number;
  working: string;
}
