import i18next, { i18n as I18n } from 'i18next';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const LANGS = ['ja', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'ja';

export const VIEWS_DIR = path.resolve(__dirname, '..', '..', ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []), 'views');

let instance: I18n | undefined;

/** One i18next instance, message files per language under views/locales/. */
export function i18n(): I18n {
  if (instance) return instance;
  const resources: Record<string, { translation: object }> = {};
  // views/locales/<lang>/*.json: one message file per feature, merged
  for (const lang of LANGS) {
    const dir = path.join(VIEWS_DIR, 'locales', lang);
    const merged: Record<string, unknown> = {};
    for (const file of fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      deepMerge(merged, JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
    }
    resources[lang] = { translation: merged };
  }
  instance = i18next.createInstance();
  void instance.init({
    resources,
    lng: DEFAULT_LANG,
    fallbackLng: DEFAULT_LANG,
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return instance;
}

export function t(lang: string | undefined, key: string, params: Record<string, unknown> = {}): string {
  return i18n().t(key, { lng: isLang(lang) ? lang : DEFAULT_LANG, ...params }) as string;
}

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGS as readonly string[]).includes(value);
}

/**
 * ?lang= beats the cookie that remembers it; otherwise Japanese. The browser's Accept-Language is
 * deliberately not consulted: the forum's pages are Japanese first, English on request.
 */
export function resolveLang(query: unknown, cookie: unknown): Lang {
  if (isLang(query)) return query;
  if (isLang(cookie)) return cookie;
  return DEFAULT_LANG;
}

function deepMerge(target: Record<string, any>, source: Record<string, any>): void {
  for (const [k, v] of Object.entries(source)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && target[k] && typeof target[k] === 'object') deepMerge(target[k], v);
    else target[k] = v;
  }
}
