import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { EventStatus } from '../events.state';

export const EVENT_KINDS = ['meetup', 'seminar', 'workshop', 'pitch'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
export const EVENT_VISIBILITIES = ['members', 'public'] as const;
export type EventVisibility = (typeof EVENT_VISIBILITIES)[number];

export const QUESTION_TYPES = ['text', 'single', 'multiple'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];
/** A registration question set by the secretariat. */
export interface RegistrationQuestion {
  key: string;
  label: string;
  type: QuestionType;
  options?: string[];
  required: boolean;
}

export interface PitchCriterion {
  key: string;
  label: string;
}

/** A forum event. `seats_taken` counts confirmed registrations; a CHECK keeps it ≤ capacity. */
@Entity('events')
@Index('idx_events_kind_status', ['kind', 'status'])
export class ForumEvent {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 16 })
  kind: EventKind;

  @Column({ type: 'varchar', length: 16, default: 'published' })
  status: EventStatus;

  @Column({ type: 'text' })
  title: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Index('idx_events_starts_at')
  @Column({ name: 'starts_at', type: 'timestamptz' })
  startsAt: Date;

  @Column({ name: 'ends_at', type: 'timestamptz' })
  endsAt: Date;

  @Column({ type: 'text', nullable: true })
  venue: string | null;

  @Column({ name: 'online_url', type: 'text', nullable: true })
  onlineUrl: string | null;

  @Column({ type: 'int' })
  capacity: number;

  @Column({ name: 'seats_taken', type: 'int', default: 0 })
  seatsTaken: number;

  @Column({ name: 'registration_opens_at', type: 'timestamptz', nullable: true })
  registrationOpensAt: Date | null;

  @Column({ name: 'registration_closes_at', type: 'timestamptz', nullable: true })
  registrationClosesAt: Date | null;

  @Column({ type: 'varchar', length: 16, default: 'members' })
  visibility: EventVisibility;

  @Column({ name: 'cover_image_url', type: 'text', nullable: true })
  coverImageUrl: string | null;

  @Column({ name: 'pitch_criteria', type: 'jsonb', default: () => `'[]'` })
  pitchCriteria: PitchCriterion[];

  @Column({ type: 'jsonb', default: () => `'[]'` })
  questions: RegistrationQuestion[];

  /** attendance recorded by hand (events held before the platform) */
  @Column({ name: 'recorded_attendance', type: 'int', nullable: true })
  recordedAttendance: number | null;

  @Column({ name: 'recorded_organizations', type: 'int', nullable: true })
  recordedOrganizations: number | null;

  @Column({ name: 'awards_announced_at', type: 'timestamptz', nullable: true })
  awardsAnnouncedAt: Date | null;

  @Column({ name: 'cancel_reason', type: 'text', nullable: true })
  cancelReason: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
