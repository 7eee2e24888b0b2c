import { isSecretariat, Principal } from './principal';

/**
 * Every route declares one of these (or @Public()). A permission is a rule over the signed-in
 * principal; object-level checks ("may this organisation see this item?") live in services.
 */
export const PERMISSIONS = {
  /** any signed-in member */
  'account:self': (_p: Principal) => true,
  'organization:manage': (p: Principal) => p.roles.includes('org_admin') && !!p.organizationId,
  'membership:review': isSecretariat,
  'fields:manage': isSecretariat,
  'secretariat:dashboard': isSecretariat,
} satisfies Record<string, (p: Principal) => boolean>;

export type BasePermission = keyof typeof PERMISSIONS;

const registry = new Map<string, (p: Principal) => boolean>(Object.entries(PERMISSIONS));

/** Feature modules add their permissions at load time. */
export function definePermissions(rules: Record<string, (p: Principal) => boolean>): void {
  for (const [name, rule] of Object.entries(rules)) registry.set(name, rule);
}

export function permissionRule(name: string): ((p: Principal) => boolean) | undefined {
  return registry.get(name);
}
