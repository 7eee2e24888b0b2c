import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { PitchStatus } from '../events.state';

/** A startup's application to pitch a solution at a pitch day. */
@Entity('pitch_applications')
@Index('uq_pitch_applications_solution', ['eventId', 'solutionId'], { unique: true, where: `"status" <> 'withdrawn'` })
export class PitchApplication {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Index('idx_pitch_applications_solution')
  @Column({ name: 'solution_id', type: 'uuid' })
  solutionId: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Column({ name: 'applicant_id', type: 'uuid' })
  applicantId: string;

  @Column({ type: 'text' })
  title: string;

  @Column({ type: 'text' })
  summary: string;

  @Column({ type: 'varchar', length: 16, default: 'applied' })
  status: PitchStatus;

  @Column({ name: 'sort_order', type: 'int', default: 0 })
  sortOrder: number;

  @Column({ type: 'text', nullable: true })
  award: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** A judge the secretariat assigned to a pitch day. */
@Entity('pitch_judges')
export class PitchJudge {
  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Index('idx_pitch_judges_user')
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'assigned_by', type: 'uuid', nullable: true })
  assignedBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** One judge's score sheet for one pitch (criterion key → 1–5). */
@Entity('pitch_scores')
@Index('uq_pitch_scores_judge', ['applicationId', 'judgeId'], { unique: true })
export class PitchScore {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @Column({ name: 'judge_id', type: 'uuid' })
  judgeId: string;

  @Column({ type: 'jsonb' })
  scores: Record<string, number>;

  @Column({ type: 'int' })
  total: number;

  @Column({ type: 'text', nullable: true })
  comment: string | null;

  @Column({ name: 'submitted_at', type: 'timestamptz', default: () => 'now()' })
  submittedAt: Date;
}

/** A member's secret calendar feed (only the token's hash is stored). */
@Entity('calendar_feeds')
export class CalendarFeed {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Index('uq_calendar_feeds_token', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
