import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Response } from 'express';
import { resolveLang } from '../../libs/common';
import { AuthService } from '../auth/auth.service';
import { isApiPath, KyosoRequest } from './request';

/**
 * Resolves the language (?lang= remembered in a cookie) and the principal: a bearer token for the API,
 * the session for pages (and for API reads made by the pages themselves).
 */
@Injectable()
export class AuthContextMiddleware implements NestMiddleware {
  constructor(private readonly auth: AuthService) {}

  async use(req: KyosoRequest, res: Response, next: NextFunction): Promise<void> {
    const queryLang = req.query?.lang;
    req.lang = resolveLang(queryLang, req.cookies?.lang);
    if (typeof queryLang === 'string' && queryLang === req.lang) {
      res.cookie('lang', req.lang, { httpOnly: true, sameSite: 'lax', maxAge: 365 * 86_400_000, path: '/' });
    }
    const authz = req.headers.authorization;
    if (authz && /^Bearer\s+/i.test(authz)) {
      req.principal = await this.auth.principalFromToken(authz.replace(/^Bearer\s+/i, '').trim());
    } else if (req.session?.userId) {
      if (!isApiPath(req.path) || req.method === 'GET' || req.method === 'HEAD') {
        req.principal = await this.auth.principalFromSession(req.session.userId, req.session.authAt ?? 0);
        if (!req.principal) {
          delete req.session.userId;
          delete req.session.authAt;
        }
      }
    }
    res.locals.lang = req.lang;
    res.locals.principal = req.principal;
    next();
  }
}
