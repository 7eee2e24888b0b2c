import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SearchOutbox } from '../../libs/search';
import { insertDemoHistory } from '../catalog/demo-history';
import { cleanText, normalizeTags } from '../catalog/text';
import { issueWorkflow } from './issue.state';
import { ISSUES_INDEX } from './issue.view';

export interface DemoIssueRow {
  organizationId: string;
  municipalityCode: string;
  title: string;
  body: string;
  field: string;
  tags: string[];
  at: Date;
}

/** Demo issues, published (bulk and idempotent: an organisation's issue of the same title is not inserted again). */
@Injectable()
export class IssuesDemo {
  constructor(private readonly outbox: SearchOutbox) {}

  /** Inserts the published issues in the caller's transaction, with their history (no actor), and queues them for search. */
  async insertPublished(m: EntityManager, rows: DemoIssueRow[]): Promise<string[]> {
    const inserted: Array<{ id: string }> = await m.query(
      `INSERT INTO issues (organization_id, municipality_code, title, body, field_slugs, tags, status, published_at, created_at, updated_at)
       SELECT d.org, d.code, d.title, d.body, ARRAY[d.field], string_to_array(d.tags, E'\\x1f'), 'published', d.at, d.at, d.at
       FROM unnest($1::uuid[], $2::varchar[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[]) AS d(org, code, title, body, field, tags, at)
       WHERE NOT EXISTS (SELECT 1 FROM issues x WHERE x.organization_id = d.org AND x.title = d.title)
       RETURNING id`,
      [
        rows.map((r) => r.organizationId),
        rows.map((r) => r.municipalityCode),
        rows.map((r) => cleanText(r.title)),
        rows.map((r) => cleanText(r.body)),
        rows.map((r) => r.field),
        rows.map((r) => normalizeTags(r.tags).join('\u001f')),
        rows.map((r) => r.at),
      ],
    );
    const ids = inserted.map((r) => r.id);
    await insertDemoHistory(m, issueWorkflow.name, ids);
    await this.outbox.enqueue(m, ISSUES_INDEX, ids);
    return ids;
  }
}
