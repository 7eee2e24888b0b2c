import { defineWorkflow, StatesOf } from '../../libs/workflow';

/**
 * draft → submitted → (returned → submitted)* → under_review → adopted | rejected;
 * withdrawn from draft/submitted/returned (never once under review);
 * adopted → grant_decided (交付決定) → report_submitted (実績報告) → completed (額の確定).
 * A state is spelled here (and in the migration's CHECK) only.
 */
const TABLE = {
  draft: ['submitted', 'withdrawn'],
  submitted: ['returned', 'under_review', 'withdrawn'],
  returned: ['submitted', 'withdrawn'],
  under_review: ['adopted', 'rejected'],
  adopted: ['grant_decided'],
  rejected: [],
  withdrawn: [],
  grant_decided: ['report_submitted'],
  report_submitted: ['completed'],
  completed: [],
} as const;

export type ApplicationStatus = StatesOf<typeof TABLE>;
export const APPLICATION_STATUSES = Object.keys(TABLE) as ApplicationStatus[];

/** Who the caller is to one application (anyone else gets 404 before any rule is asked). */
export type Access = 'secretariat' | 'applicant' | 'reviewer';
export interface SubsidyActor {
  access: Access;
  /** a reviewer who has already scored it */
  reviewed?: boolean;
}

const applicant = (c: SubsidyActor) => c.access === 'applicant';
const secretariat = (c: SubsidyActor) => c.access === 'secretariat';

export const subsidyWorkflow = defineWorkflow('subsidy_application', TABLE, {
  submit: { from: ['draft', 'returned'], to: 'submitted', allowed: applicant },
  withdraw: { from: ['draft', 'submitted', 'returned'], to: 'withdrawn', allowed: applicant },
  return: { from: ['submitted'], to: 'returned', allowed: secretariat },
  startReview: { from: ['submitted'], to: 'under_review', allowed: secretariat },
  adopt: { from: ['under_review'], to: 'adopted', allowed: secretariat },
  reject: { from: ['under_review'], to: 'rejected', allowed: secretariat },
  grant: { from: ['adopted'], to: 'grant_decided', allowed: secretariat },
  report: { from: ['grant_decided'], to: 'report_submitted', allowed: applicant },
  confirm: { from: ['report_submitted'], to: 'completed', allowed: secretariat },
});
export type SubsidyTransition = keyof typeof subsidyWorkflow.actions;

/** States in which the applicant may still edit the application and its attachments. */
export const EDITABLE: ApplicationStatus[] = ['draft', 'returned'];
/** Adopted and beyond. */
export const ADOPTED: ApplicationStatus[] = ['adopted', 'grant_decided', 'report_submitted', 'completed'];
/** Statuses whose granted amount counts against the programme budget. */
export const GRANTED: ApplicationStatus[] = ['grant_decided', 'report_submitted', 'completed'];

/** Actions that change no state, with the states they are open in and the same kind of role rule. */
const TASKS = {
  edit: { in: EDITABLE, allowed: applicant },
  assignReviewer: { in: ['submitted', 'returned', 'under_review'] as ApplicationStatus[], allowed: secretariat },
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
