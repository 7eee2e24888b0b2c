export const TIME_ZONE = 'Asia/Tokyo';

const formats: Record<string, Intl.DateTimeFormat> = {};
function fmt(lang: string, withTime: boolean): Intl.DateTimeFormat {
  const key = `${lang}:${withTime}`;
  return (formats[key] ??= new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'ja-JP', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: lang === 'en' ? 'short' : 'long',
    day: 'numeric',
    weekday: 'short',
    ...(withTime ? { hour: '2-digit', minute: '2-digit' } : {}),
  }));
}

/** A date (and time) as people in Japan read it, always in Asia/Tokyo. */
export function formatDate(value: Date | string | null | undefined, lang = 'ja', withTime = true): string {
  if (!value) return '';
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return '';
  return fmt(lang, withTime).format(d);
}

/** Japanese fiscal year (April–March) of a date, in Asia/Tokyo. */
export function fiscalYearOf(value: Date): number {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: 'numeric' }).formatToParts(value);
  const year = Number(parts.find((p) => p.type === 'year')!.value);
  const month = Number(parts.find((p) => p.type === 'month')!.value);
  return month >= 4 ? year : year - 1;
}

/** [start, end) of a Japanese fiscal year as instants. */
export function fiscalYearRange(fy: number): [Date, Date] {
  return [new Date(`${fy}-04-01T00:00:00+09:00`), new Date(`${fy + 1}-04-01T00:00:00+09:00`)];
}
