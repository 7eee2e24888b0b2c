import { HttpException } from '@nestjs/common';

/**
 * An error the user can act on: an HTTP status, a stable code, and an i18n message key
 * (messages live in views/locales/<lang>.json under "errors.<key>").
 * Field errors map a field name to message keys, shown next to the field on pages.
 */
export class AppError extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    readonly params: Record<string, unknown> = {},
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(code, status);
  }
}

export const badRequest = (code: string, params?: Record<string, unknown>, fieldErrors?: Record<string, string[]>) =>
  new AppError(400, code, params, fieldErrors);
export const unauthorized = (code = 'unauthorized') => new AppError(401, code);
export const forbidden = (code = 'forbidden') => new AppError(403, code);
export const notFound = (code = 'notFound') => new AppError(404, code);
export const conflict = (code: string, params?: Record<string, unknown>) => new AppError(409, code, params);
export const tooMany = (code = 'tooManyRequests') => new AppError(429, code);
