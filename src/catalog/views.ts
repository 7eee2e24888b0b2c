import { AppError } from '../../libs/common';
import type { FieldView } from '../fields/fields.service';
import { cleanText, highlightHtml, highlightSegments, Segment } from './text';

/** View-mapping helpers shared by issues and solutions. */

export type FieldNames = Map<string, string>;

export interface FieldRef {
  slug: string;
  name: string;
}

export const fieldNameMap = (fields: FieldView[]): FieldNames => new Map(fields.map((f) => [f.slug, f.name]));

/** The item's fields in its own order, named in the caller's language (an unknown slug names itself). */
export const fieldRefs = (slugs: string[], names: FieldNames): FieldRef[] => slugs.map((slug) => ({ slug, name: names.get(slug) ?? slug }));

/** Names of the item's fields in the taxonomy's display order (what the search documents carry). */
export const fieldNamesInDisplayOrder = (slugs: string[], fields: FieldView[]): string[] =>
  fields.filter((f) => slugs.includes(f.slug)).map((f) => f.nameJa);

/** The first 120 characters of a text, with an ellipsis when cut. */
export function excerpt(text: string, n = 120): string {
  return text.length > n ? text.slice(0, n) + '…' : text;
}

/** Required user text: cleaned, and 400 `validation.failed` (isNotEmpty on the field) when nothing is left. */
export function requiredText(value: string, field: string): string {
  const v = cleanText(value);
  if (!v) throw new AppError(400, 'validation.failed', {}, { [field]: ['isNotEmpty'] });
  return v;
}

/**
 * A list item: the view with HTML-safe highlights of some of its texts (`_formatted` text of a search hit, or the plain
 * text), and for pages the same as segments (rendered with normal escaping).
 */
export function withHighlights<V extends object, K extends string>(
  view: V,
  texts: Record<K, string>,
  segments = false,
): V & { highlight: Record<K, string>; segments?: Record<K, Segment[]> } {
  const map = <T>(f: (s: string) => T) => Object.fromEntries(Object.entries<string>(texts).map(([k, v]) => [k, f(v)])) as Record<K, T>;
  return { ...view, highlight: map(highlightHtml), ...(segments ? { segments: map(highlightSegments) } : {}) };
}

/** The given ids, deduplicated, without empty ones. */
export { uniqueIds } from '../../libs/common';
