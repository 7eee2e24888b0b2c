import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const NOTIFICATION_KINDS = ['saved_search', 'match'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** An in-app notification (お知らせ): one per user and published item; summarised once by the daily digest. */
@Entity('notifications')
@Index('idx_notifications_user', ['userId', 'createdAt'])
@Index('uq_notifications_user_subject', ['userId', 'subjectType', 'subjectId'], { unique: true })
export class Notification {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'varchar', length: 32 })
  kind: NotificationKind;

  /** the item's title (the kind's wording comes from the message files) */
  @Column({ type: 'text' })
  title: string;

  @Column({ type: 'text' })
  link: string;

  @Column({ name: 'subject_type', type: 'varchar', length: 16 })
  subjectType: 'issue' | 'solution';

  @Column({ name: 'subject_id', type: 'uuid' })
  subjectId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'read_at', type: 'timestamptz', nullable: true })
  readAt: Date | null;

  @Column({ name: 'digested_at', type: 'timestamptz', nullable: true })
  digestedAt: Date | null;
}
