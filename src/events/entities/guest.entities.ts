import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** A ticket category (参加枠) of an event: its own capacity; `seats_taken` counts confirmed registrations (CHECK ≤ capacity). */
@Entity('event_categories')
@Index('uq_event_categories_key', ['eventId', 'key'], { unique: true })
export class EventCategory {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ type: 'varchar', length: 32 })
  key: string;

  @Column({ type: 'varchar', length: 100 })
  label: string;

  @Column({ type: 'int' })
  capacity: number;

  @Column({ name: 'seats_taken', type: 'int', default: 0 })
  seatsTaken: number;

  /** an online category: its registrants see the online URL, not the venue address */
  @Column({ type: 'boolean', default: false })
  online: boolean;

  @Column({ name: 'sort_order', type: 'int', default: 0 })
  sortOrder: number;
}

/** A guest's request to register, until the mailed confirmation link is opened; only token hashes are kept. */
@Entity('event_guest_requests')
export class EventGuestRequest {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ name: 'category_id', type: 'uuid', nullable: true })
  categoryId: string | null;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 254 })
  email: string;

  @Column({ name: 'organization_name', type: 'varchar', length: 200, nullable: true })
  organizationName: string | null;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  answers: Record<string, string | string[]>;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Index('uq_event_guest_requests_confirm', { unique: true })
  @Column({ name: 'confirm_token_hash', type: 'varchar', length: 64 })
  confirmTokenHash: string;

  @Index('uq_event_guest_requests_manage', { unique: true })
  @Column({ name: 'manage_token_hash', type: 'varchar', length: 64 })
  manageTokenHash: string;

  @Column({ name: 'registration_id', type: 'uuid', nullable: true })
  registrationId: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt: Date | null;

  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** A message to registrants (all, one category, the waitlist), kept in the event's log. */
@Entity('event_messages')
@Index('idx_event_messages_event', ['eventId', 'createdAt'])
export class EventMessage {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ type: 'varchar', length: 16 })
  audience: 'all' | 'category' | 'waitlist';

  @Column({ name: 'category_id', type: 'uuid', nullable: true })
  categoryId: string | null;

  @Column({ type: 'varchar', length: 200 })
  subject: string;

  @Column({ type: 'text' })
  body: string;

  @Column({ type: 'int' })
  recipients: number;

  @Column({ name: 'sent_by', type: 'uuid', nullable: true })
  sentBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** The survey after an event, mailed to those who attended. */
@Entity('event_surveys')
export class EventSurvey {
  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ type: 'jsonb' })
  questions: object[];

  @Column({ type: 'boolean', default: false })
  anonymous: boolean;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @Column({ name: 'sent_at', type: 'timestamptz', default: () => 'now()' })
  sentAt: Date;
}

/** One attendee's invitation to the survey: answered once (responded_at set by a conditional update). */
@Entity('event_survey_invitations')
export class EventSurveyInvitation {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Index('uq_event_survey_invitations_registration', { unique: true })
  @Column({ name: 'registration_id', type: 'uuid' })
  registrationId: string;

  @Index('uq_event_survey_invitations_token', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ name: 'responded_at', type: 'timestamptz', nullable: true })
  respondedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** A survey response; `registration_id` is null when the survey is anonymous. */
@Entity('event_survey_responses')
export class EventSurveyResponse {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('idx_event_survey_responses_event')
  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ name: 'registration_id', type: 'uuid', nullable: true })
  registrationId: string | null;

  @Column({ type: 'jsonb' })
  answers: Record<string, string | string[]>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
