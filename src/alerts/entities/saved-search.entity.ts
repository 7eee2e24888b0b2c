import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const SAVED_SEARCH_KINDS = ['issues', 'solutions'] as const;
export type SavedSearchKind = (typeof SAVED_SEARCH_KINDS)[number];

/** A member's saved search: newly published items that match it become notifications. */
@Entity('saved_searches')
@Index('idx_saved_searches_user', ['userId', 'createdAt'])
@Index('idx_saved_searches_kind', ['kind'])
export class SavedSearch {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'varchar', length: 16 })
  kind: SavedSearchKind;

  @Column({ type: 'varchar', length: 200, default: '' })
  q: string;

  @Column({ name: 'field_slugs', type: 'text', array: true, default: () => `'{}'` })
  fieldSlugs: string[];

  @Column({ name: 'municipality_codes', type: 'text', array: true, default: () => `'{}'` })
  municipalityCodes: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
