import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { OrganizationKind } from '../organization-kinds';

export { ORGANIZATION_KINDS } from '../organization-kinds';
export type { OrganizationKind } from '../organization-kinds';

/** The forum's membership types (会員種別), derived from the kind of organisation. */
export const MEMBERSHIP_TYPE: Record<OrganizationKind, string> = {
  corporation: 'corporate', // 法人会員
  sole_proprietor: 'individual', // 個人会員
  economic_organization: 'special_supporting', // 特別賛助会員
  municipality: 'supporting', // 賛助会員
  university: 'supporting',
  research_institute: 'supporting',
  npo: 'supporting',
  secretariat: 'secretariat',
};

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
