import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { uniqueIds } from '../../libs/common';
import { textParams, textWhere, TextSelection } from '../catalog/text-selection';

/**
 * The solutions module's read model for other modules (events, inquiries, alerts, matching, figures): titles,
 * owners and states of solutions by id, and the published ones. They ask here instead of running SQL on `solutions`.
 */
export interface SolutionRef {
  id: string;
  title: string;
  status: string;
  organizationId: string;
  fieldSlugs: string[];
  tags: string[];
  publishedAt: Date | null;
  createdBy: string | null;
}

const SOLUTION_COLUMNS = `s.id, s.title, s.status, s.organization_id AS "organizationId", s.field_slugs AS "fieldSlugs", s.tags,
  s.published_at AS "publishedAt", s.created_by AS "createdBy"`;

/** The texts of a published solution that matching compares, with a stamp of its version (its last change). */
export interface SolutionMatchText {
  id: string;
  title: string;
  summary: string;
  body: string;
  tags: string[];
  fieldSlugs: string[];
  trackRecord: string | null;
  organizationId: string;
  stamp: string;
}

@Injectable()
export class SolutionsDirectory {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private q(m?: EntityManager) {
    return m ?? this.db.manager;
  }

  async solutions(idList: Iterable<string | null | undefined>, m?: EntityManager): Promise<Map<string, SolutionRef>> {
    const list = uniqueIds(idList);
    if (!list.length) return new Map();
    const rows: SolutionRef[] = await this.q(m).query(`SELECT ${SOLUTION_COLUMNS} FROM solutions s WHERE s.id = ANY($1::uuid[])`, [list]);
    return new Map(rows.map((r) => [r.id, r]));
  }

  async solution(id: string | null | undefined, m?: EntityManager): Promise<SolutionRef | null> {
    return id ? ((await this.solutions([id], m)).get(id) ?? null) : null;
  }

  /** Published solutions, optionally of one organisation, by title. */
  async publishedSolutions(opts: { organizationId?: string; limit?: number } = {}, m?: EntityManager): Promise<SolutionRef[]> {
    const params: unknown[] = [];
    let where = `s.status = 'published'`;
    if (opts.organizationId) {
      params.push(opts.organizationId);
      where += ` AND s.organization_id = $${params.length}`;
    }
    return this.q(m).query(
      `SELECT ${SOLUTION_COLUMNS} FROM solutions s WHERE ${where} ORDER BY s.published_at, s.id ${opts.limit ? `LIMIT ${Math.floor(opts.limit)}` : ''}`,
      params,
    );
  }

  /** A published solution with its summary and body (for matching its text); null when not published. */
  async publishedWithBody(id: string, m?: EntityManager): Promise<(SolutionRef & { summary: string; body: string }) | null> {
    const [row] = await this.q(m).query(
      `SELECT ${SOLUTION_COLUMNS}, s.summary, s.body FROM solutions s WHERE s.id = $1 AND s.status = 'published'`,
      [id],
    );
    return row ?? null;
  }

  /** How many published solutions, optionally published in [from, to). */
  async publishedCount(range?: { from: Date; to: Date }, m?: EntityManager): Promise<number> {
    const [{ n }] = await this.q(m).query(
      `SELECT count(*)::int AS n FROM solutions WHERE status = 'published' ${range ? 'AND published_at >= $1 AND published_at < $2' : ''}`,
      range ? [range.from, range.to] : [],
    );
    return n;
  }

  // ---------------------------------------------------------------- for matching

  /** Texts of the published solutions among these ids, or of the next `limit` published ones after an id (in id order). */
  async publishedTexts(sel: TextSelection, m?: EntityManager): Promise<SolutionMatchText[]> {
    if ('ids' in sel && sel.ids.length === 0) return [];
    return this.q(m).query(
      `SELECT x.id, x.title, x.summary, x.body, x.tags, x.field_slugs AS "fieldSlugs", x.track_record AS "trackRecord", x.organization_id AS "organizationId", x.updated_at::text AS stamp
       FROM solutions x WHERE x.status = 'published' AND ${textWhere(sel)}`,
      textParams(sel),
    );
  }

  /** How many published solutions, and when the last of them changed (to tell whether corpus statistics are stale). */
  async publishedStamp(m?: EntityManager): Promise<{ n: number; stamp: string }> {
    const [row] = await this.q(m).query(
      `SELECT count(*)::int AS n, coalesce(max(updated_at)::text, '') AS stamp FROM solutions WHERE status = 'published'`,
    );
    return row;
  }
  /** The ids of the `limit` most recently published items (newest first). */
  async newestPublishedIds(limit: number, m?: EntityManager): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.q(m).query(
      `SELECT id FROM solutions WHERE status = 'published' ORDER BY published_at DESC NULLS LAST, id LIMIT $1`,
      [Math.floor(limit)],
    );
    return rows.map((r) => r.id);
  }

  /** The most recently published solutions of any of these fields. */
  async recentPublishedIds(fieldSlugs: string[], limit: number, m?: EntityManager): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.q(m).query(
      `SELECT id FROM solutions WHERE status = 'published' AND field_slugs && $1::text[] ORDER BY published_at DESC LIMIT $2`,
      [fieldSlugs, Math.floor(limit)],
    );
    return rows.map((r) => r.id);
  }
}
