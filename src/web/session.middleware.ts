import { Injectable, NestMiddleware, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import connectPgSimple from 'connect-pg-simple';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { AppError } from '../../libs/common';
import { AppConfig } from '../../libs/config/app-config';
import { isApiPath } from './request';

export const SESSION_COOKIE = 'kyoso.sid';
export const SESSION_IDLE_MS = 2 * 60 * 60 * 1000; // 2 h without activity
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000; // 12 h after sign-in
const SESSION_TOUCH_MS = 60 * 1000;

/**
 * Server-side sessions for pages, stored in PostgreSQL so that several app instances share them.
 * The JSON API never reads the session for writes (bearer tokens only).
 */
@Injectable()
export class SessionMiddleware implements NestMiddleware, OnModuleDestroy {
  private readonly handler: RequestHandler;
  private readonly pool: Pool;

  constructor(config: AppConfig, @InjectDataSource() db: DataSource) {
    const PgStore = connectPgSimple(session);
    this.pool = new Pool({ connectionString: (db.options as { url?: string }).url, max: 4 });
    this.pool.on('error', () => undefined);
    const store = new PgStore({ pool: this.pool, tableName: 'session', createTableIfMissing: false, pruneSessionInterval: 600 });
    // Rolling sessions touch their row on every response; once a minute per session keeps the 2 h idle timeout
    // (to within a minute) and saves a PostgreSQL write per page view (test/bench: the results page).
    const touch = store.touch.bind(store);
    const touched = new Map<string, number>();
    store.touch = (sid: string, sess: session.SessionData, cb?: (err?: unknown) => void) => {
      const now = Date.now();
      if (now - (touched.get(sid) ?? 0) < SESSION_TOUCH_MS) return cb?.();
      touched.delete(sid);
      touched.set(sid, now);
      if (touched.size > 10_000) touched.delete(touched.keys().next().value!);
      return touch(sid, sess, cb);
    };
    this.handler = session({
      name: SESSION_COOKIE,
      secret: config.sessionSecret!,
      store,
      resave: false,
      saveUninitialized: false,
      rolling: true,
      proxy: true,
      cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: SESSION_IDLE_MS, path: '/' },
    });
  }

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    // API writes never use the session; API reads with a bearer token do not either (no session work per request)
    if (isApiPath(req.path) && ((req.method !== 'GET' && req.method !== 'HEAD') || /^Bearer\s/i.test(req.headers.authorization ?? '')))
      return next();
    await new Promise<void>((resolve, reject) =>
      this.handler(req, res, (err?: unknown) => (err ? reject(new AppError(503, 'serviceUnavailable')) : resolve())),
    );
    const s = req.session;
    if (s?.userId && (!s.authAt || Date.now() - s.authAt > SESSION_ABSOLUTE_MS)) {
      await new Promise<void>((resolve) => s.destroy(() => resolve()));
    }
    next();
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
