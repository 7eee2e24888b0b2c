import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const ISSUE_STATUSES = ['draft', 'published', 'closed'] as const;
export type IssueStatus = (typeof ISSUE_STATUSES)[number];
/** 予算化済 / 予算要求予定 / 未定 */
export const BUDGET_STATUSES = ['budgeted', 'requesting', 'undecided'] as const;
export type BudgetStatus = (typeof BUDGET_STATUSES)[number];
export const CLOSE_REASONS = ['solved', 'project_started', 'withdrawn', 'other'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

/** A municipal issue (課題), posted by a municipality organisation. */
@Entity('issues')
@Index('idx_issues_organization', ['organizationId', 'status'])
@Index('idx_issues_status_published_at', ['status', 'publishedAt'])
@Index('idx_issues_field_slugs', ['fieldSlugs'], { type: 'gin' })
export class Issue {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Column({ name: 'municipality_code', type: 'varchar', length: 5 })
  municipalityCode: string;

  @Column({ type: 'varchar', length: 200 })
  title: string;

  @Column({ type: 'text' })
  body: string;

  @Column({ name: 'field_slugs', type: 'text', array: true })
  fieldSlugs: string[];

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  tags: string[];

  @Column({ name: 'desired_timeline', type: 'text', nullable: true })
  desiredTimeline: string | null;

  @Column({ name: 'budget_status', type: 'varchar', length: 16, nullable: true })
  budgetStatus: BudgetStatus | null;

  @Column({ name: 'contact_name', type: 'text', nullable: true })
  contactName: string | null;

  @Column({ name: 'contact_email', type: 'varchar', length: 254, nullable: true })
  contactEmail: string | null;

  @Column({ type: 'varchar', length: 16, default: 'draft' })
  status: IssueStatus;

  /** Released as open data by the municipality (false: shared with members only). */
  @Column({ name: 'open_data', type: 'boolean', default: false })
  openData: boolean;

  @Column({ name: 'close_reason', type: 'varchar', length: 32, nullable: true })
  closeReason: CloseReason | null;

  @Column({ name: 'close_note', type: 'text', nullable: true })
  closeNote: string | null;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt: Date | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ type: 'int', default: 1 })
  version: number;
}
