import { randomBytes } from 'node:crypto';
import type { EventKind, PitchCriterion, RegistrationQuestion } from './entities/event.entity';
import type { CategoryView } from './event-seats';
import type { EventAction, EventStatus, RegistrationAction, RegistrationStatus } from './events.state';

/** The events module's view models (what the JSON API and the pages receive) and the raw `events` row. */

export const DEFAULT_PITCH_CRITERIA: PitchCriterion[] = [
  { key: 'novelty', label: '新規性' },
  { key: 'feasibility', label: '実現性' },
  { key: 'contribution', label: '地域課題への貢献' },
];

export type RegistrationState = 'open' | 'notYetOpen' | 'closed' | 'cancelled' | 'draft';

/** An active registration: confirmed or waitlisted. */
export type ActiveRegistrationStatus = Exclude<RegistrationStatus, 'cancelled'>;

export interface MyRegistrationView {
  id: string;
  status: ActiveRegistrationStatus;
  waitlistPosition?: number;
  checkInCode?: string;
  checkedInAt: Date | null;
  registeredAt: Date;
  categoryId: string | null;
  /** QR code of the check-in code (an SVG data URL), for a confirmed registrant */
  checkInQr?: string;
  /** what the registrant may do with it now (from the registration workflow) */
  actions: RegistrationAction[];
}

export interface PresentationView {
  id: string;
  order: number;
  municipality: { code: string; name: string };
  title: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
  issues: { id: string; title: string }[];
}

export interface EventView {
  id: string;
  kind: EventKind;
  status: EventStatus;
  title: string;
  description: string;
  startsAt: Date;
  endsAt: Date;
  venue: string | null;
  /** only for confirmed registrants and the secretariat */
  onlineUrl?: string | null;
  online: boolean;
  capacity: number;
  confirmedCount: number;
  waitlistedCount: number;
  seatsLeft: number;
  registrationOpensAt: Date | null;
  registrationClosesAt: Date;
  registrationState: RegistrationState;
  visibility: 'members' | 'public';
  coverImageUrl: string | null;
  cancelReason: string | null;
  presentations: PresentationView[];
  criteria?: PitchCriterion[];
  awardsAnnouncedAt?: Date | null;
  /** ticket categories (参加枠), each with its own capacity and waitlist */
  categories: CategoryView[];
  /** registration questions */
  questions: RegistrationQuestion[];
  past: boolean;
  myRegistration: MyRegistrationView | null;
  /** the workflow actions the caller may take on the event now (the secretariat's publish and cancel) */
  actions: EventAction[];
  createdAt: Date;
  updatedAt: Date;
}

export interface EventSummary {
  id: string;
  kind: EventKind;
  status: EventStatus;
  title: string;
  startsAt: Date;
  endsAt: Date;
  venue: string | null;
  online: boolean;
  capacity: number;
  confirmedCount: number;
  seatsLeft: number;
  visibility: 'members' | 'public';
  registrationState: RegistrationState;
}

export interface RegistrationRow {
  id: string;
  /** null for a guest (no account) */
  userId: string | null;
  guest: boolean;
  categoryId: string | null;
  categoryLabel: string | null;
  answers: Record<string, string | string[]>;
  name: string;
  email: string;
  organizationName: string | null;
  status: RegistrationStatus;
  waitlistPosition: number | null;
  checkInCode: string;
  checkedInAt: Date | null;
  registeredAt: Date;
  cancelledAt: Date | null;
}

export interface KindFigures {
  held: number;
  registrations: number;
  attended: number;
  /** organisations attending, counted once per event and summed (延べ団体数) */
  organizations: number;
  attendanceRate: number | null;
  municipalitiesPresenting: number;
}

/** A row of `events` as SQL returns it (snake_case). */
export interface EventRow {
  id: string;
  kind: EventKind;
  status: EventStatus;
  title: string;
  description: string;
  starts_at: Date;
  ends_at: Date;
  venue: string | null;
  online_url: string | null;
  capacity: number;
  seats_taken: number;
  registration_opens_at: Date | null;
  registration_closes_at: Date | null;
  visibility: 'members' | 'public';
  cover_image_url: string | null;
  pitch_criteria: PitchCriterion[];
  questions: RegistrationQuestion[];
  awards_announced_at: Date | null;
  cancel_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** A check-in code people can read out and type: 8 characters, no 0/O or 1/I. */
export function newCheckInCode(): string {
  const bytes = randomBytes(8);
  let s = '';
  for (const b of bytes) s += CODE_ALPHABET[b % CODE_ALPHABET.length];
  return s;
}

/** A typed-in check-in code, upper-cased, with anything but letters and digits dropped. */
export const normCode = (code: string) =>
  String(code ?? '')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
