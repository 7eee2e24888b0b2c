import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../../libs/common';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { MembersDirectory } from '../members/directory.service';

/** Columns never exported: credentials and their hashes. */
const SECRET = /(password|secret|token|_hash$)/i;
/** Tables that are operational, not the organisation's data. */
const SKIP = new Set(['session', 'search_outbox', 'search_reindex', 'search_reindex_log', 'login_attempts', 'migrations']);
const MAX_ROWS = 10_000;
/**
 * Every foreign key to organizations/users, and whether the row is the organisation's to read through the
 * product (true) or merely names it (false: e.g. the municipal partner of another company's application gets
 * 404 on it). Keys not listed are not exported, so a new table is not exported before someone decides.
 */
export const EXPORTED_LINKS: Record<string, boolean> = {
  'api_tokens.user_id': true,
  'calendar_feeds.user_id': true,
  // messages and surveys the secretariat sent (its own work)
  'event_messages.sent_by': true,
  'event_surveys.created_by': true,
  'event_registrations.checked_in_by': true,
  'event_registrations.organization_id': true,
  'event_registrations.registered_by': true,
  'event_registrations.user_id': true,
  'events.created_by': true,
  'inquiry_messages.author_id': true,
  'inquiry_messages.author_organization_id': true,
  'inquiry_reads.user_id': true,
  'inquiry_threads.created_by': true,
  'inquiry_threads.from_organization_id': true,
  'inquiry_threads.to_organization_id': true,
  'invitations.invited_by': true,
  'invitations.organization_id': true,
  'issue_interests.organization_id': true,
  'issue_interests.user_id': true,
  'issue_revisions.editor_id': true,
  'issues.created_by': true,
  'issues.organization_id': true,
  'matching_thesaurus.updated_by': true,
  'membership_applications.decided_by': true,
  'membership_applications.organization_id': true,
  'notifications.user_id': true,
  'password_resets.user_id': true,
  'pitch_applications.applicant_id': true,
  'pitch_applications.organization_id': true,
  'pitch_judges.assigned_by': true,
  'pitch_judges.user_id': true,
  'pitch_scores.judge_id': true,
  'project_organizations.organization_id': true,
  'projects.coordinator_organization_id': true,
  'projects.created_by': true,
  'saved_searches.user_id': true,
  'solutions.created_by': true,
  'solutions.organization_id': true,
  'subsidy_applications.created_by': true,
  'subsidy_applications.municipal_partner_organization_id': false,
  'subsidy_applications.organization_id': true,
  'subsidy_attachments.uploaded_by': true,
  'subsidy_notifications.organization_id': true,
  'subsidy_programs.created_by': true,
  // a change request: the applicant's own request, and the secretariat's decision on it
  'subsidy_change_requests.decided_by': true,
  'subsidy_change_requests.requested_by': true,
  // a reviewer's declared conflict is theirs to see; the organisation it names is never told
  'subsidy_conflicts.organization_id': false,
  'subsidy_conflicts.user_id': true,
  'subsidy_reviewers.assigned_by': true,
  'subsidy_reviewers.reviewer_id': true,
  'subsidy_reviews.reviewer_id': true,
  'users.organization_id': true,
};

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

interface Link {
  table: string;
  column: string;
  target: 'organizations' | 'users';
}

export interface OrganizationExport {
  exportedAt: string;
  organization: Record<string, unknown>;
  /** table name (camelCase) → rows that belong to the organisation or to its people */
  data: Record<string, Record<string, unknown>[]>;
  truncated: string[];
}

/**
 * An organisation's own data, for its administrators: every row of every table that points to the
 * organisation or to one of its users through a foreign key (so tables of new features are included
 * without changes here), minus credentials. Generic by design; the audit log records each export.
 */
@Injectable()
export class OrganizationExportService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly members: MembersDirectory,
  ) {}

  private async links(): Promise<Link[]> {
    return this.db.query(
      `SELECT cl.relname AS "table", a.attname AS "column", pl.relname AS target
       FROM pg_constraint k
         JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
         JOIN pg_class pl ON pl.oid = k.confrelid
         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
       WHERE k.contype = 'f' AND n.nspname = 'public' AND array_length(k.conkey, 1) = 1
         AND pl.relname IN ('organizations', 'users')
       ORDER BY cl.relname, a.attname`,
    );
  }

  private async columns(table: string): Promise<string[]> {
    const rows: { name: string }[] = await this.db.query(
      `SELECT a.attname AS name FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relname = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [table],
    );
    return rows.map((r) => r.name);
  }

  async export(organizationId: string, p: Principal, ip: string | undefined): Promise<OrganizationExport> {
    // another organisation's data is not visible: 404, as for anything else that is not yours
    if (p.organizationId !== organizationId) {
      await this.audit.record({
        actorId: p.userId,
        action: 'organization.export.denied',
        subjectType: 'organization',
        subjectId: organizationId,
        ip,
      });
      throw new AppError(404, 'notFound');
    }
    const q = (s: string) => '"' + s.replace(/"/g, '""') + '"';
    const out: OrganizationExport = { exportedAt: new Date().toISOString(), organization: {}, data: {}, truncated: [] };
    await this.db.transaction('REPEATABLE READ', async (m) => {
      const org = await this.members.organizationRecord(organizationId, m);
      if (!org) throw new AppError(404, 'notFound');
      out.organization = this.clean(org);
      // the people of the organisation come from the members module (which owns `users`)
      const users = await this.members.userRecords(organizationId, m);
      const userIds = users.map((u) => u.id as string);
      // every other table that points to the organisation or its people
      const byTable = new Map<string, Link[]>();
      for (const l of await this.links()) {
        if (SKIP.has(l.table) || l.table === 'users' || !EXPORTED_LINKS[`${l.table}.${l.column}`]) continue;
        byTable.set(l.table, [...(byTable.get(l.table) ?? []), l]);
      }
      for (const table of [...byTable.keys(), 'users'].sort((a, b) => a.localeCompare(b))) {
        if (table === 'users') {
          this.add(out, table, users);
          continue;
        }
        const links = byTable.get(table)!;
        const cols = new Set(await this.columns(table));
        const where = links
          .filter((l) => cols.has(l.column))
          .map((l) => (l.target === 'organizations' ? `t.${q(l.column)} = p.org` : `t.${q(l.column)} = ANY(p.users)`));
        if (!where.length) continue;
        const rows: { j: Record<string, unknown> }[] = await m.query(
          `SELECT to_jsonb(t) AS j FROM public.${q(table)} t, (SELECT $1::uuid AS org, $2::uuid[] AS users) p
           WHERE ${[...new Set(where)].join(' OR ')} LIMIT ${MAX_ROWS + 1}`,
          [organizationId, userIds],
        );
        this.add(
          out,
          table,
          rows.map((r) => r.j),
        );
      }
      await this.audit.record(
        {
          actorId: p.userId,
          action: 'organization.export',
          subjectType: 'organization',
          subjectId: organizationId,
          ip,
          data: { rows: Object.fromEntries(Object.entries(out.data).map(([k, v]) => [k, v.length])) },
        },
        m,
      );
    });
    return out;
  }

  private add(out: OrganizationExport, table: string, rows: Record<string, unknown>[]): void {
    if (!rows.length) return;
    if (rows.length > MAX_ROWS) {
      rows = rows.slice(0, MAX_ROWS);
      out.truncated.push(camel(table));
    }
    out.data[camel(table)] = rows.map((r) => this.clean(r));
  }

  private clean(row: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) if (!SECRET.test(k)) out[camel(k)] = v;
    return out;
  }
}
