/**
 * One Kyoso instance for the benchmark, in its own process (so its RSS is its own and the load generator does not
 * share its event loop). Started by bench.ts with `node -r @swc-node/register --expose-gc`; configured through the
 * environment like `npm start`; driven over the IPC channel (see BenchCommand).
 *
 * The corpus is loaded through the service layer: MembersService.apply/approve for the organisations,
 * IssuesService.create / SolutionsService.create (status "published") for the documents, so every row, workflow
 * history entry and search-outbox entry is the one the application itself writes.
 */
import 'reflect-metadata';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { SearchService } from '../../libs/search';
import { createApp } from '../../src/app.factory';
import type { Principal } from '../../src/auth/principal';
import { AuthService } from '../../src/auth/auth.service';
import { prepare } from '../../src/bootstrap';
import { IssuesSearchService } from '../../src/issues/issues.search';
import { IssuesService } from '../../src/issues/issues.service';
import { MembersService } from '../../src/members/members.service';
import { cleanOptional, cleanText, normalizeTags } from '../../src/catalog/text';
import { SolutionsService } from '../../src/solutions/solutions.service';
import { MUNICIPALITIES, providerOrg, synthIssue, synthSolution } from './corpus';
import type { BenchCommand, OrgRef, SetupResult } from './ipc';

const PASSWORD = 'bench-password-2026';

let app: NestExpressApplication;
let orgs: SetupResult | undefined;

function principalOf(o: OrgRef): Principal {
  return {
    userId: o.userId,
    email: o.email,
    displayName: o.name,
    organizationId: o.organizationId,
    organizationName: o.name,
    organizationKind: o.kind as Principal['organizationKind'],
    roles: ['member', 'org_admin'],
    via: 'token',
  };
}

async function createOrg(
  members: MembersService,
  db: DataSource,
  secretariat: Principal,
  seed: string,
  name: string,
  kind: string,
  email: string,
  municipalityCode?: string,
): Promise<OrgRef> {
  const existing: Array<{ id: string; organization_id: string }> = await db.query(
    'SELECT id, organization_id FROM users WHERE email = $1',
    [email],
  );
  if (existing[0])
    return { organizationId: existing[0].organization_id, userId: existing[0].id, email, password: PASSWORD, name, kind, municipalityCode };
  const applied = await members.apply({
    organization: { name, kind, ...(municipalityCode ? { municipalityCode } : {}) },
    contact: { name: `ベンチ担当 ${seed}`, email, password: PASSWORD },
    agreeToTerms: true,
  } as never);
  const { organizationId } = await members.approve(applied.id, secretariat);
  const [u] = await db.query('SELECT id FROM users WHERE email = $1', [email]);
  return { organizationId, userId: u.id, email, password: PASSWORD, name, kind, municipalityCode };
}

async function setup(args: { seed: string; providers: number }): Promise<SetupResult> {
  const db = app.get(DataSource);
  const members = app.get(MembersService);
  const [sec] = await db.query(`SELECT id, email FROM users WHERE 'secretariat' = ANY(roles) ORDER BY created_at LIMIT 1`);
  if (!sec) throw new Error('no secretariat account (SECRETARIAT_EMAIL/SECRETARIAT_PASSWORD)');
  const secretariat: Principal = {
    userId: sec.id,
    email: sec.email,
    displayName: '事務局',
    organizationId: null,
    organizationName: null,
    organizationKind: null,
    roles: ['secretariat'],
    via: 'token',
  };
  const municipalities: OrgRef[] = [];
  // argon2 hashing dominates: a few at a time
  await inBatches(
    MUNICIPALITIES.map((m, i) => ({ m, i })),
    4,
    async ({ m, i }) => {
      municipalities[i] = await createOrg(
        members,
        db,
        secretariat,
        args.seed,
        `${m.name}（ベンチ）`,
        'municipality',
        `bench-muni-${m.code}@bench.example.jp`,
        m.code,
      );
    },
  );
  const providers: OrgRef[] = [];
  await inBatches([...Array(args.providers).keys()], 4, async (n) => {
    const p = providerOrg(args.seed, n);
    providers[n] = await createOrg(members, db, secretariat, args.seed, p.name, p.kind, `bench-provider-${n}@bench.example.jp`);
  });
  const token = (await app.get(AuthService).issueToken(municipalities[0].userId)).token;
  orgs = { municipalities, providers, token };
  return orgs;
}

