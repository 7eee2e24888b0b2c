import type { OrganizationKind } from '../members/organization-kinds';

/** Who is acting: resolved once per request from the session (pages) or a bearer token (API). */
export interface Principal {
  userId: string;
  email: string;
  displayName: string;
  organizationId: string | null;
  organizationName: string | null;
  organizationKind: OrganizationKind | null;
  roles: string[];
  via: 'session' | 'token';
  tokenId?: string;
}

export const isSecretariat = (p: Principal | undefined | null): boolean => !!p?.roles.includes('secretariat');
export const hasRole = (p: Principal | undefined | null, role: string): boolean => !!p?.roles.includes(role);
