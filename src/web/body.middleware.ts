import { Injectable, NestMiddleware } from '@nestjs/common';
import express, { NextFunction, Request, Response } from 'express';
import { AppError } from '../../libs/common';
import { isApiPath } from './request';

/** Deeper JSON than any of our DTOs takes is refused before parsing: validating it would overflow the stack (a 500). */
export const MAX_JSON_DEPTH = 32;

/** Nesting depth of a JSON text, counted on the raw bytes (structural characters are ASCII in UTF-8). */
export function jsonDepthExceeds(buf: Buffer, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Text with lone surrogates is not Unicode: refused (400) before a validator or the database trips over it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
function wellFormedReviver(key: string, value: unknown): unknown {
  if (LONE_SURROGATE.test(key) || (typeof value === 'string' && LONE_SURROGATE.test(value)))
    throw new SyntaxError('ill-formed Unicode in JSON');
  return value;
}

const json = express.json({
  limit: '1mb',
  strict: true,
  reviver: wellFormedReviver,
  verify: (_req, _res, buf) => {
    if (jsonDepthExceeds(buf)) throw Object.assign(new Error('JSON nested too deeply'), { type: 'entity.too.deep' });
  },
});
const form = express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 500 });

const run = (mw: express.RequestHandler, req: Request, res: Response) =>
  new Promise<void>((resolve, reject) => mw(req, res, (err?: unknown) => (err ? reject(err) : resolve())));

/**
 * Parses JSON (API) and form bodies (pages) with size limits. A body that is too large is 413,
 * malformed JSON is 400, and an API write that is not JSON is 415 — always through the one filter.
 */
@Injectable()
export class BodyMiddleware implements NestMiddleware {
  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    const method = req.method.toUpperCase();
    const hasBody =
      !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method) && (req.headers['content-length'] !== '0' || req.headers['transfer-encoding']);
    const type = String(req.headers['content-type'] ?? '').toLowerCase();
    if (hasBody && isApiPath(req.path) && type && !type.startsWith('application/json') && !type.startsWith('multipart/form-data')) {
      throw new AppError(415, 'unsupportedMediaType');
    }
    try {
      await run(json, req, res);
      await run(form, req, res);
    } catch (err: any) {
      if (err?.type === 'entity.too.large' || err?.status === 413) throw new AppError(413, 'payloadTooLarge');
      if (err?.type === 'encoding.unsupported' || err?.status === 415) throw new AppError(415, 'unsupportedMediaType');
      throw new AppError(400, 'malformedBody');
    }
    next();
  }
}
