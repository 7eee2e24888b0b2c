import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

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

const ids = (list: Iterable<string | null | undefined>) => [...new Set([...list].filter((x): x is string => !!x))];

@Injectable()
export class SolutionsDirectory {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private q(m?: EntityManager) {
    return m ?? this.db.manager;
  }

  async solutions(idList: Iterable<string | null | undefined>, m?: EntityManager): Promise<Map<string, SolutionRef>> {
    const list = ids(idList);
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
}