async function inBatches<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Creates published documents [from, to) of a kind through the service layer; answers the elapsed time. */
async function load(args: {
  kind: 'issues' | 'solutions';
  seed: string;
  from: number;
  to: number;
  concurrency: number;
}): Promise<{ ms: number; created: number }> {
  if (!orgs) throw new Error('setup first');
  const o = orgs;
  const t0 = performance.now();
  const idx = Array.from({ length: args.to - args.from }, (_, k) => args.from + k);
  if (args.kind === 'issues') {
    const issues = app.get(IssuesService);
    await inBatches(idx, args.concurrency, async (i) => {
      const d = synthIssue(args.seed, i);
      await issues.create(principalOf(o.municipalities[d.municipality]), {
        title: d.title,
        body: d.body,
        fieldSlugs: d.fieldSlugs,
        tags: d.tags,
        budgetStatus: d.budgetStatus,
        status: 'published',
      } as never);
    });
  } else {
    const solutions = app.get(SolutionsService);
    await inBatches(idx, args.concurrency, async (i) => {
      const d = synthSolution(args.seed, i, o.providers.length);
      await solutions.create(principalOf(o.providers[d.provider]), {
        title: d.title,
        summary: d.summary,
        body: d.body,
        fieldSlugs: d.fieldSlugs,
        tags: d.tags,
        trackRecord: d.trackRecord,
        priceRange: d.priceRange,
        status: 'published',
      } as never);
    });
  }
  return { ms: performance.now() - t0, created: idx.length };
}

/**
 * The documented bulk path (for corpora too large for one-by-one creation in the time budget): the same rows the
 * services write — the issue/solution row (text cleaned and tags normalised by the same functions), its two workflow
 * history entries (null → draft → published) and its search-outbox entry — 1,000 documents per transaction. The
 * outbox drainer then indexes them exactly as it indexes service writes. `verifyBulk` checks the equivalence.
 */
async function bulk(args: {
  kind: 'issues' | 'solutions';
  seed: string;
  from: number;
  to: number;
}): Promise<{ ms: number; created: number }> {
  if (!orgs) throw new Error('setup first');
  const db = app.get(DataSource);
  const t0 = performance.now();
  for (let start = args.from; start < args.to; start += 1000) {
    const end = Math.min(args.to, start + 1000);
    const rows: Record<string, unknown>[] = [];
    for (let i = start; i < end; i++) {
      if (args.kind === 'issues') {
        const d = synthIssue(args.seed, i);
        const o = orgs.municipalities[d.municipality];
        rows.push({
          organization_id: o.organizationId,
          municipality_code: o.municipalityCode,
          title: cleanText(d.title),
          body: cleanText(d.body),
          field_slugs: [...new Set(d.fieldSlugs)],
          tags: normalizeTags(d.tags),
          budget_status: d.budgetStatus,
          created_by: o.userId,
        });
      } else {
        const d = synthSolution(args.seed, i, orgs.providers.length);
        const o = orgs.providers[d.provider];
        rows.push({
          organization_id: o.organizationId,
          title: cleanText(d.title),
          summary: cleanText(d.summary),
          body: cleanText(d.body),
          field_slugs: [...new Set(d.fieldSlugs)],
          tags: normalizeTags(d.tags),
          track_record: cleanOptional(d.trackRecord),
          price_range: cleanOptional(d.priceRange),
          created_by: o.userId,
        });
      }
    }
    const insert =
      args.kind === 'issues'
        ? `INSERT INTO issues (organization_id, municipality_code, title, body, field_slugs, tags, budget_status, status, published_at, created_by)
           SELECT organization_id, municipality_code, title, body, field_slugs, tags, budget_status, 'published', now(), created_by
           FROM jsonb_to_recordset($1::jsonb) AS x(organization_id uuid, municipality_code varchar, title varchar, body text, field_slugs text[], tags text[], budget_status varchar, created_by uuid)
           RETURNING id, created_by`
        : `INSERT INTO solutions (organization_id, title, summary, body, field_slugs, tags, track_record, price_range, status, published_at, created_by)
           SELECT organization_id, title, summary, body, field_slugs, tags, track_record, price_range, 'published', now(), created_by
           FROM jsonb_to_recordset($1::jsonb) AS x(organization_id uuid, title varchar, summary varchar, body text, field_slugs text[], tags text[], track_record text, price_range text, created_by uuid)
           RETURNING id, created_by`;
    const workflow = args.kind === 'issues' ? 'issue' : 'solution';
    await db.transaction(async (m) => {
      await m.query(
        `WITH ins AS (${insert}),
              wf AS (INSERT INTO workflow_history (workflow, subject_id, from_state, to_state, actor_id)
                     SELECT $2, ins.id, s.f, s.t, ins.created_by FROM ins, (VALUES (NULL::varchar, 'draft'::varchar, 1), ('draft', 'published', 2)) AS s(f, t, o)
                     ORDER BY ins.id, s.o)
         INSERT INTO search_outbox (index_name, document_id) SELECT $3, id::text FROM ins`,
        [JSON.stringify(rows), workflow, args.kind],
      );
    });
  }
  return { ms: performance.now() - t0, created: args.to - args.from };
}

