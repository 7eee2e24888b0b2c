import type { Page } from '../../libs/common';
import { cleanOptional, Segment, unixSeconds } from '../catalog/text';
import { FieldRef, FieldNames, fieldRefs, requiredText } from '../catalog/views';
import type { Solution, SolutionStatus } from './entities/solution.entity';

export const SOLUTIONS_INDEX = 'solutions';

/**
 * The solution's texts, listed once: how each is cleaned when written (required: not empty; optional: empty → null).
 * The view, the create and update writes and the page form's update follow this list, so a new text of a solution is
 * added here, in the entity (with its migration), the DTOs and the templates.
 */
export const SOLUTION_TEXTS = {
  title: 'required',
  summary: 'required',
  body: 'required',
  trackRecord: 'optional',
  priceRange: 'optional',
} as const;
export type SolutionText = keyof typeof SOLUTION_TEXTS;
const TEXT_KEYS = Object.keys(SOLUTION_TEXTS) as SolutionText[];

/** What the owner edits: the texts, the fields and the tags. */
export const SOLUTION_EDITABLE = [...TEXT_KEYS, 'fieldSlugs', 'tags'] as const;
export type SolutionEditable = (typeof SOLUTION_EDITABLE)[number];

/** The texts as stored: required ones are strings, optional ones may be null. */
export type SolutionTexts = { [K in SolutionText]: (typeof SOLUTION_TEXTS)[K] extends 'required' ? string : string | null };
type TextValues = { [K in SolutionText]?: string | null };

/** The cleaned texts among these values (absent ones stay absent; `null` clears an optional one). */
export function cleanSolutionTexts<V extends TextValues>(values: V): V extends SolutionTexts ? SolutionTexts : Partial<SolutionTexts> {
  const out: Partial<Record<SolutionText, string | null>> = {};
  for (const k of TEXT_KEYS) {
    const v = values[k];
    if (v === undefined) continue;
    out[k] = SOLUTION_TEXTS[k] === 'required' ? requiredText(v as string, k) : cleanOptional(v);
  }
  return out as never;
}

/** Every text of the solution from these values, a missing one as null (creating, or saving the page form: empty clears it). */
export function solutionTextsOrNull(values: TextValues & Pick<SolutionTexts, 'title' | 'summary' | 'body'>): SolutionTexts {
  return Object.fromEntries(TEXT_KEYS.map((k) => [k, values[k] ?? null])) as SolutionTexts;
}

export type SolutionView = Pick<Solution, 'id' | SolutionText | 'fieldSlugs' | 'tags' | 'status'> & {
  fields: FieldRef[];
  organization: { id: string; name: string; kind: string };
  publishedAt: Date | null;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
};

export interface SolutionListItem extends SolutionView {
  highlight: { title: string; summary: string };
  segments?: { title: Segment[]; summary: Segment[] };
}

export interface SolutionSearchResult extends Page<SolutionListItem> {
  facets: { field: Record<string, number>; organizationKind: Record<string, number> };
}

/** The document of the `solutions` index (contract shared with matching). */
export interface SolutionDoc {
  id: string;
  title: string;
  summary: string;
  body: string;
  tags: string[];
  fieldSlugs: string[];
  fieldNames: string[];
  organizationId: string;
  organizationName: string;
  organizationKind: string;
  trackRecord: string | null;
  status: SolutionStatus;
  publishedAt: number;
  createdAt: number;
}

/** Entity → API/page view. */
export function toSolutionView(
  s: Solution,
  ctx: { fieldNames: FieldNames; organization: { id: string; name: string; kind: string } },
): SolutionView {
  const texts = Object.fromEntries(TEXT_KEYS.map((k) => [k, s[k]])) as Pick<Solution, SolutionText>;
  return {
    id: s.id,
    ...texts,
    fieldSlugs: s.fieldSlugs,
    fields: fieldRefs(s.fieldSlugs, ctx.fieldNames),
    tags: s.tags,
    status: s.status,
    organization: ctx.organization,
    publishedAt: s.publishedAt,
    archivedAt: s.archivedAt,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    version: s.version,
  };
}

/** Entity → search document. */
export function toSolutionDoc(s: Solution, ctx: { fieldNames: string[]; organization: { name: string; kind: string } }): SolutionDoc {
  return {
    id: s.id,
    title: s.title,
    summary: s.summary,
    body: s.body,
    tags: s.tags,
    fieldSlugs: s.fieldSlugs,
    fieldNames: ctx.fieldNames,
    organizationId: s.organizationId,
    organizationName: ctx.organization.name,
    organizationKind: ctx.organization.kind,
    trackRecord: s.trackRecord,
    status: s.status,
    publishedAt: unixSeconds(s.publishedAt),
    createdAt: unixSeconds(s.createdAt),
  };
}
