import { createEvents, type DateArray, type EventAttributes } from 'ics';

/**
 * iCalendar (RFC 5545) files through the `ics` library (structure, TEXT escaping, DTSTAMP). Two things it does not
 * do are added here: times in Asia/Tokyo with TZID and a VTIMEZONE (it writes floating or UTC times only), and
 * folding at 75 octets without splitting a UTF-8 character (it folds at 75 characters, too long for Japanese).
 */
export interface IcalEvent {
  uid: string;
  title: string;
  description?: string | null;
  startsAt: Date;
  endsAt: Date;
  location?: string | null;
  url?: string | null;
  status?: 'CONFIRMED' | 'CANCELLED' | 'TENTATIVE';
  updatedAt?: Date;
}

export const ICAL_TZID = 'Asia/Tokyo';

const VTIMEZONE = [
  'BEGIN:VTIMEZONE',
  `TZID:${ICAL_TZID}`,
  'BEGIN:STANDARD',
  'DTSTART:19700101T000000',
  'TZOFFSETFROM:+0900',
  'TZOFFSETTO:+0900',
  'TZNAME:JST',
  'END:STANDARD',
  'END:VTIMEZONE',
];

/** Wall-clock time in Asia/Tokyo (UTC+9 all year) as the library's local date array. */
function tokyoArray(d: Date): DateArray {
  const t = new Date(d.getTime() + 9 * 3600_000);
  return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes()];
}

/** Folds one content line at 75 octets (continuation lines start with a space). */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (octets + n > 75) {
      out.push(current);
      current = ' ';
      octets = 1;
    }
    current += ch;
    octets += n;
  }
  out.push(current);
  return out.join('\r\n');
}

export function buildCalendar(events: IcalEvent[], opts: { name?: string; now?: Date } = {}): string {
  const now = (opts.now ?? new Date()).getTime();
  const attributes: EventAttributes[] = events.map((e) => ({
    uid: e.uid,
    title: e.title,
    timestamp: now,
    start: tokyoArray(e.startsAt),
    startInputType: 'local',
    startOutputType: 'local',
    end: tokyoArray(e.endsAt),
    endInputType: 'local',
    endOutputType: 'local',
    ...(e.description ? { description: e.description } : {}),
    ...(e.location ? { location: e.location } : {}),
    ...(e.url ? { url: e.url } : {}),
    ...(e.updatedAt ? { lastModified: e.updatedAt.getTime() } : {}),
    status: e.status ?? 'CONFIRMED',
  }));
  const { error, value } = createEvents(attributes, {
    productId: '-//Kyoso//Events//JA',
    method: 'PUBLISH',
    ...(opts.name ? { calName: opts.name } : {}),
  });
  if (error || !value) throw error ?? new Error('iCalendar: nothing generated');
  // unfold the library's lines, then: Tokyo times with TZID, the VTIMEZONE, folding by octets
  const lines = value
    .replace(/\r\n[ \t]/g, '')
    .split('\r\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/^(DTSTART|DTEND):(\d{8}T\d{6})$/, `$1;TZID=${ICAL_TZID}:$2`));
  const at = lines.findIndex((l) => l === 'BEGIN:VEVENT' || l === 'END:VCALENDAR');
  lines.splice(at, 0, `X-WR-TIMEZONE:${ICAL_TZID}`, ...VTIMEZONE);
  return lines.map(foldLine).join('\r\n') + '\r\n';
}
