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

export type PermissionRule = (p: Principal) => boolean;

/**
 * Every permission's name, known to the compiler: a feature module declares its rules in a constant and adds
 * their names here by augmentation, next to the rules —
 *   declare module '../auth/permissions' { interface PermissionRegistry extends Record<keyof typeof RULES, true> {} }
 * — so `@Can('isssues:create')` is a compile error, not a 403 at run time.
 */
export interface PermissionRegistry extends Record<keyof typeof PERMISSIONS, true> {}

export type Permission = keyof PermissionRegistry & string;

const registry = new Map<string, PermissionRule>(Object.entries(PERMISSIONS));

/** Feature modules add their permissions at load time. */
export function definePermissions(rules: Partial<Record<Permission, PermissionRule>>): void {
  for (const [name, rule] of Object.entries(rules)) if (rule) registry.set(name, rule);
}

export function permissionRule(name: string): PermissionRule | undefined {
  return registry.get(name);
}
