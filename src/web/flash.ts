import type { KyosoRequest } from './request';

/**
 * A one-time message shown on the next page (after a redirect). It travels in its own short-lived cookie rather than
 * in the session row: a request of the same session running at the same moment (another tab, a fetch of the page's
 * scripts) that saves the session it loaded earlier would otherwise write the message away before it is shown.
 */
export const FLASH_COOKIE = 'kyoso.flash';
const FLASH_MAX_AGE_MS = 5 * 60_000;

type Flash = { kind: 'success' | 'error'; key: string; params?: Record<string, unknown> };

export function flash(req: KyosoRequest, kind: 'success' | 'error', key: string, params?: Record<string, unknown>): void {
  const value: Flash = { kind, key, ...(params ? { params } : {}) };
  if (req.res) {
    req.res.cookie(FLASH_COOKIE, value, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/', maxAge: FLASH_MAX_AGE_MS });
  } else if (req.session) req.session.flash = value;
}

export function takeFlash(req: KyosoRequest): Flash | undefined {
  const raw: unknown = (req as { cookies?: Record<string, unknown> }).cookies?.[FLASH_COOKIE];
  if (raw !== undefined) {
    req.res?.clearCookie(FLASH_COOKIE, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });
    const f = raw as Partial<Flash> | null;
    if (f && typeof f === 'object' && (f.kind === 'success' || f.kind === 'error') && typeof f.key === 'string')
      return { kind: f.kind, key: f.key, params: f.params && typeof f.params === 'object' ? f.params : undefined };
    return undefined;
  }
  const s = req.session?.flash;
  if (s) delete req.session.flash;
  return s;
}
