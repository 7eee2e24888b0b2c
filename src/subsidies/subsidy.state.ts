import { defineWorkflow, StatesOf } from '../../libs/workflow';

/**
 * draft → submitted → (partner_confirmed | partner_declined when the programme requires a municipal partner)
 *   → (returned → submitted)* → under_review → adopted | rejected;
 * withdrawn from draft/submitted/returned/partner_* (never once under review), and from grant_decided within the
 * programme's withdrawal period;
 * adopted → grant_decided (交付決定) ⇄ change_requested (変更承認申請) → report_submitted (実績報告)
 *   ⇄ report_returned (差戻し) → completed (額の確定) → payment_claimed (精算払請求) → paid (支払).
 * A state is spelled here (and in the migrations' CHECK) only.
 */
const TABLE = {
  draft: ['submitted', 'withdrawn'],
  submitted: ['returned', 'under_review', 'withdrawn', 'partner_confirmed', 'partner_declined'],
  partner_confirmed: ['returned', 'under_review', 'withdrawn'],
  partner_declined: ['returned', 'withdrawn'],
  returned: ['submitted', 'withdrawn'],
  under_review: ['adopted', 'rejected'],
  adopted: ['grant_decided'],
  rejected: [],
  withdrawn: [],
  grant_decided: ['report_submitted', 'change_requested', 'withdrawn'],
  change_requested: ['grant_decided'],
  report_submitted: ['completed', 'report_returned'],
  report_returned: ['report_submitted'],
  completed: ['payment_claimed'],
  payment_claimed: ['paid'],
  paid: [],
} as const;

export type ApplicationStatus = StatesOf<typeof TABLE>;
export const APPLICATION_STATUSES = Object.keys(TABLE) as ApplicationStatus[];

/** Who the caller is to one application (anyone else gets 404 before any rule is asked). */
export type Access = 'secretariat' | 'applicant' | 'reviewer' | 'partner';
export interface SubsidyActor {
  access: Access;
  /** a reviewer who has already scored it */
  reviewed?: boolean;
  /** the programme requires a municipal partner who has not confirmed yet (review cannot start: 409) */
  partnerPending?: boolean;
  /** the programme's withdrawal period after the grant decision has passed (409) */
  withdrawalClosed?: boolean;
}

const applicant = (c: SubsidyActor) => c.access === 'applicant';
const secretariat = (c: SubsidyActor) => c.access === 'secretariat';
const partner = (c: SubsidyActor) => c.access === 'partner';

export const subsidyWorkflow = defineWorkflow('subsidy_application', TABLE, {
  submit: { from: ['draft', 'returned'], to: 'submitted', allowed: applicant },
  withdraw: { from: ['draft', 'submitted', 'returned', 'partner_confirmed', 'partner_declined'], to: 'withdrawn', allowed: applicant },
  confirmPartner: { from: ['submitted'], to: 'partner_confirmed', allowed: partner },
  declinePartner: { from: ['submitted'], to: 'partner_declined', allowed: partner },
  return: { from: ['submitted', 'partner_confirmed', 'partner_declined'], to: 'returned', allowed: secretariat },
  startReview: { from: ['submitted', 'partner_confirmed'], to: 'under_review', allowed: (c) => secretariat(c) && !c.partnerPending },
  adopt: { from: ['under_review'], to: 'adopted', allowed: secretariat },
  reject: { from: ['under_review'], to: 'rejected', allowed: secretariat },
  grant: { from: ['adopted'], to: 'grant_decided', allowed: secretariat },
  withdrawGrant: { from: ['grant_decided'], to: 'withdrawn', allowed: (c) => applicant(c) && !c.withdrawalClosed },
  requestChange: { from: ['grant_decided'], to: 'change_requested', allowed: applicant },
  approveChange: { from: ['change_requested'], to: 'grant_decided', allowed: secretariat },
  rejectChange: { from: ['change_requested'], to: 'grant_decided', allowed: secretariat },
  report: { from: ['grant_decided', 'report_returned'], to: 'report_submitted', allowed: applicant },
  returnReport: { from: ['report_submitted'], to: 'report_returned', allowed: secretariat },
  confirm: { from: ['report_submitted'], to: 'completed', allowed: secretariat },
  claimPayment: { from: ['completed'], to: 'payment_claimed', allowed: applicant },
  pay: { from: ['payment_claimed'], to: 'paid', allowed: secretariat },
});
export type SubsidyTransition = keyof typeof subsidyWorkflow.actions;

/** States in which the applicant may still edit the application and its attachments. */
export const EDITABLE: ApplicationStatus[] = ['draft', 'returned'];
/** Submitted and waiting for the secretariat's check (the partner's answer included). */
export const TO_CHECK: ApplicationStatus[] = ['submitted', 'partner_confirmed', 'partner_declined'];
/** Statuses whose granted amount counts against the programme budget. */
export const GRANTED: ApplicationStatus[] = [
  'grant_decided',
  'change_requested',
  'report_submitted',
  'report_returned',
  'completed',
  'payment_claimed',
  'paid',
];
/** The amount is fixed (額の確定) and beyond. */
export const CONFIRMED: ApplicationStatus[] = ['completed', 'payment_claimed', 'paid'];
/** Adopted and beyond. */
export const ADOPTED: ApplicationStatus[] = ['adopted', ...GRANTED];

/** Actions that change no state, with the states they are open in and the same kind of role rule. */
const TASKS = {
  edit: { in: EDITABLE, allowed: applicant },
  assignReviewer: { in: ['submitted', 'partner_confirmed', 'returned', 'under_review'] as ApplicationStatus[], allowed: secretariat },
  review: { in: ['under_review'] as ApplicationStatus[], allowed: (c: SubsidyActor) => c.access === 'reviewer' && !c.reviewed },
} satisfies Record<string, { in: ApplicationStatus[]; allowed: (c: SubsidyActor) => boolean }>;
export type SubsidyTask = keyof typeof TASKS;
export type SubsidyAction = SubsidyTransition | SubsidyTask;

/** Every action this caller may take on an application in this state: the workflow's, then the tasks. */
export function subsidyActions(status: ApplicationStatus, actor: SubsidyActor): SubsidyAction[] {
  const tasks = (Object.keys(TASKS) as SubsidyTask[]).filter((t) => TASKS[t].in.includes(status) && TASKS[t].allowed(actor));
  return [...subsidyWorkflow.available(status, actor), ...tasks];
}

/** Whether a task is open in a state (for the service's 409s). */
export const taskOpen = (task: SubsidyTask, status: ApplicationStatus): boolean => TASKS[task].in.includes(status);
