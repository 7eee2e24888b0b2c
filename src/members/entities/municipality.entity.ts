import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Reference data: the 43 municipalities of Osaka Prefecture (全国地方公共団体コード, 5 digits). */
@Entity('municipalities')
export class Municipality {
  @PrimaryColumn({ type: 'varchar', length: 5 })
  code: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  kana: string;

  @Column({ type: 'varchar', length: 16 })
  kind: string;
}
