import { defineWorkflow, type StatesOf } from '../../libs/workflow';
import { isSecretariat, type Principal } from '../auth/principal';

/**
 * The events module's workflows. Each state is spelled here (and in the migration's CHECK) only: the state types
 * are derived from the `as const` tables, and what a caller may do now is `wf.available(state, ctx)`.
 */

// ---------------------------------------------------------------- events

/** draft → published → cancelled (a draft may also be cancelled); cancelled is final. */
export const EVENT_TRANSITIONS = {
  draft: ['published', 'cancelled'],
  published: ['cancelled'],
  cancelled: [],
} as const;
export type EventStatus = StatesOf<typeof EVENT_TRANSITIONS>;
export const EVENT_STATUSES = Object.keys(EVENT_TRANSITIONS) as EventStatus[];

export type EventAction = 'publish' | 'cancel';
export interface EventActionContext {
  principal: Principal | undefined;
}

export const eventWorkflow = defineWorkflow<EventStatus, EventAction, EventActionContext>('event', EVENT_TRANSITIONS, {
  publish: { from: ['draft'], to: 'published', allowed: (c) => isSecretariat(c.principal) },
  cancel: { from: ['draft', 'published'], to: 'cancelled', allowed: (c) => isSecretariat(c.principal) },
});

// ---------------------------------------------------------------- pitch applications

/** A pitch application: the secretariat selects or declines it (and may change its mind until the awards are announced). */
export const PITCH_TRANSITIONS = {
  applied: ['selected', 'rejected', 'withdrawn'],
  selected: ['rejected', 'withdrawn'],
  rejected: ['selected'],
  withdrawn: [],
} as const;
export type PitchStatus = StatesOf<typeof PITCH_TRANSITIONS>;

export type PitchAction = 'select' | 'reject';
export interface PitchActionContext {
  principal: Principal | undefined;
  /** the pitch day's awards are announced: the decisions are final */
  awardsAnnounced: boolean;
}

const decides = (c: PitchActionContext) => isSecretariat(c.principal) && !c.awardsAnnounced;
export const pitchWorkflow = defineWorkflow<PitchStatus, PitchAction, PitchActionContext>('pitch_application', PITCH_TRANSITIONS, {
  select: { from: ['applied', 'rejected'], to: 'selected', allowed: decides },
  reject: { from: ['applied', 'selected'], to: 'rejected', allowed: decides },
});
/** The API's decision values: the states the secretariat's decisions lead to. */
export const PITCH_DECISIONS = Object.values(pitchWorkflow.actions).map((a) => a.to);

// ---------------------------------------------------------------- registrations

/**
 * A registration's stage: its stored status (confirmed, waitlisted, cancelled — the migration's CHECK) and, for a
 * confirmed registrant who came, `checkedIn` (stored as `checked_in_at`; the CHECK keeps it on confirmed rows only).
 * A waitlisted person is promoted when a seat frees; a check-in is final — the registration can no longer be cancelled.
 */
export const REGISTRATION_TRANSITIONS = {
  waitlisted: ['confirmed', 'cancelled'],
  confirmed: ['checkedIn', 'cancelled'],
  checkedIn: [],
  cancelled: [],
} as const;
export type RegistrationStage = StatesOf<typeof REGISTRATION_TRANSITIONS>;
/** The stored status column. */
export type RegistrationStatus = Exclude<RegistrationStage, 'checkedIn'>;

export const registrationStage = (r: { status: RegistrationStatus; checkedInAt?: Date | null }): RegistrationStage =>
  r.status === 'confirmed' && r.checkedInAt ? 'checkedIn' : r.status;

export type RegistrationAction = 'cancel' | 'checkIn';
export interface RegistrationActionContext {
  principal: Principal | undefined;
  /** the caller is the registrant, their org admin, or the secretariat (decided when the registration is looked up) */
  mayActFor: boolean;
}

export const registrationWorkflow = defineWorkflow<RegistrationStage, RegistrationAction, RegistrationActionContext>(
  'event_registration',
  REGISTRATION_TRANSITIONS,
  {
    cancel: { from: ['confirmed', 'waitlisted'], to: 'cancelled', allowed: (c) => c.mayActFor },
    checkIn: { from: ['confirmed'], to: 'checkedIn', allowed: (c) => isSecretariat(c.principal) },
  },
);
