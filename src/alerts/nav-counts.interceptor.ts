import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { mergeMap, Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import { isApiPath, KyosoRequest } from '../web/request';

/**
 * For signed-in page views: unread inquiry messages and unread notifications, in one query, as `navCounts`
 * for the header and the member home. Best effort: a failure only hides the badges.
 */
@Injectable()
export class NavCountsInterceptor implements NestInterceptor {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<KyosoRequest>();
    const res = ctx.switchToHttp().getResponse<Response>();
    const p = req.principal;
    if (!p || req.method !== 'GET' || isApiPath(req.path)) return next.handle();
    // after the handler (reading a thread moves the read marker), before the page is rendered
    return next.handle().pipe(
      mergeMap(async (data) => {
        res.locals.navCounts = await this.counts(p.userId, p.organizationId);
        return data;
      }),
    );
  }

  private async counts(userId: string, orgId: string | null): Promise<{ inquiries: number; notifications: number } | undefined> {
    try {
      const [row] = await this.db.query(
        `SELECT (SELECT count(*)::int FROM notifications WHERE user_id = $1 AND read_at IS NULL) AS notifications,
                (SELECT count(*)::int FROM inquiry_messages m
                   JOIN inquiry_threads t ON t.id = m.thread_id
                   LEFT JOIN inquiry_reads r ON r.thread_id = t.id AND r.user_id = $1
                  WHERE $2::uuid IS NOT NULL AND (t.from_organization_id = $2 OR t.to_organization_id = $2)
                    AND m.author_id IS DISTINCT FROM $1 AND m.id > coalesce(r.last_read_message_id, 0)) AS inquiries`,
        [userId, orgId],
      );
      return { inquiries: row.inquiries, notifications: row.notifications };
    } catch {
      return undefined;
    }
  }
}
