import { Injectable, NestMiddleware } from '@nestjs/common';
import { csrfSync } from 'csrf-sync';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../libs/common';
import { isApiPath } from './request';

const { generateToken, csrfSynchronisedProtection } = csrfSync({
  getTokenFromRequest: (req) => (req.body?._csrf as string) ?? (req.headers['x-csrf-token'] as string) ?? (req.query?._csrf as string),
});

/** Synchroniser-token CSRF protection for every page form (hidden field `_csrf`). The API uses bearer tokens instead. */
@Injectable()
export class CsrfMiddleware implements NestMiddleware {
  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (isApiPath(req.path)) return next();
    await new Promise<void>((resolve, reject) =>
      csrfSynchronisedProtection(req, res, (err?: unknown) => (err ? reject(new AppError(403, 'csrf.invalid')) : resolve())),
    );
    res.locals.csrfToken = () => generateToken(req);
    next();
  }
}

export const csrfTokenFor = (req: Request) => generateToken(req);
