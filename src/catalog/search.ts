import type { Logger } from '@nestjs/common';
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { AppError } from '../../libs/common';
import { MeiliError } from '../../libs/search';
import { isUuid } from './ownership';
import { cleanText } from './text';

/** Search-page plumbing shared by issues and solutions. */

/** The keywords of a search: cleaned, without the highlight marker characters. */
export const searchText = (q: string | undefined): string => cleanText(q ?? '').replace(/[\u0001\u0002]/g, '');

/** Newest first when asked, or when there are no keywords to rank by. */
export const searchSort = (sort: string | undefined, text: string): string[] | undefined =>
  sort === 'newest' || !text ? ['publishedAt:desc', 'createdAt:desc'] : undefined;

/** `only(a, b)`: the base filters and those of the given extra ones that are set. */
export const filtersWith =
  (base: string[]) =>
  (...extra: Array<string | undefined>): string[] => [...base, ...extra.filter((f): f is string => !!f)];

/** Meilisearch unreachable or failing → 503 (writes never depend on it; only searching does). */
export function searchUnavailable(e: unknown, log: Logger): Error {
  if (e instanceof MeiliError) {
    log.warn(`search failed: ${e.message}`);
    if (e.kind === 'api' && e.status && e.status < 500) return new AppError(400, 'marketplace.badSearch');
    return new AppError(503, 'marketplace.searchUnavailable');
  }
  return e as Error;
}

/** Hits in their ranked order, joined to their views (hits without a view — e.g. gone meanwhile — are skipped). */
export function joinHits<H extends { id: string }, V extends { id: string }, T>(hits: H[], views: V[], f: (v: V, h: H) => T): T[] {
  const byId = new Map(views.map((v) => [v.id, v]));
  const out: T[] = [];
  for (const h of hits) {
    const v = byId.get(h.id);
    if (v) out.push(f(v, h));
  }
  return out;
}

/** The uuids among the ids of search hits (the index is not trusted to hold only well-formed ids). */
export const hitIds = (hits: Array<{ id: string }>): string[] => hits.map((h) => h.id).filter(isUuid);

/**
 * The caller's organisation's drafts (drafts never reach the index), filtered by keywords (ILIKE over the given
 * columns) and fields, newest change first.
 */
export async function ownDrafts<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  organizationId: string,
  q: { q?: string; field?: string[] },
  textColumns: string[],
): Promise<T[]> {
  const qb = manager
    .getRepository(entity)
    .createQueryBuilder('x')
    .where('x.organization_id = :org', { org: organizationId })
    .andWhere(`x.status = 'draft'`);
  const text = cleanText(q.q ?? '');
  if (text)
    qb.andWhere(`(${textColumns.map((c) => `x.${c} ILIKE :like ESCAPE '\\'`).join(' OR ')})`, {
      like: `%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`,
    });
  if (q.field?.length) qb.andWhere('x.field_slugs && :fields', { fields: q.field });
  return qb.orderBy('x.updated_at', 'DESC').addOrderBy('x.id', 'ASC').getMany();
}

/** The caller's organisation's items (every status), newest change first, one page of them. */
export async function ownItems<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  organizationId: string,
  page: number,
  perPage: number,
  statuses?: string[],
): Promise<[T[], number]> {
  const qb = manager
    .getRepository(entity)
    .createQueryBuilder('x')
    .where('x.organization_id = :org', { org: organizationId })
    .orderBy('x.updated_at', 'DESC')
    .addOrderBy('x.id', 'ASC')
    .skip((page - 1) * perPage)
    .take(perPage);
  if (statuses?.length) qb.andWhere('x.status IN (:...statuses)', { statuses });
  return qb.getManyAndCount();
}

/** Search documents loaded by id (`load`) and all of them in id order, a thousand at a time (`loadAll`), for libs/search. */
export function documentLoaders<D extends { id: string }>(
  loadDocs: (sel: { ids: string[] } | { after: string; limit: number }) => Promise<D[]>,
) {
  return {
    load: async (ids: string[]) => {
      const docs = await loadDocs({ ids: ids.filter(isUuid) });
      const map = new Map<string, D | null>(ids.map((id) => [id, null]));
      for (const d of docs) map.set(d.id, d);
      return map;
    },
    loadAll: async (onBatch: (docs: D[]) => Promise<void>) => {
      let after = '00000000-0000-0000-0000-000000000000';
      for (;;) {
        const docs = await loadDocs({ after, limit: 1000 });
        if (docs.length === 0) return;
        await onBatch(docs);
        after = docs[docs.length - 1].id;
      }
    },
  };
}
