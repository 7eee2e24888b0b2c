/**
 * `npm run soak [-- --duration 60 --connections 100]`
 *
 * Starts a fresh Kyoso on its own embedded PostgreSQL and Meilisearch (temporary data dir), signs up
 * municipalities and companies, then lets `connections` concurrent autocannon clients on loopback run a
 * mix of reads and writes for `duration` seconds. Afterwards it waits for the search outbox to drain and
 * checks that every ACKNOWLEDGED write (201 with an id) is in PostgreSQL and in the search index.
 * Exit code 0 only with zero 5xx, zero connection errors and nothing lost.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { SearchService } from '../../libs/search';
import { startServices } from '../../libs/runtime';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../libs/config/app-config';

// autocannon ships no types; the benchmark's ambient declaration covers less than we use here

const autocannon: (opts: Record<string, unknown>) => any = require('autocannon');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

const SECRETARIAT = { email: 'soak-secretariat@example.jp', password: 'soak-secretariat-2026' };
const FIELDS = ['health', 'elderly', 'childcare', 'mobility', 'tourism', 'manufacturing', 'safety', 'govtech', 'environment'];
const WORDS = ['空き家', '通院', 'オンデマンド交通', '子育て', '観光', '防災', '見守り', 'ドローン', '脱炭素', '窓口'];

interface Persona {
  token: string;
}

async function main(): Promise<void> {
  const duration = arg('duration', 60);
  const connections = arg('connections', 100);
  const keep = process.argv.includes('--keep');
  const log = (m: string) => process.stdout.write(`[soak] ${m}\n`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-soak-'));
  log(`fresh instance in ${dataDir}`);
  const services = await startServices({ dataDir, log: () => undefined });
  const config = loadConfig(
    {},
    {
      databaseUrl: services.databaseUrl,
      meiliUrl: services.meiliUrl,
      meiliMasterKey: services.meiliKey,
      dataDir,
      sessionSecret: randomBytes(32).toString('hex'),
      secretariatEmail: SECRETARIAT.email,
      secretariatPassword: SECRETARIAT.password,
      seedDemo: false,
      nodeEnv: 'production',
      logLevel: process.env.LOG_LEVEL ?? 'fatal',
    },
  );
  const app = await createApp(config);
  let exitCode: number;
  try {
    await app.listen(0, '127.0.0.1');
    // requests the server is still working on (autocannon stops waiting at the end, the server does not)
    let inFlight = 0;
    app.getHttpServer().on('request', (_req: unknown, res: import('node:http').ServerResponse) => {
      inFlight++;
      res.once('close', () => inFlight--);
    });
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    config.publicUrl = url;
    const api = async (method: string, p: string, body?: unknown, token?: string) => {
      const res = await fetch(url + p, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
      return text ? JSON.parse(text) : undefined;
    };
    const signIn = async (email: string, password: string) =>
      (await api('POST', '/api/v1/auth/tokens', { email, password })).token as string;

    // ---- members: municipalities post issues, companies post solutions
    const sec = await signIn(SECRETARIAT.email, SECRETARIAT.password);
    const municipalities: { code: string; name: string }[] = (await api('GET', '/api/v1/municipalities')).slice(0, 10);
    const join = async (kind: string, name: string, municipalityCode?: string): Promise<Persona> => {
      const id = randomBytes(4).toString('hex');
      const email = `soak-${id}@example.jp`;
      const password = `soak-${id}-password`;
      const applied = await api('POST', '/api/v1/membership-applications', {
        organization: { name, kind, ...(municipalityCode ? { municipalityCode } : {}) },
        contact: { name: `担当 ${id}`, email, password },
        agreeToTerms: true,
      });
      await api('POST', `/api/v1/membership-applications/${applied.id}/approve`, undefined, sec);
      return { token: await signIn(email, password) };
    };
    const munis: Persona[] = [];
    for (const m of municipalities) munis.push(await join('municipality', m.name, m.code));
    const companies: Persona[] = [];
    for (let i = 0; i < 10; i++) companies.push(await join('corporation', `株式会社ソーク${i + 1}`));
    const seededIssues: string[] = [];
    for (const [i, m] of munis.entries()) {
      const issue = await api(
        'POST',
        '/api/v1/issues',
        {
          title: `${WORDS[i]}の課題を解決したい`,
          body: `${WORDS[i]}について、民間の知恵を借りたいと考えています。`,
          fieldSlugs: [FIELDS[i % FIELDS.length]],
          status: 'published',
        },
        m.token,
      );
      seededIssues.push(issue.id);
    }
    await app.get(SearchService).flush(60_000);
    log(
      `${munis.length} municipalities, ${companies.length} companies, ${seededIssues.length} issues; ${connections} clients for ${duration} s`,
    );

    // ---- the load
    const acked = { issues: [] as string[], solutions: [] as string[] };
    const statuses = new Map<number, number>();
    let seq = 0;
    let clients = 0;
    const persona = (ctx: any) => {
      if (ctx.n === undefined) ctx.n = clients++;
      return { muni: munis[ctx.n % munis.length], company: companies[ctx.n % companies.length] };
    };
    const json = { 'content-type': 'application/json' };
    const instance = autocannon({
      url,
      connections,
      duration,
      timeout: 30,
      requests: [
        {
          method: 'GET',
          setupRequest: (req: any, ctx: any) => ({
            ...req,
            path: `/api/v1/issues?q=${encodeURIComponent(WORDS[seq++ % WORDS.length])}&perPage=20`,
            headers: { authorization: `Bearer ${persona(ctx).company.token}` },
          }),
        },
        {
          method: 'POST',
          setupRequest: (req: any, ctx: any) => {
            const n = ++seq;
            return {
              ...req,
              path: '/api/v1/issues',
              headers: { ...json, authorization: `Bearer ${persona(ctx).muni.token}` },
              body: JSON.stringify({
                title: `負荷試験の課題 ${n} ${WORDS[n % WORDS.length]}`,
                body: `${WORDS[n % WORDS.length]}に関する課題の本文です（${n}）。`,
                fieldSlugs: [FIELDS[n % FIELDS.length]],
                status: 'published',
              }),
            };
          },
          onResponse: (status: number, body: string) => {
            if (status === 201) acked.issues.push(JSON.parse(body).id);
          },
        },
        { method: 'GET', path: '/' },
        {
          method: 'GET',
          setupRequest: (req: any, ctx: any) => ({
            ...req,
            path: `/api/v1/solutions?perPage=10&page=${(seq++ % 3) + 1}`,
            headers: { authorization: `Bearer ${persona(ctx).muni.token}` },
          }),
        },
        {
          method: 'POST',
          setupRequest: (req: any, ctx: any) => {
            const n = ++seq;
            return {
              ...req,
              path: '/api/v1/solutions',
              headers: { ...json, authorization: `Bearer ${persona(ctx).company.token}` },
              body: JSON.stringify({
                title: `負荷試験のソリューション ${n}`,
                summary: `${WORDS[n % WORDS.length]}を支援します。`,
                body: `${WORDS[n % WORDS.length]}のためのサービスです（${n}）。`,
                fieldSlugs: [FIELDS[n % FIELDS.length]],
                status: 'published',
              }),
            };
          },
          onResponse: (status: number, body: string) => {
            if (status === 201) acked.solutions.push(JSON.parse(body).id);
          },
        },
        {
          method: 'GET',
          setupRequest: (req: any, ctx: any) => ({
            ...req,
            path: `/api/v1/issues/${seededIssues[seq++ % seededIssues.length]}`,
            headers: { authorization: `Bearer ${persona(ctx).company.token}` },
          }),
        },
        { method: 'GET', path: '/events' },
        { method: 'GET', path: '/health' },
      ],
    });
    instance.on('response', (_c: unknown, status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1));
    const result = await instance;

    // ---- afterwards: every acknowledged write is in PostgreSQL and in the search index
    const pool = (app.get(DataSource).driver as unknown as { master: { waitingCount: number; totalCount: number; idleCount: number } })
      .master;
    for (const until = Date.now() + 120_000; (inFlight > 0 || pool.waitingCount > 0) && Date.now() < until;)
      await new Promise((r) => setTimeout(r, 100));
    log(`load done; server idle after the run (pool ${pool.totalCount - pool.idleCount}/${pool.totalCount} busy)`);
    const t0 = Date.now();
    const search = app.get(SearchService);
    await search.flush(300_000);
    const flushSeconds = (Date.now() - t0) / 1000;
    const db = app.get(DataSource);
    const inDb = async (table: string, ids: string[]) =>
      Number((await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE id = ANY($1::uuid[])`, [ids]))[0].n);
    const inIndex = async (index: string, ids: string[]) => {
      let found = 0;
      for (let i = 0; i < ids.length; i += 1000) {
        const chunk = ids.slice(i, i + 1000);
        const res = await fetch(`${services.meiliUrl}/indexes/${search.uid(index)}/documents/fetch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${services.meiliKey}` },
          body: JSON.stringify({ ids: chunk, fields: ['id'], limit: chunk.length }),
        });
        if (!res.ok) throw new Error(`meilisearch documents/fetch: ${res.status} ${await res.text()}`);
        found += ((await res.json()) as { results: unknown[] }).results.length;
      }
      return found;
    };
    const stats = async (index: string) => {
      const res = await fetch(`${services.meiliUrl}/indexes/${search.uid(index)}/stats`, {
        headers: { authorization: `Bearer ${services.meiliKey}` },
      });
      return ((await res.json()) as { numberOfDocuments: number }).numberOfDocuments;
    };
    const published = async (table: string) =>
      Number((await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE status = 'published'`))[0].n);
    // writes still in flight when the clients stopped listening were committed without anyone reading the 201
    const writes = {
      issues: {
        acknowledged: acked.issues.length,
        inPostgres: await inDb('issues', acked.issues),
        inSearch: await inIndex('issues', acked.issues),
        publishedInPostgres: await published('issues'),
        documentsInIndex: await stats('issues'),
      },
      solutions: {
        acknowledged: acked.solutions.length,
        inPostgres: await inDb('solutions', acked.solutions),
        inSearch: await inIndex('solutions', acked.solutions),
        publishedInPostgres: await published('solutions'),
        documentsInIndex: await stats('solutions'),
      },
    };
    const count = (f: (s: number) => boolean) => [...statuses].filter(([s]) => f(s)).reduce((a, [, n]) => a + n, 0);
    const report = {
      duration: result.duration,
      connections,
      requests: result.requests.total,
      requestsPerSecond: Math.round(result.requests.average),
      latencyMs: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99, max: result.latency.max },
      statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
      non2xx: result.non2xx,
      status5xx: count((s) => s >= 500),
      connectionErrors: result.errors,
      timeouts: result.timeouts,
      searchCaughtUpSeconds: flushSeconds,
      writes,
      committedWhileClientsStopped: {
        issues: writes.issues.publishedInPostgres - writes.issues.acknowledged - seededIssues.length,
        solutions: writes.solutions.publishedInPostgres - writes.solutions.acknowledged,
      },
    };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    const lost = Object.values(writes).some(
      (w) => w.inPostgres !== w.acknowledged || w.inSearch !== w.acknowledged || w.documentsInIndex !== w.publishedInPostgres,
    );
    log(
      `${report.requests} requests (${report.requestsPerSecond}/s), non-2xx ${report.non2xx}, 5xx ${report.status5xx}, errors ${report.connectionErrors}, timeouts ${report.timeouts}; ` +
        `writes acknowledged/in PostgreSQL/in search: issues ${writes.issues.acknowledged}/${writes.issues.inPostgres}/${writes.issues.inSearch}, ` +
        `solutions ${writes.solutions.acknowledged}/${writes.solutions.inPostgres}/${writes.solutions.inSearch}`,
    );
    exitCode = report.status5xx === 0 && report.connectionErrors === 0 && report.timeouts === 0 && !lost ? 0 : 1;
    log(exitCode === 0 ? 'PASS: zero 5xx, nothing lost' : 'FAIL');
  } finally {
    await app.close().catch((e) => console.error(e));
    await services.stop().catch((e) => console.error(e));
    if (!keep) fs.rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(exitCode);
}

main().catch((e) => {
  console.error('[soak] failed:', e);
  process.exit(1);
});
