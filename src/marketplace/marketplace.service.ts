import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SearchOutbox, SearchService } from '../../libs/search';
import { DemoContext, DemoService } from '../demo/demo.service';
import { ISSUES_INDEX } from '../issues/issues.service';
import { SOLUTIONS_INDEX } from '../solutions/solutions.service';
import demo from './demo/marketplace-demo.json';
import { cleanText, normalizeTags } from './text';

export interface Suggestion {
  type: 'issue' | 'solution';
  id: string;
  title: string;
  url: string;
}

interface DemoIssue {
  key: string;
  municipality: string;
  field: string;
  title: string;
  body: string;
  tags: string[];
}
interface DemoSolution {
  key: string;
  organization: string;
  field: string;
  title: string;
  summary: string;
  body: string;
  tags: string[];
}

/** What spans issues and solutions: search-as-you-type suggestions and the demo content. */
@Injectable()
export class MarketplaceService implements OnModuleInit {
  private readonly log = new Logger(MarketplaceService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly search: SearchService,
    private readonly outbox: SearchOutbox,
    private readonly demo: DemoService,
  ) {}

  onModuleInit(): void {
    this.demo.register({ name: 'marketplace: issues and solutions', order: 30, run: (ctx) => this.seedDemo(ctx) });
  }

  /** Up to 8 titles of published issues and solutions (search-as-you-type). Search being down → no suggestions. */
  async suggest(q: string | undefined): Promise<{ items: Suggestion[] }> {
    const text = cleanText(q ?? '').replace(/[\u0001\u0002]/g, '');
    if (!text) return { items: [] };
    try {
      const res = await this.search.multiSearch<{ id: string; title: string }>(
        [
          {
            index: ISSUES_INDEX,
            q: text,
            filter: 'status = "published"',
            attributesToRetrieve: ['id', 'title'],
            attributesToSearchOn: ['title', 'tags'],
          },
          {
            index: SOLUTIONS_INDEX,
            q: text,
            filter: 'status = "published"',
            attributesToRetrieve: ['id', 'title'],
            attributesToSearchOn: ['title', 'tags'],
          },
        ],
        { federation: { limit: 8 } },
      );
      return {
        items: res.hits.map((h) => {
          const type = h._federation?.indexUid === SOLUTIONS_INDEX ? 'solution' : 'issue';
          return { type, id: h.id, title: h.title, url: `/${type === 'issue' ? 'issues' : 'solutions'}/${h.id}` };
        }),
      };
    } catch (e) {
      this.log.warn(`suggest failed: ${(e as Error).message}`);
      return { items: [] };
    }
  }

