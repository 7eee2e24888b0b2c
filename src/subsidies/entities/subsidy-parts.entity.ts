import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** A file attached to an application (or its performance report). Stored under DATA_DIR/uploads, never in the web root. */
@Entity('subsidy_attachments')
@Index('idx_subsidy_attachments_application', ['applicationId'])
@Index('uq_subsidy_attachments_storage_key', ['storageKey'], { unique: true })
export class SubsidyAttachment {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @Column({ type: 'varchar', length: 16, default: 'application' })
  kind: 'application' | 'report';

  @Column({ type: 'text' })
  filename: string;

  @Column({ name: 'media_type', type: 'varchar', length: 100 })
  mediaType: string;

  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes: number;

  @Column({ name: 'storage_key', type: 'varchar', length: 64 })
  storageKey: string;

  @Column({ type: 'varchar', length: 64 })
  sha256: string;

  @Column({ name: 'uploaded_by', type: 'uuid' })
  uploadedBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** A reviewer assigned to an application by the secretariat. */
@Entity('subsidy_reviewers')
@Index('idx_subsidy_reviewers_reviewer', ['reviewerId'])
export class SubsidyReviewer {
  @PrimaryColumn({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @PrimaryColumn({ name: 'reviewer_id', type: 'uuid' })
  reviewerId: string;

  @Column({ name: 'assigned_by', type: 'uuid' })
  assignedBy: string;

  @Column({ name: 'assigned_at', type: 'timestamptz', default: () => 'now()' })
  assignedAt: Date;
}

/** One reviewer's scores (1–5 per criterion) and comment. */
@Entity('subsidy_reviews')
@Index('uq_subsidy_reviews_reviewer', ['applicationId', 'reviewerId'], { unique: true })
export class SubsidyReview {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @Column({ name: 'reviewer_id', type: 'uuid' })
  reviewerId: string;

  @Column({ type: 'jsonb' })
  scores: Record<string, number>;

  @Column({ name: 'weighted_score', type: 'double precision' })
  weightedScore: number;

  @Column({ type: 'text' })
  comment: string;

  @Column({ name: 'submitted_at', type: 'timestamptz', default: () => 'now()' })
  submittedAt: Date;
}

/** In-app notice to the applicant organisation about a step of its application. */
@Entity('subsidy_notifications')
@Index('idx_subsidy_notifications_organization', ['organizationId', 'createdAt'])
export class SubsidyNotification {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Column({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @Column({ type: 'varchar', length: 20 })
  status: string;

  @Column({ type: 'text', nullable: true })
  comment: string | null;

  @Column({ name: 'read_at', type: 'timestamptz', nullable: true })
  readAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
