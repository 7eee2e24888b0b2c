import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** One slot of a Meet-Up programme: a municipality presents its issues (ids of published issues). */
@Entity('event_presentations')
@Index('idx_event_presentations_event', ['eventId', 'sortOrder'])
export class EventPresentation {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ name: 'municipality_code', type: 'varchar', length: 5 })
  municipalityCode: string;

  @Column({ type: 'text', nullable: true })
  title: string | null;

  @Column({ name: 'sort_order', type: 'int', default: 0 })
  sortOrder: number;

  @Column({ name: 'starts_at', type: 'timestamptz', nullable: true })
  startsAt: Date | null;

  @Column({ name: 'ends_at', type: 'timestamptz', nullable: true })
  endsAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** An issue presented in a Meet-Up presentation. */
@Entity('event_presentation_issues')
export class EventPresentationIssue {
  @PrimaryColumn({ name: 'presentation_id', type: 'uuid' })
  presentationId: string;

  @Index('idx_event_presentation_issues_issue')
  @PrimaryColumn({ name: 'issue_id', type: 'uuid' })
  issueId: string;

  @Column({ name: 'sort_order', type: 'int', default: 0 })
  sortOrder: number;
}
