import type { Response } from 'express';

/** A CSV download (the body from libs/common toCsv: UTF-8 with BOM). */
export function sendCsv(res: Response, name: string, csv: string): string {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  return csv;
}