/**
 * One document created through the service and one through the bulk path must be the same kind of row: the same
 * columns filled, the same workflow history, one outbox entry each, and index documents with the same keys and types.
 */
async function verifyBulk(args: {
  kind: 'issues' | 'solutions';
  serviceIndex: number;
  bulkIndex: number;
  seed: string;
}): Promise<{ equivalent: boolean; differences: string[] }> {
  const db = app.get(DataSource);
  const table = args.kind;
  const workflow = args.kind === 'issues' ? 'issue' : 'solution';
  const [a, b]: Array<Record<string, unknown>> = await db.query(
    `(SELECT * FROM ${table} ORDER BY created_at, id OFFSET $1 LIMIT 1) UNION ALL (SELECT * FROM ${table} ORDER BY created_at, id OFFSET $2 LIMIT 1)`,
    [args.serviceIndex, args.bulkIndex],
  );
  const differences: string[] = [];
  if (!a || !b) return { equivalent: false, differences: ['rows missing'] };
  const optional = new Set(['budget_status', 'track_record', 'price_range']); // null or not, as the synthetic item says
  for (const k of Object.keys(a)) {
    if (optional.has(k)) continue;
    if ((a[k] === null) !== (b[k] === null))
      differences.push(`${table}.${k}: ${a[k] === null ? 'null' : 'set'} vs ${b[k] === null ? 'null' : 'set'}`);
  }
  const history = async (id: unknown) =>
    (
      await db.query(
        `SELECT from_state, to_state, actor_id IS NOT NULL AS actor FROM workflow_history WHERE workflow = $1 AND subject_id = $2 ORDER BY id`,
        [workflow, id],
      )
    )
      .map((r: any) => `${r.from_state}→${r.to_state}${r.actor ? '' : ' (no actor)'}`)
      .join(', ');
  const [ha, hb] = [await history(a.id), await history(b.id)];
  if (ha !== hb) differences.push(`history: ${ha} vs ${hb}`);
  const def = app.get(SearchService).definition(args.kind)!;
  const docs = await def.load([String(a.id), String(b.id)]);
  const [da, dbDoc] = [docs.get(String(a.id)) as Record<string, unknown> | null, docs.get(String(b.id)) as Record<string, unknown> | null];
  if (!da || !dbDoc) differences.push('index document missing');
  else {
    const keys = (d: Record<string, unknown>) => Object.keys(d).sort().join(',');
    if (keys(da) !== keys(dbDoc)) differences.push(`index document keys: ${keys(da)} vs ${keys(dbDoc)}`);
    for (const k of Object.keys(da)) {
      const type = (v: unknown) => (Array.isArray(v) ? 'array' : typeof v);
      if (da[k] !== null && dbDoc[k] !== null && type(da[k]) !== type(dbDoc[k]))
        differences.push(`index document ${k}: ${type(da[k])} vs ${type(dbDoc[k])}`);
    }
  }
  return { equivalent: differences.length === 0, differences };
}

