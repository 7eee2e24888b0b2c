import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The smart-city thesaurus: one row holding every concept group (a group = terms meaning the same need or answer). */
@Entity('matching_thesaurus')
export class ThesaurusRecord {
  @PrimaryColumn({ type: 'smallint', default: 1 })
  id: number;

  /** [["買い物支援", "買い物難民", "移動販売", …], …] */
  @Column({ type: 'jsonb' })
  groups: string[][];

  @Column({ type: 'int', default: 1 })
  version: number;

  @Column({ name: 'updated_by', type: 'uuid', nullable: true })
  updatedBy: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
