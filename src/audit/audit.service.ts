import { Global, Injectable, Module } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditEntry } from './audit-entry.entity';

export interface AuditRecord {
  actorId: string | null;
  action: string;
  subjectType?: string;
  subjectId?: string;
  ip?: string | null;
  data?: Record<string, unknown>;
}

/** Writes the append-only audit log, inside the caller's transaction when one is given. */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

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

  async list(limit = 100, offset = 0): Promise<AuditEntry[]> {
    return this.db.getRepository(AuditEntry).find({ order: { id: 'DESC' }, take: limit, skip: offset });
  }
}

@Global()
@Module({ providers: [AuditService], exports: [AuditService] })
export class AuditModule {}
