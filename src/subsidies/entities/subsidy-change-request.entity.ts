import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { BudgetItem } from './subsidy-application.entity';

/** 変更承認申請: a change to a granted plan (reason, new budget items, optionally a new amount), decided by the secretariat. */
@Entity('subsidy_change_requests')
@Index('idx_subsidy_change_requests_application', ['applicationId', 'createdAt'])
export class SubsidyChangeRequest {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @Column({ name: 'requested_by', type: 'uuid' })
  requestedBy: string;

  @Column({ type: 'text' })
  reason: string;

  @Column({ name: 'requested_amount', type: 'integer', nullable: true })
  requestedAmount: number | null;

  @Column({ name: 'budget_items', type: 'jsonb', nullable: true })
  budgetItems: BudgetItem[] | null;

  /** the granted amount and plan before the change */
  @Column({ name: 'previous_amount', type: 'integer' })
  previousAmount: number;

  @Column({ name: 'previous_budget_items', type: 'jsonb' })
  previousBudgetItems: BudgetItem[];

  @Column({ type: 'varchar', length: 20, default: 'pending' })
  status: 'pending' | 'approved' | 'rejected';

  @Column({ name: 'decided_by', type: 'uuid', nullable: true })
  decidedBy: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @Column({ name: 'decision_comment', type: 'text', nullable: true })
  decisionComment: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
