import type { KyosoRequest } from './request';

/** A one-time message shown on the next page (after a redirect). */
export function flash(req: KyosoRequest, kind: 'success' | 'error', key: string, params?: Record<string, unknown>): void {
  if (req.session) req.session.flash = { kind, key, params };
}

export function takeFlash(req: KyosoRequest) {
  const f = req.session?.flash;
  if (f) delete req.session.flash;
  return f;
}
