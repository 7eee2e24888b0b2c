import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const SOLUTION_STATUSES = ['draft', 'published', 'archived'] as const;
export type SolutionStatus = (typeof SOLUTION_STATUSES)[number];

/** A solution (ソリューション) listed by a company, university, research institute, … (not a municipality). */
@Entity('solutions')
@Index('idx_solutions_organization', ['organizationId', 'status'])
@Index('idx_solutions_status_published_at', ['status', 'publishedAt'])
@Index('idx_solutions_field_slugs', ['fieldSlugs'], { type: 'gin' })
export class Solution {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Column({ type: 'varchar', length: 200 })
  title: string;

  @Column({ type: 'varchar', length: 500 })
  summary: string;

  @Column({ type: 'text' })
  body: string;

  @Column({ name: 'field_slugs', type: 'text', array: true })
  fieldSlugs: string[];

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  tags: string[];

  /** 導入実績 */
  @Column({ name: 'track_record', type: 'text', nullable: true })
  trackRecord: string | null;

  @Column({ name: 'price_range', type: 'text', nullable: true })
  priceRange: string | null;

  @Column({ type: 'varchar', length: 16, default: 'draft' })
  status: SolutionStatus;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;

  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true })
  archivedAt: Date | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ type: 'int', default: 1 })
  version: number;
}
