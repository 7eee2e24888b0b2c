import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SearchOutbox } from '../../libs/search';
import { insertDemoHistory } from '../catalog/demo-history';
import { cleanText, normalizeTags } from '../catalog/text';
import { solutionWorkflow } from './solution.state';
import { SOLUTIONS_INDEX } from './solution.view';

export interface DemoSolutionRow {
  organizationId: string;
  title: string;
  summary: string;
  body: string;
  field: string;
  tags: string[];
  at: Date;
}

/** Demo solutions, published (bulk and idempotent: an organisation's solution of the same title is not inserted again). */
@Injectable()
export class SolutionsDemo {
  constructor(private readonly outbox: SearchOutbox) {}

  /** Inserts the published solutions in the caller's transaction, with their history (no actor), and queues them for search. */
  async insertPublished(m: EntityManager, rows: DemoSolutionRow[]): Promise<string[]> {
    const inserted: Array<{ id: string }> = await m.query(
      `INSERT INTO solutions (organization_id, title, summary, body, field_slugs, tags, status, published_at, created_at, updated_at)
       SELECT d.org, d.title, d.summary, d.body, ARRAY[d.field], string_to_array(d.tags, E'\\x1f'), 'published', d.at, d.at, d.at
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[]) AS d(org, title, summary, body, field, tags, at)
       WHERE NOT EXISTS (SELECT 1 FROM solutions x WHERE x.organization_id = d.org AND x.title = d.title)
       RETURNING id`,
      [
        rows.map((r) => r.organizationId),
        rows.map((r) => cleanText(r.title)),
        rows.map((r) => cleanText(r.summary)),
        rows.map((r) => cleanText(r.body)),
        rows.map((r) => r.field),
        rows.map((r) => normalizeTags(r.tags).join('\u001f')),
        rows.map((r) => r.at),
      ],
    );
    const ids = inserted.map((r) => r.id);
    await insertDemoHistory(m, solutionWorkflow.name, ids);
    await this.outbox.enqueue(m, SOLUTIONS_INDEX, ids);
    return ids;
  }
}
