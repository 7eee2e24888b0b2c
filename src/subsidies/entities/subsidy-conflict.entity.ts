import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** 利益相反: a reviewer declares a conflict with an organisation and is refused on its applications. */
@Entity('subsidy_conflicts')
@Unique('uq_subsidy_conflicts_user_organization', ['userId', 'organizationId'])
export class SubsidyConflict {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Column({ type: 'text' })
  reason: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
