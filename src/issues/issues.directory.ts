import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/**
 * The issues module's read model for other modules (events, inquiries, alerts, matching, figures): titles, owners
 * and states of issues (課題) by id, and the published ones. They ask here instead of running SQL on `issues`.
 * Pass your EntityManager when you are inside a transaction.
 */
export interface IssueRef {
  id: string;
  title: string;
  status: string;
  organizationId: string;
  municipalityCode: string;
  fieldSlugs: string[];
  tags: string[];
  publishedAt: Date | null;
}

const ISSUE_COLUMNS = `i.id, i.title, i.status, i.organization_id AS "organizationId", i.municipality_code AS "municipalityCode",
  i.field_slugs AS "fieldSlugs", i.tags, i.published_at AS "publishedAt"`;
const ids = (list: Iterable<string | null | undefined>) => [...new Set([...list].filter((x): x is string => !!x))];

@Injectable()
export class IssuesDirectory {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private q(m?: EntityManager) {
    return m ?? this.db.manager;
  }

  async issues(idList: Iterable<string | null | undefined>, m?: EntityManager): Promise<Map<string, IssueRef>> {
    const list = ids(idList);
    if (!list.length) return new Map();
    const rows: IssueRef[] = await this.q(m).query(`SELECT ${ISSUE_COLUMNS} FROM issues i WHERE i.id = ANY($1::uuid[])`, [list]);
    return new Map(rows.map((r) => [r.id, r]));
  }

  async issue(id: string | null | undefined, m?: EntityManager): Promise<IssueRef | null> {
    return id ? ((await this.issues([id], m)).get(id) ?? null) : null;
  }

  /** Published issues, optionally of some municipalities, oldest publication first. */
  async publishedIssues(opts: { municipalityCodes?: string[]; limit?: number } = {}, m?: EntityManager): Promise<IssueRef[]> {
    const params: unknown[] = [];
    let where = `i.status = 'published'`;
    if (opts.municipalityCodes?.length) {
      params.push(opts.municipalityCodes);
      where += ` AND i.municipality_code = ANY($${params.length}::varchar[])`;
    }
    return this.q(m).query(
      `SELECT ${ISSUE_COLUMNS} FROM issues i WHERE ${where} ORDER BY i.published_at, i.id ${opts.limit ? `LIMIT ${Math.floor(opts.limit)}` : ''}`,
      params,
    );
  }

  /** A published issue with its body (for matching its text, e.g. against saved searches); null when not published. */
  async publishedWithBody(id: string, m?: EntityManager): Promise<(IssueRef & { body: string }) | null> {
    const [row] = await this.q(m).query(`SELECT ${ISSUE_COLUMNS}, i.body FROM issues i WHERE i.id = $1 AND i.status = 'published'`, [id]);
    return row ?? null;
  }
}
