import { stringify } from 'csv-stringify/sync';

export type CsvValue = string | number | boolean | Date | null | undefined | object;

/**
 * A text a spreadsheet would run as a formula (CWE-1236): it starts with = + - @ or a tab/CR.
 * Plain numbers (-5, +3.2) stay numbers.
 */
function defuse(s: string): string {
  return /^[=+\-@\t\r]/.test(s) && !/^[+-]?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
}

function text(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * The one CSV writer for every export: RFC 4180 through csv-stringify, every field quoted, CRLF line ends,
 * a UTF-8 byte-order mark so Excel in Japan reads Japanese, and the formula-injection guard on every cell.
 */
export function toCsv(header: string[], rows: CsvValue[][]): string {
  const body = stringify([header, ...rows.map((r) => r.map((v) => defuse(text(v))))], {
    quoted: true,
    quoted_empty: true,
    record_delimiter: '\r\n',
  });
  return '\uFEFF' + body;
}
