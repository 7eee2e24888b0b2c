import { Column, Entity, Index, PrimaryGeneratedColumn, CreateDateColumn } from 'typeorm';

/** One edit of an issue: who, when, and for each changed field its previous and new value. Append-only. */
@Entity('issue_revisions')
@Index('idx_issue_revisions_issue', ['issueId', 'at'])
export class IssueRevision {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id: string;

  @Column({ name: 'issue_id', type: 'uuid' })
  issueId: string;

  @Column({ name: 'editor_id', type: 'uuid', nullable: true })
  editorId: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  at: Date;

  /** { field: { from, to } } */
  @Column({ type: 'jsonb' })
  changes: Record<string, { from: unknown; to: unknown }>;
}
