import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One row per state change of any workflow: who, when, from, to and why. Append-only. */
@Entity('workflow_history')
@Index('idx_workflow_history_subject', ['workflow', 'subjectId'])
export class WorkflowHistory {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id: string;

  @Column({ type: 'varchar', length: 40 })
  workflow: string;

  @Column({ name: 'subject_id', type: 'uuid' })
  subjectId: string;

  @Column({ name: 'from_state', type: 'varchar', length: 32, nullable: true })
  fromState: string | null;

  @Column({ name: 'to_state', type: 'varchar', length: 32 })
  toState: string;

  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  @Column({ type: 'text', nullable: true })
  comment: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  at: Date;
}
