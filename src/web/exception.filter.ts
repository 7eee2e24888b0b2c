import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { AppError, t } from '../../libs/common';
import { FormError } from './form-error';
import { isApiPath, KyosoRequest } from './request';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

interface Normalized {
  status: number;
  code: string;
  params: Record<string, unknown>;
  fieldErrors: Record<string, string[]>;
}

/** Maps any error to a status and a message key; never lets bad input become a 500. */
export function normalizeError(err: unknown): Normalized {
  if (err instanceof AppError) return { status: err.getStatus(), code: err.code, params: err.params, fieldErrors: err.fieldErrors };
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const body = err.getResponse() as any;
    const message = typeof body === 'string' ? body : body?.message;
    const code = typeof message === 'string' && /^[a-zA-Z.]+$/.test(message) ? message : `http.${status}`;
    return { status, code, params: { detail: Array.isArray(message) ? message.join(', ') : message }, fieldErrors: {} };
  }
  if (err instanceof QueryFailedError) {
    const code = (err as any).driverError?.code as string | undefined;
    if (code === '23505') return { status: 409, code: 'conflict.duplicate', params: {}, fieldErrors: {} };
    if (code === '23503') return { status: 409, code: 'conflict.reference', params: {}, fieldErrors: {} };
    // data the database refuses: bad text/number/date, a NULL or CHECK violation, a value too large for an index
    if (
      [
        '22P02',
        '22001',
        '22003',
        '23514',
        '22021',
        '22007',
        '22008',
        '23502',
        '22004',
        '22P05',
        '22023',
        '22019',
        '22025',
        '2201B',
        '54000',
      ].includes(String(code))
    )
      return { status: 400, code: 'badRequest', params: {}, fieldErrors: {} };
    if (code === '40001' || code === '40P01' || code === '55P03')
      return { status: 409, code: 'conflict.concurrent', params: {}, fieldErrors: {} };
  }
  const e = err as { code?: string; message?: string };
  const name = (err as { name?: string } | undefined)?.name;
  if (
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '53300'].includes(String(e?.code)) ||
    /^08/.test(String(e?.code)) || // connection exceptions
    // TypeORM releases a query runner whose connection broke; the next query on it throws this
    name === 'QueryRunnerAlreadyReleasedError' ||
    // …and a transaction whose connection broke cannot be rolled back on it either
    name === 'TransactionNotStartedError' ||
    /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|not queryable|Connection is not established|Transaction is not started/i.test(
      String(e?.message),
    )
  ) {
    return { status: 503, code: 'serviceUnavailable', params: {}, fieldErrors: {} };
  }
  return { status: 500, code: 'internal', params: {}, fieldErrors: {} };
}

/** Where security events go (the audit log); optional so the filter also works without a database. */
export interface SecurityEventSink {
  record(rec: {
    actorId: string | null;
    action: string;
    subjectType?: string;
    subjectId?: string;
    ip?: string | null;
    data?: Record<string, unknown>;
  }): Promise<void>;
}

@Catch()
export class KyosoExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  constructor(private readonly audit?: SecurityEventSink) {}

  /** A refused request (403: no permission, or a form without a valid CSRF token) is a security event: who, when, from where, what. */
  private recordDenial(req: KyosoRequest, code: string): void {
    if (!this.audit) return;
    const route = (req.route as { path?: string } | undefined)?.path;
    this.audit
      .record({
        actorId: req.principal?.userId ?? null,
        action: code === 'csrf.invalid' ? 'security.csrfRejected' : 'security.accessDenied',
        subjectType: 'route',
        subjectId: `${req.method} ${route && !route.includes('*') ? route : req.path}`.slice(0, 300),
        ip: req.ip ?? null,
        data: { code, path: req.originalUrl.slice(0, 500) },
      })
      .catch((e: unknown) => this.logger.warn(`could not record a denied request: ${(e as Error).message}`));
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<KyosoRequest>();
    const res = ctx.getResponse<Response>();
    const form = exception instanceof FormError ? exception : undefined;
    const n = normalizeError(form ? form.cause : exception);
    const lang = req.lang ?? 'ja';
    if (n.status >= 500) this.logger.error({ err: form?.cause ?? exception, path: req.path }, `${n.status} ${n.code}`);
    if (n.status === 403) this.recordDenial(req, n.code);
    if (res.headersSent) return;
    if (n.status === 503) res.setHeader('Retry-After', '5');

    const message = t(lang, `errors.${n.code}`, { ...n.params, defaultValue: t(lang, `errors.http.${n.status}`) });
    const fieldMessages: Record<string, string[]> = {};
    for (const [field, keys] of Object.entries(n.fieldErrors)) {
      fieldMessages[field] = keys.map((k) => t(lang, k.includes(' ') ? k : `validation.${k}`, { defaultValue: k }));
    }

    if (isApiPath(req.path) || !req.accepts('html')) {
      const perField = Object.entries(fieldMessages).flatMap(([f, ms]) => ms.map((m) => `${f}: ${m}`));
      res.status(n.status).json({
        statusCode: n.status,
        error: STATUS_TEXT[n.status] ?? 'Error',
        message: perField.length ? perField : message,
        code: n.code,
        ...(perField.length ? { fields: fieldMessages } : {}),
      });
      return;
    }

    if (n.status === 401 && req.method === 'GET') {
      res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    if (form) {
      res.status(n.status).render(form.view, {
        ...form.model,
        lang,
        principal: req.principal,
        errorSummary: message,
        fieldErrors: fieldMessages,
      });
      return;
    }
    res.status(n.status).render('error', {
      lang,
      principal: req.principal,
      status: n.status,
      title: t(lang, `errors.http.${n.status}`, { defaultValue: t(lang, 'errors.http.500') }),
      message,
    });
  }
}
