import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

import type { ApplicationStatus } from '../subsidy.state';

export type { ApplicationStatus };

export interface BudgetItem {
  item: string;
  amount: number;
}

/** An application (申請) of a member organisation to a subsidy programme. */
@Entity('subsidy_applications')
@Index('idx_subsidy_applications_program_status', ['programId', 'status'])
@Index('idx_subsidy_applications_organization', ['organizationId'])
@Index('idx_subsidy_applications_status', ['status'])
@Index('idx_subsidy_applications_project', ['projectId'])
export class SubsidyApplication {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'program_id', type: 'uuid' })
  programId: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Column({ name: 'created_by', type: 'uuid' })
  createdBy: string;

  @Column({ type: 'text' })
  title: string;

  @Column({ type: 'text' })
  summary: string;

  @Column({ name: 'requested_amount', type: 'integer' })
  requestedAmount: number;

  @Column({ name: 'total_cost', type: 'integer' })
  totalCost: number;

  @Column({ name: 'budget_items', type: 'jsonb', default: () => `'[]'` })
  budgetItems: BudgetItem[];

  @Column({ name: 'municipal_partner_organization_id', type: 'uuid', nullable: true })
  municipalPartnerOrganizationId: string | null;

  @Column({ name: 'project_id', type: 'uuid', nullable: true })
  projectId: string | null;

  @Column({ type: 'varchar', length: 20, default: 'draft' })
  status: ApplicationStatus;

  @Column({ name: 'granted_amount', type: 'integer', nullable: true })
  grantedAmount: number | null;

  @Column({ name: 'confirmed_amount', type: 'integer', nullable: true })
  confirmedAmount: number | null;

  @Column({ name: 'actual_cost', type: 'integer', nullable: true })
  actualCost: number | null;

  @Column({ type: 'text', nullable: true })
  outcome: string | null;

  @Column({ name: 'return_comment', type: 'text', nullable: true })
  returnComment: string | null;

  @Column({ name: 'decision_comment', type: 'text', nullable: true })
  decisionComment: string | null;

  @Column({ name: 'submitted_at', type: 'timestamptz', nullable: true })
  submittedAt: Date | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @Column({ name: 'reported_at', type: 'timestamptz', nullable: true })
  reportedAt: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @Column({ name: 'partner_comment', type: 'text', nullable: true })
  partnerComment: string | null;

  @Column({ name: 'partner_answered_at', type: 'timestamptz', nullable: true })
  partnerAnsweredAt: Date | null;

  @Column({ name: 'report_return_comment', type: 'text', nullable: true })
  reportReturnComment: string | null;

  /** 事業期間 and the 実績報告 deadline ('YYYY-MM-DD') */
  @Column({ name: 'project_starts_on', type: 'date', nullable: true })
  projectStartsOn: string | null;

  @Column({ name: 'project_ends_on', type: 'date', nullable: true })
  projectEndsOn: string | null;

  @Column({ name: 'report_due_on', type: 'date', nullable: true })
  reportDueOn: string | null;

  @Column({ name: 'reminder_due_sent_at', type: 'timestamptz', nullable: true })
  reminderDueSentAt: Date | null;

  @Column({ name: 'reminder_overdue_sent_at', type: 'timestamptz', nullable: true })
  reminderOverdueSentAt: Date | null;

  @Column({ name: 'payment_claimed_at', type: 'timestamptz', nullable: true })
  paymentClaimedAt: Date | null;

  @Column({ name: 'paid_on', type: 'date', nullable: true })
  paidOn: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
