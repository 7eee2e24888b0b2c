import { Injectable, NestMiddleware } from '@nestjs/common';
import { csrfSync } from 'csrf-sync';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../libs/common';
import { isApiPath } from './request';

// never from the query string: a token in a URL ends up in logs and Referer headers
const { generateToken, csrfSynchronisedProtection, isRequestValid } = csrfSync({
  getTokenFromRequest: (req) => (req.body?._csrf as string) ?? (req.headers['x-csrf-token'] as string),
});

/** Page forms that upload files (multipart): their `_csrf` field is read by the upload parser, which then calls csrfValid. */
const MULTIPART_FORMS = [/^\/subsidies\/applications\/[^/]+\/attachments\/?$/i];
const checkedAfterUpload = (req: Request) => !!req.is('multipart/form-data') && MULTIPART_FORMS.some((re) => re.test(req.path));

/** For the upload forms above, once the multipart body is parsed: is the `_csrf` field (or header) valid? */
export const csrfValid = (req: Request): boolean => isRequestValid(req);

/** Synchroniser-token CSRF protection for every page form (hidden field `_csrf`). The API uses bearer tokens instead. */
@Injectable()
export class CsrfMiddleware implements NestMiddleware {
  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (isApiPath(req.path)) return next();
    if (!checkedAfterUpload(req))
      await new Promise<void>((resolve, reject) =>
        csrfSynchronisedProtection(req, res, (err?: unknown) => (err ? reject(new AppError(403, 'csrf.invalid')) : resolve())),
      );
    res.locals.csrfToken = () => generateToken(req);
    next();
  }
}

export const csrfTokenFor = (req: Request) => generateToken(req);
