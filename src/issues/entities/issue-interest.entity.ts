import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** 「関心あり」: one per issue and organisation. */
@Entity('issue_interests')
@Index('idx_issue_interests_organization', ['organizationId'])
export class IssueInterest {
  @PrimaryColumn({ name: 'issue_id', type: 'uuid', primaryKeyConstraintName: 'pk_issue_interests' })
  issueId: string;

  @PrimaryColumn({ name: 'organization_id', type: 'uuid', primaryKeyConstraintName: 'pk_issue_interests' })
  organizationId: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
