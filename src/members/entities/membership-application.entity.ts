import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { OrganizationKind } from './organization.entity';

import type { MembershipStatus } from '../membership.state';

export type ApplicationStatus = MembershipStatus;

/** A request to join the forum, reviewed by the secretariat. The contact's password is kept hashed until approval. */
@Entity('membership_applications')
@Index('idx_membership_applications_status', ['status', 'createdAt'])
export class MembershipApplication {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: ApplicationStatus;

  @Column({ name: 'org_name', type: 'text' })
  orgName: string;

  @Column({ name: 'org_kind', type: 'varchar', length: 32 })
  orgKind: OrganizationKind;

  @Column({ name: 'municipality_code', type: 'varchar', length: 5, nullable: true })
  municipalityCode: string | null;

  @Column({ type: 'text', nullable: true })
  website: string | null;

  @Column({ type: 'text', nullable: true })
  address: string | null;

  @Column({ name: 'contact_name', type: 'text' })
  contactName: string;

  @Index('idx_membership_applications_email')
  @Column({ name: 'contact_email', type: 'varchar', length: 254 })
  contactEmail: string;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ name: 'organization_id', type: 'uuid', nullable: true })
  organizationId: string | null;

  @Column({ name: 'decided_by', type: 'uuid', nullable: true })
  decidedBy: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
