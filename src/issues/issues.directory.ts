import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { uniqueIds } from '../../libs/common';
import { textParams, textWhere, TextSelection } from '../catalog/text-selection';

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
/** Issues that have been made public: published, and closed ones (which were published). Drafts never. */
const PUBLIC = `('published', 'closed')`;

export interface PublicIssue {
  id: string;
  title: string;
  body: string;
  fieldSlugs: string[];
  tags: string[];
  municipalityCode: string;
  status: 'published' | 'closed';
  publishedAt: Date;
  closedAt: Date | null;
}

/** The texts of a published issue that matching compares, with a stamp of its version (its last change). */
export interface IssueMatchText {
  id: string;
  title: string;
  body: string;
  tags: string[];
  fieldSlugs: string[];
  municipalityCode: string;
  stamp: string;
}

@Injectable()
export class IssuesDirectory {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private q(m?: EntityManager) {
    return m ?? this.db.manager;
  }

  async issues(idList: Iterable<string | null | undefined>, m?: EntityManager): Promise<Map<string, IssueRef>> {
    const list = uniqueIds(idList);
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

  // ---------------------------------------------------------------- public issues (published or closed): aggregates

  /** How many public issues, optionally published in [from, to). */
  async publicCount(range?: { from: Date; to: Date }, m?: EntityManager): Promise<number> {
    const [{ n }] = await this.q(m).query(
      `SELECT count(*)::int AS n FROM issues WHERE status IN ${PUBLIC} ${range ? 'AND published_at >= $1 AND published_at < $2' : ''}`,
      range ? [range.from, range.to] : [],
    );
    return n;
  }

  /** Public issues per field (an issue of two fields counts for both), optionally published in [from, to). */
  async publicCountsByField(range?: { from: Date; to: Date }, m?: EntityManager): Promise<Map<string, number>> {
    const rows: Array<{ slug: string; n: number }> = await this.q(m).query(
      `SELECT f.slug, count(*)::int AS n FROM issues i CROSS JOIN LATERAL unnest(i.field_slugs) AS f(slug)
        WHERE i.status IN ${PUBLIC} ${range ? 'AND i.published_at >= $1 AND i.published_at < $2' : ''} GROUP BY f.slug`,
      range ? [range.from, range.to] : [],
    );
    return new Map(rows.map((r) => [r.slug, r.n]));
  }

  /** Public issues per municipality and field (the issue map's heat map). */
  async publicCountsByMunicipalityAndField(m?: EntityManager): Promise<Array<{ code: string; field: string; n: number }>> {
    return this.q(m).query(
      `SELECT i.municipality_code AS code, f AS field, count(*)::int AS n
       FROM issues i, unnest(i.field_slugs) AS f
       WHERE i.status IN ${PUBLIC} GROUP BY 1, 2`,
    );
  }

  /** Public issues per municipality. */
  async publicCountsByMunicipality(m?: EntityManager): Promise<Map<string, number>> {
    const rows: Array<{ code: string; n: number }> = await this.q(m).query(
      `SELECT municipality_code AS code, count(*)::int AS n FROM issues WHERE status IN ${PUBLIC} GROUP BY 1`,
    );
    return new Map(rows.map((r) => [r.code, r.n]));
  }

  /** Public issues published in each of the last `months` months up to the month of `now` (Asia/Tokyo), oldest first. */
  async publicCountsByMonth(now: Date, months: number, m?: EntityManager): Promise<Array<{ month: string; n: number }>> {
    return this.q(m).query(
      `WITH months AS (
         SELECT generate_series(date_trunc('month', $1::timestamptz AT TIME ZONE 'Asia/Tokyo') - make_interval(months => $2::int - 1),
                                date_trunc('month', $1::timestamptz AT TIME ZONE 'Asia/Tokyo'), interval '1 month') AS month)
       SELECT to_char(months.month, 'YYYY-MM') AS month,
              (SELECT count(*)::int FROM issues i WHERE i.status IN ${PUBLIC}
                 AND i.published_at >= (months.month AT TIME ZONE 'Asia/Tokyo')
                 AND i.published_at < ((months.month + interval '1 month') AT TIME ZONE 'Asia/Tokyo')) AS n
       FROM months ORDER BY months.month`,
      [now, months],
    );
  }

  /** The most frequent tags of public issues. */
  async publicTopTags(limit: number, m?: EntityManager): Promise<Array<{ tag: string; n: number }>> {
    return this.q(m).query(
      `SELECT tag, count(*)::int AS n FROM issues i, unnest(i.tags) AS tag
       WHERE i.status IN ${PUBLIC} GROUP BY tag ORDER BY n DESC, tag LIMIT $1`,
      [Math.floor(limit)],
    );
  }

  /**
   * Every public issue its municipality released as open data (`open_data`), without personal data (no contact
   * person), oldest publication first.
   */
  async openDataIssues(m?: EntityManager): Promise<PublicIssue[]> {
    return this.q(m).query(
      `SELECT i.id, i.title, i.body, i.field_slugs AS "fieldSlugs", i.tags, i.municipality_code AS "municipalityCode",
              i.status, i.published_at AS "publishedAt", i.closed_at AS "closedAt"
       FROM issues i WHERE i.status IN ${PUBLIC} AND i.open_data ORDER BY i.published_at, i.id`,
    );
  }

  // ---------------------------------------------------------------- for matching

  /** Texts of the published issues among these ids, or of the next `limit` published ones after an id (in id order). */
  async publishedTexts(sel: TextSelection, m?: EntityManager): Promise<IssueMatchText[]> {
    if ('ids' in sel && sel.ids.length === 0) return [];
    return this.q(m).query(
      `SELECT x.id, x.title, x.body, x.tags, x.field_slugs AS "fieldSlugs", x.municipality_code AS "municipalityCode", x.updated_at::text AS stamp
       FROM issues x WHERE x.status = 'published' AND ${textWhere(sel)}`,
      textParams(sel),
    );
  }

  /** How many published issues, and when the last of them changed (to tell whether corpus statistics are stale). */
  async publishedStamp(m?: EntityManager): Promise<{ n: number; stamp: string }> {
    const [row] = await this.q(m).query(
      `SELECT count(*)::int AS n, coalesce(max(updated_at)::text, '') AS stamp FROM issues WHERE status = 'published'`,
    );
    return row;
  }
  /** The ids of the `limit` most recently published items (newest first). */
  async newestPublishedIds(limit: number, m?: EntityManager): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.q(m).query(
      `SELECT id FROM issues WHERE status = 'published' ORDER BY published_at DESC NULLS LAST, id LIMIT $1`,
      [Math.floor(limit)],
    );
    return rows.map((r) => r.id);
  }

  /** The most recently published issues of any of these fields. */
  async recentPublishedIds(fieldSlugs: string[], limit: number, m?: EntityManager): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.q(m).query(
      `SELECT id FROM issues WHERE status = 'published' AND field_slugs && $1::text[] ORDER BY published_at DESC LIMIT $2`,
      [fieldSlugs, Math.floor(limit)],
    );
    return rows.map((r) => r.id);
  }
}
