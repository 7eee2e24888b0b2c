import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn, ValueTransformer } from 'typeorm';

export interface Criterion {
  key: string;
  label: string;
  weight: number;
}

/** numeric → number (the rate has at most 6 decimals, exact enough for a double) */
export const numericNumber: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | null) => (v === null || v === undefined ? v : Number(v)),
};

/** A call for applications (補助金公募) of the project-promotion subsidy. */
@Entity('subsidy_programs')
@Index('idx_subsidy_programs_window', ['opensAt', 'closesAt'])
@Index('idx_subsidy_programs_fiscal_year', ['fiscalYear'])
export class SubsidyProgram {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  title: string;

  @Column({ type: 'text', default: '' })
  description: string;

  /** cap per project, integer yen */
  @Column({ name: 'max_amount_per_project', type: 'integer', default: 1000000 })
  maxAmountPerProject: number;

  /** a fraction, 0 < rate ≤ 1 (e.g. 0.5 = half of the total cost) */
  @Column({ name: 'subsidy_rate', type: 'numeric', precision: 7, scale: 6, transformer: numericNumber })
  subsidyRate: number;

  /** the programme's total budget (yen); null = not set */
  @Column({ name: 'budget_total', type: 'integer', nullable: true })
  budgetTotal: number | null;

  @Column({ name: 'opens_at', type: 'timestamptz' })
  opensAt: Date;

  @Column({ name: 'closes_at', type: 'timestamptz' })
  closesAt: Date;

  @Column({ name: 'requires_municipal_partner', type: 'boolean', default: true })
  requiresMunicipalPartner: boolean;

  /** days after the grant decision (交付決定) in which the applicant may still withdraw */
  @Column({ name: 'withdrawal_days_after_grant', type: 'integer', default: 10 })
  withdrawalDaysAfterGrant: number;

  @Column({ type: 'jsonb', default: () => `'[]'` })
  criteria: Criterion[];

  /** Japanese fiscal year of opensAt */
  @Column({ name: 'fiscal_year', type: 'integer' })
  fiscalYear: number;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
