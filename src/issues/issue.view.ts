import type { Page } from '../../libs/common';
import { cleanOptional, Segment, unixSeconds } from '../catalog/text';
import { FieldNames, FieldRef, fieldRefs, requiredText } from '../catalog/views';
import type { BudgetStatus, CloseReason, Issue, IssueStatus } from './entities/issue.entity';

export const ISSUES_INDEX = 'issues';

/**
 * The issue's texts, listed once: how each is cleaned when written (required: not empty; optional: empty → null;
 * email: optional, lower-cased). The view, the create and update writes and the page form's update follow this list.
 */
export const ISSUE_TEXTS = {
  title: 'required',
  body: 'required',
  desiredTimeline: 'optional',
  contactName: 'optional',
  contactEmail: 'email',
} as const;
export type IssueText = keyof typeof ISSUE_TEXTS;
const TEXT_KEYS = Object.keys(ISSUE_TEXTS) as IssueText[];

/** What the owner edits: the texts, the fields, the tags, the budget status and the open-data release. */
export const ISSUE_EDITABLE = [...TEXT_KEYS, 'fieldSlugs', 'tags', 'budgetStatus', 'openData'] as const;
export type IssueEditable = (typeof ISSUE_EDITABLE)[number];

/** The texts as stored: required ones are strings, optional ones may be null. */
export type IssueTexts = { [K in IssueText]: (typeof ISSUE_TEXTS)[K] extends 'required' ? string : string | null };
type TextValues = { [K in IssueText]?: string | null };

/** The cleaned texts among these values (absent ones stay absent; `null` clears an optional one). */
export function cleanIssueTexts<V extends TextValues>(values: V): V extends IssueTexts ? IssueTexts : Partial<IssueTexts> {
  const out: Partial<Record<IssueText, string | null>> = {};
  for (const k of TEXT_KEYS) {
    const v = values[k];
    if (v === undefined) continue;
    const how = ISSUE_TEXTS[k];
    out[k] =
      how === 'required' ? requiredText(v as string, k) : how === 'email' ? (cleanOptional(v)?.toLowerCase() ?? null) : cleanOptional(v);
  }
  return out as never;
}

/** Every text of the issue from these values, a missing one as null (creating, or saving the page form: empty clears it). */
export function issueTextsOrNull(values: TextValues & Pick<IssueTexts, 'title' | 'body'>): IssueTexts {
  return Object.fromEntries(TEXT_KEYS.map((k) => [k, values[k] ?? null])) as IssueTexts;
}

/** `openData`: released as open data by the municipality; false = members only. */
export type IssueView = Pick<Issue, 'id' | IssueText | 'fieldSlugs' | 'tags' | 'status' | 'budgetStatus' | 'openData'> & {
  fields: FieldRef[];
  municipality: { code: string; name: string };
  organization: { id: string; name: string };
  publishedAt: Date | null;
  closedAt: Date | null;
  closeReason: CloseReason | null;
  closeNote: string | null;
  createdAt: Date;
  updatedAt: Date;
  interestCount: number;
  version: number;
};

export interface IssueListItem extends IssueView {
  /** HTML-safe snippets: the text is escaped, matches are wrapped in <mark>. */
  highlight: { title: string; body: string };
  /** For pages only (rendered with normal escaping); not part of the JSON API. */
  segments?: { title: Segment[]; body: Segment[] };
}

export interface IssueSearchResult extends Page<IssueListItem> {
  facets: { field: Record<string, number>; municipality: Record<string, number> };
}

/** The document of the `issues` index (contract shared with matching). */
export interface IssueDoc {
  id: string;
  title: string;
  body: string;
  tags: string[];
  fieldSlugs: string[];
  fieldNames: string[];
  municipalityCode: string;
  municipalityName: string;
  organizationId: string;
  organizationName: string;
  status: IssueStatus;
  budgetStatus: BudgetStatus | null;
  publishedAt: number;
  createdAt: number;
}

export interface MappingContext {
  fieldNames: FieldNames;
  municipalityName: string;
  organizationName: string;
  interestCount: number;
}

/** Entity → API/page view. */
export function toIssueView(i: Issue, ctx: MappingContext): IssueView {
  const texts = Object.fromEntries(TEXT_KEYS.map((k) => [k, i[k]])) as Pick<Issue, IssueText>;
  return {
    id: i.id,
    ...texts,
    fieldSlugs: i.fieldSlugs,
    fields: fieldRefs(i.fieldSlugs, ctx.fieldNames),
    tags: i.tags,
    status: i.status,
    budgetStatus: i.budgetStatus,
    openData: i.openData,
    municipality: { code: i.municipalityCode, name: ctx.municipalityName },
    organization: { id: i.organizationId, name: ctx.organizationName },
    publishedAt: i.publishedAt,
    closedAt: i.closedAt,
    closeReason: i.closeReason,
    closeNote: i.closeNote,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    interestCount: ctx.interestCount,
    version: i.version,
  };
}

/** Entity → search document. */
export function toIssueDoc(i: Issue, ctx: { fieldNames: string[]; municipalityName: string; organizationName: string }): IssueDoc {
  return {
    id: i.id,
    title: i.title,
    body: i.body,
    tags: i.tags,
    fieldSlugs: i.fieldSlugs,
    fieldNames: ctx.fieldNames,
    municipalityCode: i.municipalityCode,
    municipalityName: ctx.municipalityName,
    organizationId: i.organizationId,
    organizationName: ctx.organizationName,
    status: i.status,
    budgetStatus: i.budgetStatus,
    publishedAt: unixSeconds(i.publishedAt),
    createdAt: unixSeconds(i.createdAt),
  };
}
