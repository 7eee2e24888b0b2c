import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { RegistrationStatus } from '../events.state';

/** A person's registration for an event; `seq` orders the waitlist (first come, first served). */
@Entity('event_registrations')
@Index('uq_event_registrations_active', ['eventId', 'userId'], { unique: true, where: `"status" IN ('confirmed', 'waitlisted')` })
@Index('idx_event_registrations_event', ['eventId', 'status', 'seq'])
@Index('idx_event_registrations_category', ['categoryId', 'status', 'seq'])
export class EventRegistration {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Index('idx_event_registrations_user')
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ name: 'organization_id', type: 'uuid', nullable: true })
  organizationId: string | null;

  @Column({ name: 'registered_by', type: 'uuid', nullable: true })
  registeredBy: string | null;

  /** the ticket category (参加枠), when the event has categories */
  @Column({ name: 'category_id', type: 'uuid', nullable: true })
  categoryId: string | null;

  /** a guest (no account): name, address and organisation as typed */
  @Column({ name: 'guest_name', type: 'varchar', length: 100, nullable: true })
  guestName: string | null;

  @Column({ name: 'guest_email', type: 'varchar', length: 254, nullable: true })
  guestEmail: string | null;

  @Column({ name: 'guest_organization', type: 'varchar', length: 200, nullable: true })
  guestOrganization: string | null;

  /** answers to the event's registration questions, by question key */
  @Column({ type: 'jsonb', default: () => `'{}'` })
  answers: Record<string, string | string[]>;

  @Column({ type: 'varchar', length: 16 })
  status: RegistrationStatus;

  @Column({ type: 'bigint', generated: 'identity', generatedIdentity: 'BY DEFAULT', insert: false, update: false })
  seq: string;

  @Index('uq_event_registrations_code', { unique: true })
  @Column({ name: 'check_in_code', type: 'varchar', length: 16 })
  checkInCode: string;

  @Column({ name: 'checked_in_at', type: 'timestamptz', nullable: true })
  checkedInAt: Date | null;

  @Column({ name: 'checked_in_by', type: 'uuid', nullable: true })
  checkedInBy: string | null;

  @Column({ name: 'reminder_sent_at', type: 'timestamptz', nullable: true })
  reminderSentAt: Date | null;

  @Column({ name: 'promoted_at', type: 'timestamptz', nullable: true })
  promotedAt: Date | null;

  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
