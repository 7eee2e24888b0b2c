import { Injectable, NestMiddleware } from '@nestjs/common';
import express, { NextFunction, Request, Response } from 'express';
import { AppError } from '../../libs/common';
import { isApiPath } from './request';

const json = express.json({ limit: '1mb', strict: true });
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
    const hasBody = !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method) && (req.headers['content-length'] !== '0' || req.headers['transfer-encoding']);
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
