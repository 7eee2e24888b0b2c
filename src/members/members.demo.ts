import type { EntityManager } from 'typeorm';
import { Organization } from './entities/organization.entity';
import { User } from './entities/user.entity';
import type { OrganizationKind } from './organization-kinds';

export interface DemoMember {
  key: string;
  name: string;
  kind: string;
  municipalityCode?: string;
  website?: string;
  admin: { email: string; name: string };
}

/**
 * The demo member organisations, each with its first administrator (all with the same demo password hash), in the
 * caller's transaction. Answers the organisation and administrator ids by demo key.
 */
export async function seedDemoMembers(
  m: EntityManager,
  members: readonly DemoMember[],
  passwordHash: string,
): Promise<{ orgs: Record<string, string>; users: Record<string, string> }> {
  const orgs: Record<string, string> = {};
  const users: Record<string, string> = {};
  for (const o of members) {
    const org = await m.save(
      m.create(Organization, {
        name: o.name,
        kind: o.kind as OrganizationKind,
        municipalityCode: o.municipalityCode ?? null,
        website: o.website ?? null,
      }),
    );
    const user = await m.save(
      m.create(User, {
        organizationId: org.id,
        email: o.admin.email,
        displayName: o.admin.name,
        passwordHash,
        roles: ['member', 'org_admin'],
      }),
    );
    orgs[o.key] = org.id;
    users[o.key] = user.id;
  }
  return { orgs, users };
}
