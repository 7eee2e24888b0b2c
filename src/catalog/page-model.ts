/** Small helpers for the search pages: links that keep the current filters, pagination, facet lists. */

export type Params = Record<string, string | string[] | undefined>;

export function hrefWith(path: string, params: Params, overrides: Params = {}): string {
  const merged: Params = { ...params, ...overrides };
  const usp = new URLSearchParams();
  for (const [k, v] of Object.entries(merged)) {
    if (v === undefined || v === '') continue;
    for (const one of Array.isArray(v) ? v : [v]) if (one !== '') usp.append(k, one);
  }
  const s = usp.toString();
  return s ? `${path}?${s}` : path;
}

export interface Pagination {
  pages: Array<{ n: number; href: string; current: boolean }>;
  prev: string | null;
  next: string | null;
  from: number;
  to: number;
}

export function pagination(path: string, params: Params, total: number, page: number, perPage: number): Pagination {
  const last = Math.max(1, Math.ceil(total / perPage));
  const start = Math.max(1, Math.min(page - 4, last - 8));
  const end = Math.min(last, start + 8);
  const pages = [];
  for (let n = start; n <= end; n++)
    pages.push({ n, href: hrefWith(path, params, { page: n === 1 ? undefined : String(n) }), current: n === page });
  return {
    pages: last > 1 ? pages : [],
    prev: page > 1 ? hrefWith(path, params, { page: page - 1 === 1 ? undefined : String(page - 1) }) : null,
    next: page < last ? hrefWith(path, params, { page: String(page + 1) }) : null,
    from: total === 0 ? 0 : (page - 1) * perPage + 1,
    to: Math.min(total, page * perPage),
  };
}

export interface FacetOption {
  value: string;
  label: string;
  count: number;
  checked: boolean;
  id: string;
}

export function facetOptions(
  prefix: string,
  options: Array<{ value: string; label: string }>,
  counts: Record<string, number>,
  selected: string[] = [],
): FacetOption[] {
  return options.map((o) => ({
    value: o.value,
    label: o.label,
    count: counts[o.value] ?? 0,
    checked: selected.includes(o.value),
    id: `${prefix}-${o.value}`,
  }));
}

/** The raw query of a page request as params for links (only the keys we know). */
export function pickParams(query: Record<string, unknown>, keys: string[]): Params {
  const out: Params = {};
  for (const k of keys) {
    const v = query[k];
    if (typeof v === 'string' && v.trim() !== '') out[k] = v;
    else if (Array.isArray(v)) {
      const vs = v.map(String).filter((x) => x.trim() !== '');
      if (vs.length) out[k] = vs;
    }
  }
  return out;
}

/** What the user typed in an issue or solution form, to show the form again (the CSRF token left out, fields as a list). */
export function itemFormValues(body: Record<string, unknown>): Record<string, unknown> & { fieldSlugs: unknown[] } {
  const { _csrf, ...rest } = body ?? {};
  const fs = rest.fieldSlugs;
  return { ...rest, fieldSlugs: Array.isArray(fs) ? fs : fs ? [fs] : [] };
}