  /** The development fixture's issues and solutions as published demo content (idempotent, bulk). */
  async seedDemo(_ctx: DemoContext): Promise<void> {
    const issues = demo.issues as DemoIssue[];
    const solutions = demo.solutions as DemoSolution[];
    await this.db.transaction(async (m) => {
      // municipality organisations (one per municipality code), created when missing
      const munis: Array<{ code: string; name: string }> = await m.query('SELECT code, name FROM municipalities');
      const codeOf = new Map(munis.map((x) => [x.name, x.code]));
      const neededCodes = [...new Set(issues.map((i) => codeOf.get(i.municipality)).filter((c): c is string => !!c))];
      await m.query(
        `INSERT INTO organizations (name, kind, municipality_code)
         SELECT mu.name, 'municipality', mu.code FROM municipalities mu
         WHERE mu.code = ANY($1::varchar[])
           AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.kind = 'municipality' AND o.municipality_code = mu.code)`,
        [neededCodes],
      );
      const muniOrgs: Array<{ id: string; municipality_code: string }> = await m.query(
        `SELECT id, municipality_code FROM organizations WHERE kind = 'municipality' AND municipality_code = ANY($1::varchar[])`,
        [neededCodes],
      );
      const orgOfCode = new Map(muniOrgs.map((o) => [o.municipality_code, o.id]));

      // solution providers by name (corporations, or universities by their name)
      const names = [...new Set(solutions.map((s) => s.organization))];
      const kinds = names.map((n) =>
        /大学/.test(n) ? 'university' : /研究所$|研究機構/.test(n) && !/株式会社/.test(n) ? 'research_institute' : 'corporation',
      );
      await m.query(
        `INSERT INTO organizations (name, kind)
         SELECT n.name, n.kind FROM unnest($1::text[], $2::text[]) AS n(name, kind)
         WHERE NOT EXISTS (SELECT 1 FROM organizations o WHERE o.name = n.name AND o.kind <> 'municipality')`,
        [names, kinds],
      );
      const provs: Array<{ id: string; name: string }> = await m.query(
        `SELECT DISTINCT ON (name) id, name FROM organizations WHERE name = ANY($1::text[]) AND kind <> 'municipality' ORDER BY name, created_at`,
        [names],
      );
      const orgOfName = new Map(provs.map((o) => [o.name, o.id]));

      // published over the last months, newest first in fixture order
      const day = 86_400_000;
      const now = Date.now();
      const issueRows = issues
        .map((i, n) => ({
          i,
          org: orgOfCode.get(codeOf.get(i.municipality) ?? ''),
          code: codeOf.get(i.municipality),
          at: new Date(now - (n + 1) * 2.5 * day),
        }))
        .filter((r) => r.org && r.code);
      const insertedIssues: Array<{ id: string }> = await m.query(
        `INSERT INTO issues (organization_id, municipality_code, title, body, field_slugs, tags, status, published_at, created_at, updated_at)
         SELECT d.org, d.code, d.title, d.body, ARRAY[d.field], string_to_array(d.tags, E'\\x1f'), 'published', d.at, d.at, d.at
         FROM unnest($1::uuid[], $2::varchar[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[]) AS d(org, code, title, body, field, tags, at)
         WHERE NOT EXISTS (SELECT 1 FROM issues x WHERE x.organization_id = d.org AND x.title = d.title)
         RETURNING id`,
        [
          issueRows.map((r) => r.org),
          issueRows.map((r) => r.code),
          issueRows.map((r) => cleanText(r.i.title)),
          issueRows.map((r) => cleanText(r.i.body)),
          issueRows.map((r) => r.i.field),
          issueRows.map((r) => normalizeTags(r.i.tags).join('\u001f')),
          issueRows.map((r) => r.at),
        ],
      );
      const solRows = solutions
        .map((s, n) => ({ s, org: orgOfName.get(s.organization), at: new Date(now - (n + 1) * 1.5 * day) }))
        .filter((r) => r.org);
      const insertedSolutions: Array<{ id: string }> = await m.query(
        `INSERT INTO solutions (organization_id, title, summary, body, field_slugs, tags, status, published_at, created_at, updated_at)
         SELECT d.org, d.title, d.summary, d.body, ARRAY[d.field], string_to_array(d.tags, E'\\x1f'), 'published', d.at, d.at, d.at
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[]) AS d(org, title, summary, body, field, tags, at)
         WHERE NOT EXISTS (SELECT 1 FROM solutions x WHERE x.organization_id = d.org AND x.title = d.title)
         RETURNING id`,
        [
          solRows.map((r) => r.org),
          solRows.map((r) => cleanText(r.s.title)),
          solRows.map((r) => cleanText(r.s.summary)),
          solRows.map((r) => cleanText(r.s.body)),
          solRows.map((r) => r.s.field),
          solRows.map((r) => normalizeTags(r.s.tags).join('\u001f')),
          solRows.map((r) => r.at),
        ],
      );
      // workflow history: created and published (no actor: demo content)
      const history = async (workflow: string, ids: string[]) =>
        m.query(
          `INSERT INTO workflow_history (workflow, subject_id, from_state, to_state, actor_id, comment)
           SELECT $1, id, s.from_state, s.to_state, NULL, 'demo' FROM unnest($2::uuid[]) AS id
           CROSS JOIN (VALUES (NULL::varchar, 'draft'::varchar), ('draft', 'published')) AS s(from_state, to_state)`,
          [workflow, ids],
        );
      await history(
        'issue',
        insertedIssues.map((r) => r.id),
      );
      await history(
        'solution',
        insertedSolutions.map((r) => r.id),
      );
      await this.outbox.enqueue(
        m,
        ISSUES_INDEX,
        insertedIssues.map((r) => r.id),
      );
      await this.outbox.enqueue(
        m,
        SOLUTIONS_INDEX,
        insertedSolutions.map((r) => r.id),
      );
      this.log.log(`demo: ${insertedIssues.length} issues, ${insertedSolutions.length} solutions`);
    });
  }
}