/** The exact Meilisearch requests the issue search sends for each query of the mix (recorded, not sent twice). */
async function captureMeili(args: { queries: Array<Record<string, string>> }): Promise<Array<{ path: string; body: unknown }>> {
  if (!orgs) throw new Error('setup first');
  const search = app.get(SearchService);
  const issues = app.get(IssuesSearchService);
  const meili = search.meili as unknown as { request: (...a: unknown[]) => Promise<unknown> };
  const original = meili.request.bind(meili);
  const out: Array<{ path: string; body: unknown }> = [];
  // only the requests made on behalf of the search below (background work may search meanwhile)
  const als = new AsyncLocalStorage<Array<{ path: string; body: unknown }>>();
  meili.request = async (method: unknown, path: unknown, body?: unknown, timeout?: unknown) => {
    const recording = als.getStore();
    if (recording && method === 'POST' && (path === 'multi-search' || String(path).endsWith('/search')))
      recording.push({ path: String(path), body });
    return original(method, path, body, timeout);
  };
  try {
    for (const q of args.queries) {
      const recording: Array<{ path: string; body: unknown }> = [];
      await als.run(recording, () =>
        issues.searchIssues(
          {
            q: q.q || undefined,
            field: q.field ? [q.field] : undefined,
            municipality: q.municipality ? [q.municipality] : undefined,
            page: 1,
            perPage: 20,
          } as never,
          principalOf(orgs!.municipalities[0]),
          'ja',
        ),
      );
      if (recording.length !== 1) throw new Error(`expected one Meilisearch request per issue search, saw ${recording.length}`);
      out.push(recording[0]);
    }
  } finally {
    meili.request = original;
  }
  return out;
}

async function reindex(args: { index: string }): Promise<{ ms: number; documents: number }> {
  const search = app.get(SearchService);
  const def = search.definition(args.index);
  if (!def) throw new Error(`no index ${args.index}`);
  let documents = 0;
  const t0 = performance.now();
  await search.reindexOne(def, (m) => {
    const n = /: (\d+) documents/.exec(m);
    if (n) documents = Number(n[1]);
  });
  return { ms: performance.now() - t0, documents };
}

function rss(args: { gc?: boolean }): { rss: number; heapUsed: number; external: number } {
  if (args.gc && typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}

const handlers: Record<string, (args: any) => unknown> = {
  setup,
  load,
  bulk,
  verifyBulk,
  flush: (args: { timeoutMs: number }) => app.get(SearchService).flush(args.timeoutMs),
  pending: () => app.get(SearchService).pending(),
  /** Jobs due or running (e.g. the alerts job each publication enqueues, which runs a matching). */
  async jobsPending(): Promise<number> {
    const [{ n }] = await app
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM pgboss.job WHERE state IN ('created', 'retry', 'active') AND start_after <= now()`);
    return n;
  },
  captureMeili,
  reindex,
  rss,
  async stop() {
    await app.close();
    setImmediate(() => process.exit(0));
  },
};

async function main(): Promise<void> {
  if (!process.send) throw new Error('app-process.ts is started by test/bench/bench.ts over IPC');
  const { config } = await prepare(process.env, {}, () => undefined);
  app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  process.on('message', (msg: BenchCommand) => {
    const fn = handlers[msg.cmd];
    Promise.resolve()
      .then(() => {
        if (!fn) throw new Error(`unknown command ${msg.cmd}`);
        return fn(msg.args ?? {});
      })
      .then(
        (result) => process.send!({ id: msg.id, ok: true, result }),
        (e: Error) => process.send!({ id: msg.id, ok: false, error: e?.stack ?? String(e) }),
      );
  });
  process.send({ ready: true, url: `http://127.0.0.1:${port}`, pid: process.pid });
}

// the parent going away ends this instance too
process.on('disconnect', () => process.exit(0));

main().catch((e) => {
  console.error('[bench app] failed to start:', e);
  process.exit(1);
});
