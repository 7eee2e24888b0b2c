import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { Page, t, toCsv, toPage } from '../../libs/common';
import { AuditService } from '../audit/audit.service';
import { isSecretariat, Principal } from '../auth/principal';
import { MembersDirectory } from '../members/directory.service';
import type { ApplicationListQuery } from './dto/subsidy.dto';
import { SubsidyApplication } from './entities/subsidy-application.entity';
import { SubsidyApplicationsReader } from './subsidy-reader.service';
import { ADOPTED, ApplicationStatus, CONFIRMED, GRANTED, TO_CHECK } from './subsidy.state';
import type { ApplicationView } from './subsidy.views';

export type { Access, ApplicationDetail, ApplicationView, ProgramTotals, ProgramView, ReviewView } from './subsidy.views';

/** Reading many applications at once: lists, the secretariat's work queue, the CSV export, figures, notices. */
@Injectable()
export class SubsidiesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly directory: MembersDirectory,
    private readonly reader: SubsidyApplicationsReader,
  ) {}

  /** For the forum figures: applications, adopted, yen granted and confirmed (by the programme's fiscal year). */
  async figures(fiscalYear?: number): Promise<{ applications: number; adopted: number; grantedTotal: number; confirmedTotal: number }> {
    const params: unknown[] = [ADOPTED, GRANTED, CONFIRMED];
    let where = '';
    if (fiscalYear) {
      params.push(fiscalYear);
      where = `AND s.fiscal_year = $4`;
    }
    const [r] = await this.db.query(
      `SELECT count(*) FILTER (WHERE a.submitted_at IS NOT NULL)::int AS applications,
              count(*) FILTER (WHERE a.status = ANY($1))::int AS adopted,
              coalesce(sum(a.granted_amount) FILTER (WHERE a.status = ANY($2)), 0)::bigint AS granted,
              coalesce(sum(a.confirmed_amount) FILTER (WHERE a.status = ANY($3)), 0)::bigint AS confirmed
         FROM subsidy_applications a JOIN subsidy_programs s ON s.id = a.program_id WHERE true ${where}`,
      params,
    );
    return { applications: r.applications, adopted: r.adopted, grantedTotal: Number(r.granted), confirmedTotal: Number(r.confirmed) };
  }

  /** Secretariat: every application (filters); members: their organisation's and those they review. */
  async listApplications(p: Principal, q: ApplicationListQuery): Promise<Page<ApplicationView>> {
    const qb = this.db.getRepository(SubsidyApplication).createQueryBuilder('a');
    if (!isSecretariat(p)) {
      qb.where(
        `(a.organization_id = :org OR (a.municipal_partner_organization_id = :org AND a.submitted_at IS NOT NULL)
          OR EXISTS (SELECT 1 FROM subsidy_reviewers r WHERE r.application_id = a.id AND r.reviewer_id = :uid))`,
        {
          org: p.organizationId ?? '00000000-0000-0000-0000-000000000000',
          uid: p.userId,
        },
      );
    }
    if (q.status) qb.andWhere('a.status = :status', { status: q.status });
    if (q.programId) qb.andWhere('a.program_id = :programId', { programId: q.programId });
    qb.orderBy('a.updated_at', 'DESC').addOrderBy('a.id');
    const [rows, total] = await qb
      .skip((q.page - 1) * q.perPage)
      .take(q.perPage)
      .getManyAndCount();
    return toPage(await this.reader.toViews(rows), total, q);
  }

  /** CSV of applications for the secretariat (UTF-8 BOM). */
  async applicationsCsv(p: Principal, programId?: string, ip?: string): Promise<string> {
    const params: unknown[] = [];
    let where = '';
    if (programId) {
      params.push(programId);
      where = 'WHERE a.program_id = $1';
    }
    const rows = await this.db.query(
      `SELECT a.id, s.title AS program, a.organization_id, a.title, a.status, a.requested_amount, a.total_cost, a.granted_amount,
              a.confirmed_amount, a.actual_cost, a.municipal_partner_organization_id, a.submitted_at, a.decided_at, a.completed_at,
              (SELECT round(avg(r.weighted_score)::numeric, 2) FROM subsidy_reviews r WHERE r.application_id = a.id) AS score
         FROM subsidy_applications a JOIN subsidy_programs s ON s.id = a.program_id ${where}
         ORDER BY s.opens_at DESC, a.submitted_at NULLS LAST, a.created_at`,
      params,
    );
    const orgs = await this.directory.organizations(rows.flatMap((r: any) => [r.organization_id, r.municipal_partner_organization_id]));
    await this.audit.record({
      actorId: p.userId,
      action: 'subsidy.export',
      subjectType: 'subsidy_program',
      subjectId: programId,
      ip,
      data: { rows: rows.length },
    });
    const label = (s: string) => t('ja', `subsidies.statuses.${s}`);
    return toCsv(
      [
        'ID',
        '公募',
        '申請者',
        '件名',
        '状態',
        '申請額',
        '総事業費',
        '交付決定額',
        '確定額',
        '実績額',
        '連携市町村',
        '提出日時',
        '決定日時',
        '確定日時',
        '平均評点',
      ],
      rows.map((r: any) => [
        r.id,
        r.program,
        orgs.get(r.organization_id)?.name ?? null,
        r.title,
        label(r.status),
        r.requested_amount,
        r.total_cost,
        r.granted_amount,
        r.confirmed_amount,
        r.actual_cost,
        r.municipal_partner_organization_id ? (orgs.get(r.municipal_partner_organization_id)?.name ?? null) : null,
        r.submitted_at,
        r.decided_at,
        r.completed_at,
        r.score,
      ]),
    );
  }

  /**
   * The secretariat's work queue: to check (submitted, with the partner's answer), under review, adopted awaiting a grant,
   * change requests, reports to confirm, payments claimed.
   */
  async workQueue(): Promise<{
    toCheck: ApplicationView[];
    underReview: ApplicationView[];
    toGrant: ApplicationView[];
    changeRequests: ApplicationView[];
    reportsToConfirm: ApplicationView[];
    paymentsClaimed: ApplicationView[];
  }> {
    const by = async (...status: ApplicationStatus[]) =>
      this.reader.toViews(
        await this.db.getRepository(SubsidyApplication).find({ where: { status: In(status) }, order: { updatedAt: 'ASC' }, take: 200 }),
      );
    return {
      toCheck: await by(...TO_CHECK),
      underReview: await by('under_review'),
      toGrant: await by('adopted'),
      changeRequests: await by('change_requested'),
      reportsToConfirm: await by('report_submitted'),
      paymentsClaimed: await by('payment_claimed'),
    };
  }

  /** In-app notices of the caller's organisation (newest first); marks them read. */
  async notifications(p: Principal, markRead = true) {
    if (!p.organizationId) return [];
    const rows: {
      id: string;
      application_id: string;
      status: string;
      comment: string | null;
      read_at: Date | null;
      created_at: Date;
      title: string;
    }[] = await this.db.query(
      `SELECT n.id, n.application_id, n.status, n.comment, n.read_at, n.created_at, a.title FROM subsidy_notifications n
         JOIN subsidy_applications a ON a.id = n.application_id WHERE n.organization_id = $1 ORDER BY n.created_at DESC, n.id DESC LIMIT 50`,
      [p.organizationId],
    );
    if (markRead)
      await this.db.query(`UPDATE subsidy_notifications SET read_at = now() WHERE organization_id = $1 AND read_at IS NULL`, [
        p.organizationId,
      ]);
    return rows.map((r) => ({
      id: String(r.id),
      applicationId: r.application_id,
      title: r.title,
      status: r.status,
      comment: r.comment,
      unread: !r.read_at,
      createdAt: r.created_at,
    }));
  }

  /** Form options: municipality organisations (partners). */
  async municipalities(): Promise<{ id: string; name: string }[]> {
    return (await this.directory.organizationsOfKind(['municipality'])).map((o) => ({ id: o.id, name: o.name }));
  }
}
