import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Page, toCsv, toPage } from '../../libs/common';
import type { Principal } from '../auth/principal';
import { MembersDirectory } from '../members/directory.service';
import { AuditEntry } from './audit-entry.entity';
import type { AuditLogQuery } from './audit.dto';

export interface AuditRecord {
  actorId: string | null;
  action: string;
  subjectType?: string;
  subjectId?: string;
  ip?: string | null;
  data?: Record<string, unknown>;
}

export interface AuditLogItem {
  id: string;
  at: Date;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  actor: { id: string; displayName: string | null; email: string | null } | null;
  ip: string | null;
  data: Record<string, unknown>;
}

/** Writes the append-only audit log, inside the caller's transaction when one is given; reads it for the secretariat. */
@Injectable()
export class AuditService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly directory: MembersDirectory,
  ) {}

  async record(rec: AuditRecord, manager: EntityManager = this.db.manager): Promise<void> {
    await manager.insert(AuditEntry, {
      actorId: rec.actorId,
      action: rec.action,
      subjectType: rec.subjectType ?? null,
      subjectId: rec.subjectId ?? null,
      ip: rec.ip ?? null,
      data: (rec.data ?? {}) as object,
    });
  }

  /** The log, newest first, filtered by subject and action; `format: 'csv'` reads it all. */
  async list(q: AuditLogQuery): Promise<Page<AuditLogItem>> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [col, v] of [
      ['subject_type', q.subjectType],
      ['subject_id', q.subjectId],
      ['action', q.action],
    ] as const) {
      if (v) {
        params.push(v);
        where.push(`l.${col} = $${params.length}`);
      }
    }
    const sql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM audit_log l ${sql}`, params);
    const limit = q.format === 'csv' ? 100000 : q.perPage;
    const offset = q.format === 'csv' ? 0 : (q.page - 1) * q.perPage;
    const rows: any[] = await this.db.query(
      `SELECT l.id, l.at, l.action, l.subject_type, l.subject_id, l.ip, l.data, l.actor_id
         FROM audit_log l ${sql} ORDER BY l.id DESC LIMIT ${limit} OFFSET ${offset}`,
      params,
    );
    const actors = await this.directory.users(rows.map((r) => r.actor_id));
    const items = rows.map((r) => {
      const u = r.actor_id ? actors.get(r.actor_id) : undefined;
      return {
        id: String(r.id),
        at: r.at,
        action: r.action,
        subjectType: r.subject_type,
        subjectId: r.subject_id,
        actor: r.actor_id ? { id: r.actor_id, displayName: u?.displayName ?? null, email: u?.email ?? null } : null,
        ip: r.ip,
        data: r.data,
      };
    });
    return toPage(items, n, q);
  }

  /** The log as CSV; the export itself is audited. */
  async csv(p: Principal, q: AuditLogQuery, ip?: string): Promise<string> {
    const { items } = await this.list({ ...q, format: 'csv' });
    await this.record({ actorId: p.userId, action: 'audit.export', subjectType: 'audit_log', ip, data: { rows: items.length } });
    return toCsv(
      ['ID', '日時', '操作', '対象の種類', '対象ID', '操作した人', 'メールアドレス', 'IP', '内容'],
      items.map((i) => [i.id, i.at, i.action, i.subjectType, i.subjectId, i.actor?.displayName, i.actor?.email, i.ip, i.data]),
    );
  }
}
