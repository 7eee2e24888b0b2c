import type { Request } from 'express';
import type { Lang } from '../../libs/common';
import type { Principal } from '../auth/principal';

declare module 'express-session' {
  interface SessionData {
    userId?: string;
    /** when the user signed in (ms); sessions older than the absolute timeout end */
    authAt?: number;
    csrfToken?: string;
    flash?: { kind: 'success' | 'error'; key: string; params?: Record<string, unknown> };
  }
}

export type KyosoRequest = Request & { principal?: Principal; lang: Lang; id?: unknown };

/**
 * Whether a request path is the JSON API (or the health probe). Compared case-insensitively, as Express routes:
 * `/API/v1/…` reaches the same controllers, so it must meet the same rules (no session cookie for writes, no CSRF form).
 */
export const isApiPath = (path: string) => {
  const p = path.toLowerCase();
  return p === '/api' || p.startsWith('/api/') || p === '/health';
};
