import { Injectable, NestMiddleware } from '@nestjs/common';
import express, { NextFunction, Request, Response } from 'express';
import { AppError } from '../../libs/common';
import { isApiPath } from './request';

/** Deeper JSON than any of our DTOs takes is refused before parsing: validating it would overflow the stack (a 500). */
export const MAX_JSON_DEPTH = 32;

/**
 * More members than any of our DTOs takes are refused before parsing: validating tens of thousands of unknown keys
 * costs seconds of CPU (class-transformer and the whitelist check grow faster than linearly) and stalls every request.
 */
export const MAX_JSON_KEYS_PER_OBJECT = 200;
export const MAX_JSON_VALUES = 5000;

/**
 * What is wrong with the shape of a JSON text, counted on the raw bytes in one pass (structural characters are ASCII
 * in UTF-8): nesting deeper than `maxDepth`, an object with more than `maxKeys` members, or more than `maxValues`
 * object members in all (array elements are not counted: a long list of strings is cheap to validate). Null when the shape is acceptable.
 */
export function jsonShapeProblem(
  buf: Buffer,
  { maxDepth = MAX_JSON_DEPTH, maxKeys = MAX_JSON_KEYS_PER_OBJECT, maxValues = MAX_JSON_VALUES } = {},
): 'depth' | 'keys' | 'values' | null {
  const members: number[] = []; // per open object (−1 for an array)
  let values = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (members.length >= maxDepth) return 'depth';
      members.push(c === 0x7b ? 0 : -1);
    } else if (c === 0x7d || c === 0x5d) members.pop();
    else if (c === 0x3a) {
      const top = members.length - 1;
      if (top >= 0 && members[top] >= 0 && ++members[top] > maxKeys) return 'keys';
      if (++values > maxValues) return 'values';
    }
  }
  return null;
}

/** Nesting depth of a JSON text beyond `max`. */
export function jsonDepthExceeds(buf: Buffer, max = MAX_JSON_DEPTH): boolean {
  return jsonShapeProblem(buf, { maxDepth: max, maxKeys: Infinity, maxValues: Infinity }) === 'depth';
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
    const problem = jsonShapeProblem(buf);
    if (problem) throw Object.assign(new Error(`JSON shape refused: ${problem}`), { type: 'entity.shape', problem });
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
      if (err?.type === 'entity.shape' && err.problem !== 'depth')
        throw new AppError(413, 'tooManyFields', { maxKeys: MAX_JSON_KEYS_PER_OBJECT, maxValues: MAX_JSON_VALUES });
      throw new AppError(400, 'malformedBody');
    }
    next();
  }
}
