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

export const isApiPath = (path: string) => path === '/api' || path.startsWith('/api/') || path === '/health';
