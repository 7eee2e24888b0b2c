/** Money is integer yen everywhere. */
export type Yen = number;

export function isYen(value: unknown): value is Yen {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function formatYen(value: Yen | null | undefined, lang = 'ja'): string {
  if (value === null || value === undefined) return '';
  return lang === 'en' ? `¥${value.toLocaleString('en-US')}` : `${value.toLocaleString('ja-JP')}円`;
}
