import { AppError } from '../../libs/common';

export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 40;

/** Marker tags for Meilisearch highlights: control characters that user text never contains (see cleanText). */
export const HL_PRE = '\u0001';
export const HL_POST = '\u0002';

// C0 controls except tab and newline, plus DEL
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F]/g;

/** User text as stored: CRLF → LF, control characters removed, trimmed. */
export function cleanText(value: string): string;
export function cleanText(value: string | null | undefined): string | null;
export function cleanText(value: string | null | undefined): string | null {
  if (value == null) return null;
  return value.replace(/\r\n?/g, '\n').replace(CONTROL, '').trim();
}

/** Optional text: empty → null. */
export function cleanOptional(value: string | null | undefined): string | null {
  const v = cleanText(value);
  return v ? v : null;
}

/** Tags: trimmed, empty ones dropped, deduplicated (first spelling wins); at most 20 of at most 40 characters. */
export function normalizeTags(tags: readonly string[] | null | undefined): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of tags ?? []) {
    const tag = cleanText(String(raw)).replace(/\s+/g, ' ');
    if (!tag) continue;
    if ([...tag].length > MAX_TAG_LENGTH)
      throw new AppError(400, 'marketplace.tagTooLong', { max: MAX_TAG_LENGTH }, { tags: ['marketplace.tagTooLong'] });
    const key = tag.normalize('NFKC').toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(tag);
  }
  if (out.length > MAX_TAGS) throw new AppError(400, 'marketplace.tooManyTags', { max: MAX_TAGS }, { tags: ['marketplace.tooManyTags'] });
  return out;
}

/** Tags typed in one form field, separated by commas (, 、 ，) or new lines. */
export function splitTags(text: string | null | undefined): string[] {
  return (text ?? '')
    .split(/[,、，\n]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Meilisearch `_formatted` text with HL_PRE/HL_POST markers → escaped HTML with <mark>. */
export function highlightHtml(formatted: string): string {
  return escapeHtml(formatted)
    .replace(/\u0001/g, '<mark>')
    .replace(/\u0002/g, '</mark>');
}

export interface Segment {
  text: string;
  hit: boolean;
}

/** Meilisearch `_formatted` text with markers → segments the templates render with normal (escaped) output. */
export function highlightSegments(formatted: string): Segment[] {
  const out: Segment[] = [];
  let hit = false;
  let buf = '';
  const push = () => {
    if (buf) out.push({ text: buf, hit });
    buf = '';
  };
  for (const ch of formatted) {
    if (ch === HL_PRE) {
      push();
      hit = true;
    } else if (ch === HL_POST) {
      push();
      hit = false;
    } else buf += ch;
  }
  push();
  return out;
}

/** Query values that may be given once or repeated (?field=a&field=b), or comma-separated. */
export function toList(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const arr = Array.isArray(value) ? value : [value];
  const out = arr
    .flatMap((v) => String(v).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  return out.length ? [...new Set(out)] : undefined;
}

/** Unix seconds of a Date (the search index stores times as numbers for range filters and sorting). */
export const unixSeconds = (d: Date | null | undefined): number => (d ? Math.floor(d.getTime() / 1000) : 0);

/** YYYY-MM-DD in Asia/Tokyo → unix seconds of the start of that day (or of the next day for `end`). */
export function tokyoDay(date: string, end = false): number {
  const d = new Date(`${date}T00:00:00+09:00`);
  if (Number.isNaN(d.getTime())) throw new AppError(400, 'marketplace.badDate');
  return Math.floor(d.getTime() / 1000) + (end ? 86_400 : 0);
}
