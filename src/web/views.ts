import hbs from 'hbs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDate, formatYen, t, VIEWS_DIR } from '../../libs/common';

let registered = false;

/** Handlebars: a layout, partials, and helpers for i18n, dates (Asia/Tokyo) and yen. Escaping always on. */
export function setupViews(): { dir: string; engine: typeof hbs } {
  if (!registered) {
    registered = true;
    registerPartials(path.join(VIEWS_DIR, 'partials'));
    const H = hbs.handlebars;
    const langOf = (options: any) => options?.data?.root?.lang ?? 'ja';
    H.registerHelper('t', function (key: string, options: any) {
      return t(langOf(options), key, options?.hash ?? {});
    });
    H.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    H.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
    H.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
    H.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
    H.registerHelper('not', (a: unknown) => !a);
    H.registerHelper('includes', (list: unknown, v: unknown) => Array.isArray(list) && list.includes(v));
    H.registerHelper('date', function (value: Date | string, options: any) {
      return formatDate(value, langOf(options), options?.hash?.time !== false);
    });
    H.registerHelper('yen', function (value: number, options: any) {
      return formatYen(value, langOf(options));
    });
    H.registerHelper('fieldError', function (field: string, options: any) {
      return (options?.data?.root?.fieldErrors?.[field] ?? []).join(' ');
    });
    H.registerHelper('hasFieldError', function (field: string, options: any) {
      return !!options?.data?.root?.fieldErrors?.[field]?.length;
    });
    H.registerHelper('csrf', function (options: any) {
      const tok = options?.data?.root?.csrfToken;
      return typeof tok === 'function' ? tok() : (tok ?? '');
    });
    H.registerHelper('json', (v: unknown) => JSON.stringify(v));
    H.registerHelper('add', (a: number, b: number) => Number(a) + Number(b));
  }
  return { dir: VIEWS_DIR, engine: hbs };
}

/** Registers every partial synchronously (hbs.registerPartials reads the folder asynchronously). */
function registerPartials(dir: string, prefix = ''): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) registerPartials(full, `${prefix}${entry.name}/`);
    else if (entry.name.endsWith('.hbs')) hbs.registerPartial(`${prefix}${entry.name.slice(0, -4)}`, fs.readFileSync(full, 'utf8'));
  }
}
