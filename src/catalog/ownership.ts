import type { EntityManager, EntityTarget } from 'typeorm';
import { AppError } from '../../libs/common';
import { isSecretariat, Principal } from '../auth/principal';

/** An item an organisation owns and may keep as a draft (issues, solutions). */
export interface OwnedItem {
  id: string;
  organizationId: string;
  status: string;
}

export function isUuid(s: unknown): s is string {
  return typeof s === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}

/** Members of a municipality post issues. */
export const isMunicipalityMember = (p: Principal | undefined | null): boolean =>
  p?.organizationKind === 'municipality' && !!p.organizationId;

/**
 * Members of a solution provider (a company, university, research institute, economic organisation, NPO or sole
 * proprietor: any organisation but a municipality or the secretariat) list solutions and mark interest in issues.
 */
export const isProvider = (p: Principal | undefined | null): boolean =>
  !!p?.organizationId && p.organizationKind !== 'municipality' && p.organizationKind !== 'secretariat' && !isSecretariat(p);

export function isOwner(item: { organizationId: string }, p: Principal | undefined | null): boolean {
  return !!p?.organizationId && p.organizationId === item.organizationId;
}

/** Drafts are visible only to their own organisation and the secretariat; everything else to every member. */
export function canSee(item: OwnedItem, p: Principal | undefined | null): boolean {
  return item.status !== 'draft' || (!!p && (isSecretariat(p) || isOwner(item, p)));
}

/** The item if this principal may see it; 404 otherwise (an unknown id and an invisible draft look the same). */
export async function findVisible<T extends OwnedItem>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  id: string,
  p: Principal | undefined | null,
  lock = false,
): Promise<T> {
  if (!isUuid(id)) throw new AppError(404, 'notFound');
  const item = await manager.findOne(entity, {
    where: { id } as never,
    ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
  if (!item || !canSee(item, p)) throw new AppError(404, 'notFound');
  return item;
}

/** The owner's item for a write: 404 when not visible, 403 (`notOwnerCode`) when visible but someone else's. */
export async function findOwned<T extends OwnedItem>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  id: string,
  p: Principal,
  notOwnerCode: string,
  lock = true,
): Promise<T> {
  const item = await findVisible(manager, entity, id, p, lock);
  if (!isOwner(item, p)) throw new AppError(403, notOwnerCode);
  return item;
}
