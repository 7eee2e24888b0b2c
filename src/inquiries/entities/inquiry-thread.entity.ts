import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A conversation between the organisation that asked (from) and the issue's municipality or the solution's provider (to). */
@Entity('inquiry_threads')
@Index('idx_inquiry_threads_from', ['fromOrganizationId', 'lastMessageAt'])
@Index('idx_inquiry_threads_to', ['toOrganizationId', 'lastMessageAt'])
export class InquiryThread {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'issue_id', type: 'uuid', nullable: true })
  issueId: string | null;

  @Column({ name: 'solution_id', type: 'uuid', nullable: true })
  solutionId: string | null;

  @Column({ name: 'from_organization_id', type: 'uuid' })
  fromOrganizationId: string;

  @Column({ name: 'to_organization_id', type: 'uuid' })
  toOrganizationId: string;

  @Column({ type: 'varchar', length: 200 })
  subject: string;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_message_at', type: 'timestamptz', default: () => 'now()' })
  lastMessageAt: Date;
}
