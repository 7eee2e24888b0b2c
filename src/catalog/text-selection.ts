/**
 * Which published texts a directory reads for matching: these ids; the next `limit` after an id (id order); or those
 * changed since a moment (`updated_at >= since`, oldest change first — several rows can share a timestamp, hence ≥).
 * Used by IssuesDirectory and SolutionsDirectory alike, on their own table aliased `x`.
 */
export type TextSelection = { ids: string[] } | { after: string; limit: number } | { changedSince: string; limit: number };

export const textWhere = (sel: TextSelection) =>
  'ids' in sel
    ? 'x.id = ANY($1::uuid[])'
    : 'after' in sel
      ? 'x.id > $1::uuid ORDER BY x.id LIMIT $2'
      : 'x.updated_at >= $1::timestamptz ORDER BY x.updated_at LIMIT $2';

export const textParams = (sel: TextSelection) =>
  'ids' in sel ? [sel.ids] : 'after' in sel ? [sel.after, Math.floor(sel.limit)] : [sel.changedSince, Math.floor(sel.limit)];
