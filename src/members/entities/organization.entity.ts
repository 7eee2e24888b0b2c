import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { OrganizationKind } from '../organization-kinds';

export { MEMBERSHIP_TYPE, ORGANIZATION_KINDS } from '../organization-kinds';
export type { OrganizationKind } from '../organization-kinds';

@Entity('organizations')
@Index('uq_organizations_municipality', ['municipalityCode'], { unique: true, where: `"kind" = 'municipality'` })
export class Organization {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'varchar', length: 32 })
  kind: OrganizationKind;

  @Column({ name: 'municipality_code', type: 'varchar', length: 5, nullable: true })
  municipalityCode: string | null;

  @Column({ type: 'text', nullable: true })
  website: string | null;

  @Column({ type: 'text', nullable: true })
  address: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
