import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** How far one user has read one thread (the unread count is the other side's messages after it). */
@Entity('inquiry_reads')
@Index('idx_inquiry_reads_user', ['userId'])
export class InquiryRead {
  @PrimaryColumn({ name: 'thread_id', type: 'uuid', primaryKeyConstraintName: 'pk_inquiry_reads' })
  threadId: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'pk_inquiry_reads' })
  userId: string;

  @Column({ name: 'last_read_message_id', type: 'bigint' })
  lastReadMessageId: string;

  @Column({ name: 'read_at', type: 'timestamptz', default: () => 'now()' })
  readAt: Date;
}
