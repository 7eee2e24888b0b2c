import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A themed field (分野). The taxonomy is data the secretariat edits. */
@Entity('fields')
export class Field {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  slug: string;

  @Column({ name: 'name_ja', type: 'text' })
  nameJa: string;

  @Column({ name: 'name_en', type: 'text', nullable: true })
  nameEn: string | null;

  @Column({ name: 'sort_order', type: 'int', default: 0 })
  sortOrder: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
