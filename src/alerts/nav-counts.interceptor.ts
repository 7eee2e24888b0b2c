import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { mergeMap, Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { InquiriesService } from '../inquiries/inquiries.service';
import { isApiPath, KyosoRequest } from '../web/request';

/**
 * For signed-in page views: unread inquiry messages (asked of the inquiries module) and unread notifications, as
 * `navCounts` for the header and the member home. Best effort: a failure only hides the badges.
 */
@Injectable()
export class NavCountsInterceptor implements NestInterceptor {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly inquiries: InquiriesService,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<KyosoRequest>();
    const res = ctx.switchToHttp().getResponse<Response>();
    const p = req.principal;
    if (!p || req.method !== 'GET' || isApiPath(req.path)) return next.handle();
    // after the handler (reading a thread moves the read marker), before the page is rendered
    return next.handle().pipe(
      mergeMap(async (data) => {
        res.locals.navCounts = await this.counts(p);
        return data;
      }),
    );
  }

  private async counts(p: Principal): Promise<{ inquiries: number; notifications: number } | undefined> {
    try {
      const [row] = await this.db.query(`SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL`, [p.userId]);
      return { inquiries: await this.inquiries.unreadCount(p), notifications: row.n };
    } catch {
      return undefined;
    }
  }
}
