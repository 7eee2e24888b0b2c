import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError } from '../../libs/common';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { MembersDirectory } from '../members/directory.service';
import type { ConflictDto } from './dto/subsidy-after.dto';
import { SubsidyConflict } from './entities/subsidy-conflict.entity';

export interface ConflictView {
  id: string;
  organization: { id: string; name: string };
  reason: string;
  createdAt: Date;
}

/** Conflicts of interest (利益相反) reviewers declare; the reviews service refuses them on those organisations' applications. */
@Injectable()
export class SubsidyConflictsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly directory: MembersDirectory,
  ) {}

  async declare(p: Principal, dto: ConflictDto, ip?: string): Promise<ConflictView> {
    const org = await this.directory.organization(dto.organizationId);
    if (!org) throw new AppError(400, 'subsidies.unknownOrganization', {}, { organizationId: ['subsidies.unknownOrganization'] });
    await this.db.transaction(async (m) => {
      await m.query(
        `INSERT INTO subsidy_conflicts (user_id, organization_id, reason) VALUES ($1, $2, $3)
           ON CONFLICT (user_id, organization_id) DO UPDATE SET reason = EXCLUDED.reason`,
        [p.userId, dto.organizationId, dto.reason],
      );
      await this.audit.record(
        {
          actorId: p.userId,
          action: 'subsidy.conflict.declare',
          subjectType: 'organization',
          subjectId: dto.organizationId,
          ip,
          data: { reason: dto.reason },
        },
        m,
      );
    });
    return (await this.mine(p)).find((c) => c.organization.id === dto.organizationId)!;
  }

  async mine(p: Principal): Promise<ConflictView[]> {
    const rows = await this.db.manager.find(SubsidyConflict, { where: { userId: p.userId }, order: { createdAt: 'ASC' } });
    const orgs = await this.directory.organizations(rows.map((r) => r.organizationId));
    return rows.map((r) => ({
      id: r.id,
      organization: { id: r.organizationId, name: orgs.get(r.organizationId)?.name ?? '' },
      reason: r.reason,
      createdAt: r.createdAt,
    }));
  }

  /** Whether this user declared a conflict with this organisation. */
  async conflicted(m: EntityManager, userId: string, organizationId: string): Promise<boolean> {
    return (await m.count(SubsidyConflict, { where: { userId, organizationId } })) > 0;
  }
}
