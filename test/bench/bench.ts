/**
 * `npm run bench`: Kyoso beside the engines underneath it (see README-performance.md).
 *
 * One run: start PostgreSQL + Meilisearch (embedded under a temp DATA_DIR, or DATABASE_URL/MEILI_URL), start the app
 * in a child process, load a deterministic synthetic corpus through the service layer, wait for the search index, then
 * measure search (API vs raw Meilisearch vs ILIKE), matches, the rendered results page (vs a bare Node http server),
 * publish → searchable lag under writes, full reindex (vs adding to Meilisearch directly) and the app's RSS at the
 * scale and at twice the scale. Writes bench-report.json and bench-report.md under DATA_DIR.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pool } from 'pg';
import { MeiliHttp } from '../../libs/search/meili-http';
import { ensureDatabase, dropDatabase, withDatabase } from '../../libs/runtime';
import { prepare } from '../../src/bootstrap';
import { buildForBench } from './build';
import { synthIssue } from './corpus';
import { CpuMeter, CpuSample } from './cpu';
import { AppProcess, SetupResult } from './ipc';
import { hammer, Latency, LoadRequest, percentile, summarize } from './load';
import { QUERY_MIX } from './vocab';

export interface BenchOptions {
  /** issues = solutions = scale (default 50,000) */
  scale: number;
  /** seconds per load measurement (default 10; --quick 3) */
  seconds?: number;
  /** seconds of writes for the publish → searchable lag (default 30; --quick 5) */
  lagSeconds?: number;
  /** also load a second corpus of the same size and measure RSS at twice the scale (default true) */
  doubleScale?: boolean;
  /** documents of each kind created one by one through IssuesService/SolutionsService.create (default 200; the rest by the bulk path) */
  serviceDocs?: number;
  /** number of provider organisations (default 60) */
  providers?: number;
  seed?: string;
  /** where the report (and embedded services) go; default a new temp dir */
  dataDir?: string;
  /** keep the embedded PostgreSQL/Meilisearch data and the bench database (default false) */
  keep?: boolean;
  /** use this PostgreSQL server (a fresh database is created on it and dropped afterwards); default DATABASE_URL, else embedded */
  databaseUrl?: string;
  /** use this Meilisearch (indexes under a fresh prefix, deleted afterwards); default MEILI_URL, else embedded */
  meiliUrl?: string;
  meiliKey?: string;
  /** the app's LOG_LEVEL (default "info", as deployed) */
  logLevel?: string;
  /** how the run was started, for the report */
  command?: string;
  log?: (msg: string) => void;
}

export interface Target {
  name: string;
  value: number;
  target: string;
  pass: boolean;
}

export interface BenchReport {
  meta: {
    scale: number;
    seed: string;
    command: string;
    startedAt: string;
    seconds: number;
    machine: { cpus: number; cpuModel: string; memoryGiB: number; platform: string; node: string };
    engines: { postgres: string; meilisearch: string; embedded: boolean };
    measureSeconds: number;
    logLevel: string;
    /** 1-minute load average of the machine at the start, its highest value during the run (sampled every 5 s) and at the end: other work on the machine skews the figures */
    loadAverage: { start: number; max: number; end: number };
  };
  load: {
    issues: LoadStats;
    solutions: LoadStats;
    indexCatchUpSeconds: number;
    bulkEquivalent: { equivalent: boolean; differences: string[] };
  };
  search: {
    queries: Array<{ q: string; field?: string; municipality?: string }>;
    api: { c1: Latency; c16: Latency };
    meili: { c1: Latency; c16: Latency };
    ratio: { c1: { p50: number; p95: number }; c16: { p50: number; p95: number } };
  };
  ilike: { latency: Latency; speedupP50: number; speedupMean: number };
  matches: { available: boolean; c1: Latency | null; c16: Latency | null; p95VsSearchP95: { c1: number; c16: number } };
  page: { app: Latency; bare: Latency; ratio: number };
  lag: {
    writes: number;
    writesPerSecond: number;
    p50: number;
    p95: number;
    max: number;
    fromCommit: { p50: number; p95: number };
    missing: number;
  };
  reindex: { app: Rate; direct: Rate; ratio: number };
  rss: { atScale: RssPoint; atDoubleScale: RssPoint | null; growth: number | null };
  /** CPU ms per request of the app, the embedded Meilisearch and the embedded PostgreSQL (null when not measurable) */
  cpu: {
    searchApiC16: CpuSample | null;
    searchMeiliC16: CpuSample | null;
    matchesC16: CpuSample | null;
    page: CpuSample | null;
    write: CpuSample | null;
  };
  /** Meilisearch's database on disk and the indexes' sizes, at the scale and at twice the scale */
  meili: { atScale: MeiliStats; atDoubleScale: MeiliStats | null };
  targets: Target[];
  files?: { json: string; md: string };
}

export interface LoadStats {
  service: Rate;
  bulk: Rate | null;
}

export interface Rate {
  documents: number;
  seconds: number;
  perSecond: number;
}

export interface MeiliStats {
  databaseSizeMB: number;
  documents: Record<string, number>;
}

export interface RssPoint {
  documents: number;
  /** median RSS (MB) sampled while serving the load mix */
  steadyMB: number;
  /** max RSS (MB) seen while serving */
  peakMB: number;
  /** RSS (MB) idle after a full GC */
  afterGcMB: number;
  heapUsedMB: number;
}

const MB = 1024 * 1024;
const SECRETARIAT = { email: 'bench-secretariat@bench.example.jp', password: 'bench-secretariat-2026' };
const round = (x: number, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : NaN);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function issueQueryString(q: { q: string; field?: string; municipality?: string }): string {
  const p = new URLSearchParams();
  if (q.q) p.set('q', q.q);
  if (q.field) p.set('field', q.field);
  if (q.municipality) p.set('municipality', q.municipality);
  return p.toString();
}

export async function runBench(opts: BenchOptions): Promise<BenchReport> {
  const started = Date.now();
  const log = opts.log ?? ((m: string) => console.log(`[bench] ${m}`));
  const scale = opts.scale;
  const seconds = opts.seconds ?? 10;
  const lagSeconds = opts.lagSeconds ?? 30;
  const seed = opts.seed ?? 'kyoso-bench-v1';
  const providers = opts.providers ?? 60;
  const logLevel = opts.logLevel ?? 'info';
  const serviceDocs = Math.min(scale, opts.serviceDocs ?? 200);
  const loadStart = os.loadavg()[0];
  let loadMax = loadStart;
  const loadTimer = setInterval(() => (loadMax = Math.max(loadMax, os.loadavg()[0])), 5000);
  loadTimer.unref();
  const dataDir = path.resolve(opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-bench-')));
  fs.mkdirSync(dataDir, { recursive: true });
  const prefix = `bench${randomBytes(3).toString('hex')}_`;

  // ------------------------------------------------------------ services (embedded, or DATABASE_URL / MEILI_URL)
  const baseDatabaseUrl = opts.databaseUrl ?? process.env.DATABASE_URL;
  let benchDb: { admin: string; name: string } | undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    SEED_DEMO: 'false',
    SECRETARIAT_EMAIL: SECRETARIAT.email,
    SECRETARIAT_PASSWORD: SECRETARIAT.password,
    MEILI_INDEX_PREFIX: prefix,
    LOG_LEVEL: logLevel,
    NODE_ENV: 'production',
    RUN_WORKERS: 'true',
    PORT: '0',
    SMTP_URL: '',
  };
  if (opts.meiliUrl) {
    env.MEILI_URL = opts.meiliUrl;
    env.MEILI_MASTER_KEY = opts.meiliKey ?? '';
  }
  const meiliGiven = env.MEILI_URL;
  if (meiliGiven && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(meiliGiven)) {
    throw new Error(`the benchmark loads loopback servers only: MEILI_URL ${meiliGiven} is not on this machine`);
  }
  if (baseDatabaseUrl) {
    // never write 100k rows into someone's database: a fresh one on the same server, dropped afterwards
    const name = `kyoso_bench_${randomBytes(4).toString('hex')}`;
    benchDb = { admin: withDatabase(baseDatabaseUrl, 'postgres'), name };
    await ensureDatabase(benchDb.admin, name);
    env.DATABASE_URL = withDatabase(baseDatabaseUrl, name);
  }
  log(`data dir ${dataDir}`);
  const { config, services } = await prepare(env, {}, (m) => log(m)).catch(async (e) => {
    if (benchDb) await dropDatabase(benchDb.admin, benchDb.name).catch(() => undefined);
    throw e;
  });
  env.DATABASE_URL = config.databaseUrl;
  env.MEILI_URL = config.meiliUrl;
  env.MEILI_MASTER_KEY = config.meiliMasterKey ?? '';
  env.SESSION_SECRET = config.sessionSecret;
  const pool = new Pool({ connectionString: config.databaseUrl, max: 4 });
  pool.on('error', () => undefined); // idle clients see the server stop at the end
  const meili = new MeiliHttp(config.meiliUrl!, config.meiliMasterKey, 120_000);
  const meiliHeaders: Record<string, string> = {
    'content-type': 'application/json',
    ...(config.meiliMasterKey ? { authorization: `Bearer ${config.meiliMasterKey}` } : {}),
  };

  let app: AppProcess | undefined;
  let bare: { port: number; stop: () => void } | undefined;
  try {
    // the app runs compiled, like `npm start` (BENCH_TS=1: straight from TypeScript through @swc-node/register)
    const entry = process.env.BENCH_TS ? undefined : await buildForBench();
    app = await AppProcess.start(env, path.join(dataDir, 'bench-app.log'), entry);
    log(`app (pid ${app.pid}) at ${app.url}`);
    const appUrl = app.url;
    const issuesUid = `${prefix}issues`;

    // ------------------------------------------------------------ corpus
    const orgs = await app.call<SetupResult>('setup', { seed, providers });
    log(`${orgs.municipalities.length} municipalities and ${orgs.providers.length} provider organisations`);
    const loadIssues = await loadRange(app, 'issues', seed, 0, scale, serviceDocs, log);
    const loadSolutions = await loadRange(app, 'solutions', seed, 0, scale, serviceDocs, log);
    const tIndex = Date.now();
    await waitForIndex(app, log, false);
    const indexCatchUpSeconds = (Date.now() - tIndex) / 1000;
    log(`index caught up ${round(indexCatchUpSeconds, 1)} s after the last write`);
    await waitForIndex(app, log);
    log(`background jobs done ${round((Date.now() - tIndex) / 1000, 1)} s after the last write`);
    const bulkEquivalent = { equivalent: true, differences: [] as string[] };
    if (serviceDocs < scale) {
      for (const kind of ['issues', 'solutions'] as const) {
        const v = await app.call<{ equivalent: boolean; differences: string[] }>('verifyBulk', {
          kind,
          serviceIndex: 0,
          bulkIndex: serviceDocs,
          seed,
        });
        if (!v.equivalent) {
          bulkEquivalent.equivalent = false;
          bulkEquivalent.differences.push(...v.differences.map((d) => `${kind}: ${d}`));
        }
      }
      log(
        bulkEquivalent.equivalent
          ? 'bulk rows are equivalent to service rows'
          : `bulk rows differ from service rows: ${bulkEquivalent.differences.join('; ')}`,
      );
    }

    const auth = { authorization: `Bearer ${orgs.token}` };
    const meter = CpuMeter.forDataDir(app.pid, dataDir, { meili: services.embeddedMeili, postgres: services.embeddedPostgres });
    const cpuPerOp: BenchReport['cpu'] = { searchApiC16: null, searchMeiliC16: null, matchesC16: null, page: null, write: null };
    const metered = async (run: () => Promise<Latency>) => {
      const a = meter.sample();
      const latency = await run();
      return { latency, cpu: CpuMeter.perOp(a, meter.sample(), latency.n) };
    };
    const meiliAtScale = await meiliStats(meili, prefix);
    const rssSamples: number[] = [];
    const sampling = sampleRss(app, rssSamples);

    // ------------------------------------------------------------ search API vs raw Meilisearch
    const queries = QUERY_MIX;
    const apiRequests: LoadRequest[] = queries.map((q) => ({ path: `/api/v1/issues?${issueQueryString(q)}` }));
    const captured = await app.call<Array<{ path: string; body: unknown }>>('captureMeili', { queries });
    const rawRequests: LoadRequest[] = captured.map((c) => ({ method: 'POST', path: `/${c.path}`, body: JSON.stringify(c.body) }));
    await checkAll(app.url, apiRequests, auth);
    log('search: API and raw Meilisearch, concurrency 1 and 16');
    const warm = Math.min(3, Math.max(1, Math.round(seconds / 2)));
    const meiliC1 = await hammer(config.meiliUrl!, rawRequests, { connections: 1, seconds, headers: meiliHeaders, warmupSeconds: warm });
    const apiC1 = await hammer(app.url, apiRequests, { connections: 1, seconds, headers: auth, warmupSeconds: warm });
    const meiliC16m = await metered(() => hammer(config.meiliUrl!, rawRequests, { connections: 16, seconds, headers: meiliHeaders }));
    const meiliC16 = meiliC16m.latency;
    cpuPerOp.searchMeiliC16 = meiliC16m.cpu;
    const apiC16m = await metered(() => hammer(appUrl, apiRequests, { connections: 16, seconds, headers: auth }));
    const apiC16 = apiC16m.latency;
    cpuPerOp.searchApiC16 = apiC16m.cpu;

    // ------------------------------------------------------------ the naive way: ILIKE in PostgreSQL
    log('search: ILIKE baseline');
    const ilike = await ilikeBaseline(pool, queries, Math.max(2, Math.round(seconds / 2)));

    // ------------------------------------------------------------ matches
    log('matches');
    const sampleIds: string[] = (
      await pool.query(
        `SELECT id FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS rn FROM issues WHERE status = 'published') x
         WHERE rn % $1 = 1 ORDER BY rn LIMIT 40`,
        [Math.max(1, Math.floor(scale / 40))],
      )
    ).rows.map((r) => r.id);
    const matchRequests: LoadRequest[] = sampleIds.map((id) => ({ path: `/api/v1/issues/${id}/matches?limit=10` }));
    const matchesAvailable = (await fetch(app.url + matchRequests[0].path, { headers: auth })).status === 200;
    let matchesC1: Latency | null = null;
    let matchesC16: Latency | null = null;
    if (matchesAvailable) {
      await checkAll(app.url, matchRequests, auth);
      matchesC1 = await hammer(app.url, matchRequests, { connections: 1, seconds, headers: auth, warmupSeconds: warm });
      const m16 = await metered(() => hammer(appUrl, matchRequests, { connections: 16, seconds, headers: auth }));
      matchesC16 = m16.latency;
      cpuPerOp.matchesC16 = m16.cpu;
    } else {
      log('matches: GET /api/v1/issues/{id}/matches is not served by this build; skipped');
    }

    // ------------------------------------------------------------ the rendered results page vs bare http
    log('results page vs bare Node http');
    const cookie = await signIn(app.url, orgs.municipalities[1].email, orgs.municipalities[1].password);
    const pageRequests: LoadRequest[] = queries.filter((q) => q.q).map((q) => ({ path: `/issues?${issueQueryString(q)}` }));
    await checkAll(app.url, pageRequests, { cookie, accept: 'text/html' });
    await hammer(app.url, pageRequests, { connections: 16, seconds: warm, headers: { cookie, accept: 'text/html' } });
    const pageMetered = await metered(() =>
      hammer(appUrl, pageRequests, { connections: 16, seconds, headers: { cookie, accept: 'text/html' } }),
    );
    const pageApp = pageMetered.latency;
    cpuPerOp.page = pageMetered.cpu;
    sampling.stop();
    bare = await startBareServer();
    const bareUrl = `http://127.0.0.1:${bare.port}`;
    const pageBare = await hammer(bareUrl, [{ path: '/' }], { connections: 16, seconds, warmupSeconds: warm });
    bare.stop();
    bare = undefined;
    const gc1 = await app.call<{ rss: number; heapUsed: number }>('rss', { gc: true });
    const rssAtScale: RssPoint = {
      documents: 2 * scale,
      steadyMB: round(
        percentile(
          [...rssSamples].sort((a, b) => a - b),
          50,
        ) / MB,
        1,
      ),
      peakMB: round(Math.max(...rssSamples) / MB, 1),
      afterGcMB: round(gc1.rss / MB, 1),
      heapUsedMB: round(gc1.heapUsed / MB, 1),
    };

    // ------------------------------------------------------------ publish → searchable while 20 writes/s arrive
    log(`publish → searchable lag: 20 writes/s for ${lagSeconds} s`);
    const lagCpu0 = meter.sample();
    const lag = await publishLag(app.url, orgs.token, meili, issuesUid, seed, lagSeconds);
    cpuPerOp.write = CpuMeter.perOp(lagCpu0, meter.sample(), lag.writes);

    // ------------------------------------------------------------ full reindex vs direct
    log('full reindex of issues vs adding the same documents to Meilisearch directly');
    await waitForIndex(app, log);
    const re = await app.call<{ ms: number; documents: number }>('reindex', { index: 'issues' });
    const reindexApp: Rate = {
      documents: re.documents,
      seconds: round(re.ms / 1000, 2),
      perSecond: round(re.documents / (re.ms / 1000), 0),
    };
    const reindexDirect = await directIndexing(meili, issuesUid, log);

    // ------------------------------------------------------------ twice the scale
    let rssAtDouble: RssPoint | null = null;
    let meiliAtDouble: MeiliStats | null = null;
    if (opts.doubleScale !== false) {
      log(`twice the scale: ${scale} more issues and solutions`);
      await loadRange(app, 'issues', seed, scale, 2 * scale, 0, log);
      await loadRange(app, 'solutions', seed, scale, 2 * scale, 0, log);
      await waitForIndex(app, log);
      meiliAtDouble = await meiliStats(meili, prefix);
      const samples2: number[] = [];
      const sampling2 = sampleRss(app, samples2);
      const short = Math.max(2, Math.round(seconds / 2));
      await hammer(app.url, apiRequests, { connections: 16, seconds: short, headers: auth });
      if (matchesAvailable) await hammer(app.url, matchRequests, { connections: 16, seconds: short, headers: auth });
      await hammer(app.url, pageRequests, { connections: 16, seconds: short, headers: { cookie, accept: 'text/html' } });
      sampling2.stop();
      const gc2 = await app.call<{ rss: number; heapUsed: number }>('rss', { gc: true });
      rssAtDouble = {
        documents: 4 * scale,
        steadyMB: round(
          percentile(
            [...samples2].sort((a, b) => a - b),
            50,
          ) / MB,
          1,
        ),
        peakMB: round(Math.max(...samples2) / MB, 1),
        afterGcMB: round(gc2.rss / MB, 1),
        heapUsedMB: round(gc2.heapUsed / MB, 1),
      };
    }

    // ------------------------------------------------------------ report
    const versions = await engineVersions(pool, meili);
    const report: BenchReport = {
      meta: {
        scale,
        seed,
        command: opts.command ?? `npm run bench -- --scale ${scale}`,
        startedAt: new Date(started).toISOString(),
        seconds: round((Date.now() - started) / 1000, 0),
        machine: {
          cpus: os.cpus().length,
          cpuModel: os.cpus()[0]?.model ?? 'unknown',
          memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
          platform: `${os.platform()} ${os.release()}`,
          node: process.version,
        },
        engines: { ...versions, embedded: services.embeddedPostgres || services.embeddedMeili },
        measureSeconds: seconds,
        logLevel,
        loadAverage: { start: round(loadStart, 2), max: round(Math.max(loadMax, os.loadavg()[0]), 2), end: round(os.loadavg()[0], 2) },
      },
      load: { issues: loadIssues, solutions: loadSolutions, indexCatchUpSeconds: round(indexCatchUpSeconds, 1), bulkEquivalent },
      search: {
        queries,
        api: { c1: apiC1, c16: apiC16 },
        meili: { c1: meiliC1, c16: meiliC16 },
        ratio: {
          c1: { p50: round(apiC1.p50 / meiliC1.p50), p95: round(apiC1.p95 / meiliC1.p95) },
          c16: { p50: round(apiC16.p50 / meiliC16.p50), p95: round(apiC16.p95 / meiliC16.p95) },
        },
      },
      ilike: { latency: ilike, speedupP50: round(ilike.p50 / apiC1.p50, 1), speedupMean: round(ilike.mean / apiC1.mean, 1) },
      matches: {
        available: matchesAvailable,
        c1: matchesC1,
        c16: matchesC16,
        p95VsSearchP95: {
          c1: matchesC1 ? round(matchesC1.p95 / apiC1.p95) : NaN,
          c16: matchesC16 ? round(matchesC16.p95 / apiC16.p95) : NaN,
        },
      },
      page: { app: pageApp, bare: pageBare, ratio: round(pageApp.rps / pageBare.rps, 3) },
      lag,
      reindex: { app: reindexApp, direct: reindexDirect, ratio: round(reindexApp.perSecond / reindexDirect.perSecond, 2) },
      rss: {
        atScale: rssAtScale,
        atDoubleScale: rssAtDouble,
        growth: rssAtDouble ? round(rssAtDouble.steadyMB / rssAtScale.steadyMB, 2) : null,
      },
      cpu: cpuPerOp,
      meili: { atScale: meiliAtScale, atDoubleScale: meiliAtDouble },
      targets: [],
    };
    report.targets = targetsOf(report);
    const warnings = app.warnings();
    if (warnings.length) log(`the app logged ${warnings.length} warnings/errors (${app.logFile}), first: ${warnings[0].slice(0, 300)}`);
    for (const l of [
      ...Object.values(report.search.api),
      ...Object.values(report.search.meili),
      pageApp,
      pageBare,
      matchesC1,
      matchesC16,
    ].filter(Boolean) as Latency[]) {
      for (const k of ['p50', 'p95', 'p99', 'mean', 'rps'] as const) l[k] = round(l[k], 2);
    }
    const json = path.join(dataDir, 'bench-report.json');
    const md = path.join(dataDir, 'bench-report.md');
    report.files = { json, md };
    fs.writeFileSync(json, JSON.stringify(report, null, 2) + '\n');
    fs.writeFileSync(md, renderMarkdown(report));
    return report;
  } finally {
    clearInterval(loadTimer);
    bare?.stop();
    await sleep(1000); // requests the load generator cut off at its deadline finish before the app stops
    await app?.stop().catch(() => undefined);
    if (!opts.keep) {
      const list = await meili.request<{ results: Array<{ uid: string }> }>('GET', 'indexes?limit=1000').catch(() => ({ results: [] }));
      for (const ix of list.results.filter((i) => i.uid.startsWith(prefix))) {
        await meili.request('DELETE', `indexes/${encodeURIComponent(ix.uid)}`).catch(() => undefined);
      }
    }
    await pool.end().catch(() => undefined);
    await services.stop().catch(() => undefined);
    if (benchDb && !opts.keep) await dropDatabase(benchDb.admin, benchDb.name).catch(() => undefined);
    if (!opts.keep) {
      // the embedded services' data goes; the reports and the app's log stay
      for (const d of ['postgres', 'meilisearch']) fs.rmSync(path.join(dataDir, d), { recursive: true, force: true });
    }
    meili.close();
  }
}

// ====================================================================== phases

/** [from, to): the first `serviceDocs` one by one through the service, the rest through the bulk path. */
async function loadRange(
  app: AppProcess,
  kind: 'issues' | 'solutions',
  seed: string,
  from: number,
  to: number,
  serviceDocs: number,
  log: (m: string) => void,
): Promise<LoadStats> {
  const chunk = 2000;
  const split = Math.min(to, from + serviceDocs);
  const rate = (n: number, t0: number): Rate => {
    const s = (Date.now() - t0) / 1000;
    return { documents: n, seconds: round(s, 1), perSecond: round(n / s, 0) };
  };
  let t0 = Date.now();
  for (let i = from; i < split; i += chunk) await app.call('load', { kind, seed, from: i, to: Math.min(split, i + chunk), concurrency: 8 });
  const service = rate(split - from, t0);
  if (split > from)
    log(
      `${kind}: ${split - from} created one by one through ${kind === 'issues' ? 'IssuesService' : 'SolutionsService'}.create (${service.perSecond}/s)`,
    );
  let bulk: Rate | null = null;
  if (to > split) {
    t0 = Date.now();
    for (let i = split; i < to; i += 10_000) {
      await app.call('bulk', { kind, seed, from: i, to: Math.min(to, i + 10_000) });
      const pending = await app.call<number>('pending');
      log(`${kind}: ${Math.min(to, i + 10_000) - from}/${to - from} written (bulk path), outbox ${pending}`);
    }
    bulk = rate(to - split, t0);
  }
  return { service, bulk };
}

/** Until the search outbox is empty (everything written is searchable) and, with `andJobs`, no background job is due or running. */
async function waitForIndex(app: AppProcess, log: (m: string) => void, andJobs = true): Promise<void> {
  let last = Date.now();
  for (;;) {
    const [n, jobs] = await Promise.all([app.call<number>('pending'), andJobs ? app.call<number>('jobsPending') : 0]);
    if (n === 0 && jobs === 0) break;
    if (Date.now() - last > 10_000) {
      log(`waiting for the search index and background jobs: ${n} outbox rows, ${jobs} jobs`);
      last = Date.now();
    }
    await sleep(200);
  }
  await app.call('flush', { timeoutMs: 600_000 });
}

function sampleRss(app: AppProcess, into: number[]): { stop: () => void } {
  const timer = setInterval(() => {
    app.call<{ rss: number }>('rss', { gc: false }).then(
      (m) => into.push(m.rss),
      () => undefined,
    );
  }, 500);
  return { stop: () => clearInterval(timer) };
}

async function checkAll(base: string, requests: LoadRequest[], headers: Record<string, string>): Promise<void> {
  for (const r of requests) {
    const res = await fetch(base + r.path, { method: r.method ?? 'GET', headers, body: r.body });
    if (res.status !== 200) throw new Error(`${r.method ?? 'GET'} ${r.path} → ${res.status}: ${(await res.text()).slice(0, 300)}`);
  }
}

/** The same query mix the naive way: every term ILIKE '%…%' on title, body and tags; a page of 20, the total and the facet counts. */
async function ilikeBaseline(
  pool: Pool,
  queries: Array<{ q: string; field?: string; municipality?: string }>,
  rounds: number,
): Promise<Latency> {
  const samples: number[] = [];
  const t0 = performance.now();
  for (let r = 0; r < rounds + 1; r++) {
    for (const q of queries) {
      const params: unknown[] = [];
      const where = [`i.status = 'published'`];
      for (const term of q.q.split(/\s+/).filter(Boolean)) {
        params.push(`%${term.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
        const p = `$${params.length}`;
        where.push(`(i.title ILIKE ${p} OR i.body ILIKE ${p} OR array_to_string(i.tags, ' ') ILIKE ${p})`);
      }
      if (q.field) {
        params.push(q.field);
        where.push(`$${params.length} = ANY(i.field_slugs)`);
      }
      if (q.municipality) {
        params.push(q.municipality);
        where.push(`i.municipality_code = $${params.length}`);
      }
      // what the API answers: a page of 20, the total and the two facet counts (one scan, then cheap aggregates)
      const sql = `WITH m AS MATERIALIZED (
          SELECT i.id, i.title, i.published_at, i.field_slugs, i.municipality_code FROM issues i WHERE ${where.join(' AND ')})
        SELECT (SELECT json_agg(p) FROM (SELECT id, title FROM m ORDER BY published_at DESC LIMIT 20) p) AS items,
               (SELECT count(*) FROM m) AS total,
               (SELECT json_object_agg(f, n) FROM (SELECT unnest(field_slugs) AS f, count(*) AS n FROM m GROUP BY 1) a) AS fields,
               (SELECT json_object_agg(municipality_code, n) FROM (SELECT municipality_code, count(*) AS n FROM m GROUP BY 1) b) AS municipalities`;
      const s = performance.now();
      await pool.query(sql, params);
      if (r > 0) samples.push(performance.now() - s); // round 0 warms the cache
    }
  }
  void t0;
  const total = samples.reduce((a, b) => a + b, 0) / 1000;
  return summarize(samples, total);
}

/** Signs in through the login form (CSRF token and all) and answers the session cookie. */
async function signIn(base: string, email: string, password: string): Promise<string> {
  const page = await fetch(base + '/login', { headers: { accept: 'text/html' } });
  const html = await page.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const jar = cookieOf(page.headers.getSetCookie());
  if (!csrf || !jar) throw new Error('login page without CSRF token or session cookie');
  const res = await fetch(base + '/login', {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar, accept: 'text/html' },
    body: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
  });
  const cookie = cookieOf(res.headers.getSetCookie());
  if (res.status !== 303 || !cookie) throw new Error(`page sign-in failed: ${res.status}`);
  return cookie;
}

function cookieOf(setCookie: string[]): string | undefined {
  return setCookie.find((c) => c.startsWith('kyoso.sid='))?.split(';')[0];
}

/** A bare Node http server answering a static string, in its own process (like the app). */
async function startBareServer(): Promise<{ port: number; stop: () => void }> {
  const code = `require('http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }); s.end('共創 Kyoso'); })
    .listen(0, '127.0.0.1', function () { process.send(this.address().port); });
    process.on('disconnect', () => process.exit(0));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (p) => resolve(Number(p)));
    child.once('exit', (c) => reject(new Error(`bare server exited ${c}`)));
  });
  return { port, stop: () => child.kill() };
}

/**
 * 20 writes/s (new published issues through the API, open loop) for `seconds`; a poller asks Meilisearch every 20 ms
 * for the newest documents and notes when each one first appears. Lag = first seen − request sent.
 */
export async function publishLag(
  base: string,
  token: string,
  meili: MeiliHttp,
  uid: string,
  seed: string,
  seconds: number,
): Promise<BenchReport['lag']> {
  const rate = 20;
  const total = rate * seconds;
  const startUnix = Math.floor(Date.now() / 1000) - 1;
  const firstSeen = new Map<string, number>();
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const t = performance.now();
      try {
        const res = await meili.request<{ hits: Array<{ id: string }> }>('POST', `indexes/${encodeURIComponent(uid)}/search`, {
          q: '',
          filter: `publishedAt >= ${startUnix}`,
          sort: ['publishedAt:desc'],
          limit: 200,
          attributesToRetrieve: ['id'],
        });
        const now = performance.now();
        for (const h of res.hits) if (!firstSeen.has(h.id)) firstSeen.set(h.id, now);
      } catch {
        /* keep polling */
      }
      const wait = 20 - (performance.now() - t);
      if (wait > 0) await sleep(wait);
    }
  })();
  const writes: Array<{ sent: number; committed: number; id: string } | null> = [];
  const t0 = performance.now();
  const inflight: Promise<void>[] = [];
  for (let k = 0; k < total; k++) {
    const due = t0 + (k * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const d = synthIssue(seed, 10_000_000 + k);
    const sent = performance.now();
    inflight.push(
      fetch(base + '/api/v1/issues', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: d.title, body: d.body, fieldSlugs: d.fieldSlugs, tags: d.tags, status: 'published' }),
      }).then(
        async (res) => {
          const body = (await res.json()) as { id?: string };
          writes[k] = res.status === 201 && body.id ? { sent, committed: performance.now(), id: body.id } : null;
        },
        () => {
          writes[k] = null;
        },
      ),
    );
  }
  await Promise.all(inflight);
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline && writes.some((w) => w && !firstSeen.has(w.id))) await sleep(50);
  polling = false;
  await poller;
  const lags: number[] = [];
  const fromCommit: number[] = [];
  let missing = 0;
  for (const w of writes) {
    if (!w || !firstSeen.has(w.id)) {
      missing++;
      continue;
    }
    lags.push(firstSeen.get(w.id)! - w.sent);
    fromCommit.push(Math.max(0, firstSeen.get(w.id)! - w.committed));
  }
  const s = lags.sort((a, b) => a - b);
  const c = fromCommit.sort((a, b) => a - b);
  return {
    writes: total,
    writesPerSecond: rate,
    p50: round(percentile(s, 50), 0),
    p95: round(percentile(s, 95), 0),
    max: round(s[s.length - 1] ?? NaN, 0),
    fromCommit: { p50: round(percentile(c, 50), 0), p95: round(percentile(c, 95), 0) },
    missing,
  };
}

/** Every document of the live index, added to a fresh index with the same settings straight through the HTTP API. */
async function directIndexing(meili: MeiliHttp, uid: string, log: (m: string) => void): Promise<Rate> {
  const docs: unknown[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await meili.request<{ results: unknown[] }>('POST', `indexes/${encodeURIComponent(uid)}/documents/fetch`, {
      offset,
      limit: 1000,
    });
    docs.push(...page.results);
    if (page.results.length < 1000) break;
  }
  const settings = await meili.request<Record<string, unknown>>('GET', `indexes/${encodeURIComponent(uid)}/settings`);
  const target = `${uid}_direct`;
  await meili.request('DELETE', `indexes/${encodeURIComponent(target)}`).catch(() => undefined);
  const t0 = performance.now();
  await meili.runTask('POST', 'indexes', { uid: target, primaryKey: 'id' }, 60_000);
  await meili.runTask('PATCH', `indexes/${encodeURIComponent(target)}/settings`, settings, 60_000);
  let lastTask = 0;
  for (let i = 0; i < docs.length; i += 1000) {
    const enq = await meili.request<{ taskUid: number }>(
      'POST',
      `indexes/${encodeURIComponent(target)}/documents?primaryKey=id`,
      docs.slice(i, i + 1000),
    );
    lastTask = enq.taskUid;
  }
  const task = await meili.waitForTask(lastTask, 1_800_000);
  const ms = performance.now() - t0;
  if (task.status !== 'succeeded') throw new Error(`direct indexing failed: ${task.error?.message}`);
  await meili.runTask('DELETE', `indexes/${encodeURIComponent(target)}`, undefined, 120_000).catch(() => undefined);
  log(`direct: ${docs.length} documents in ${round(ms / 1000, 1)} s`);
  return { documents: docs.length, seconds: round(ms / 1000, 2), perSecond: round(docs.length / (ms / 1000), 0) };
}

async function meiliStats(meili: MeiliHttp, prefix: string): Promise<MeiliStats> {
  const st = await meili
    .request<{ databaseSize?: number; indexes?: Record<string, { numberOfDocuments?: number }> }>('GET', 'stats')
    .catch(() => ({}) as never);
  const documents: Record<string, number> = {};
  for (const [uid, ix] of Object.entries(st?.indexes ?? {}))
    if (uid.startsWith(prefix)) documents[uid.slice(prefix.length)] = ix.numberOfDocuments ?? 0;
  return { databaseSizeMB: round((st?.databaseSize ?? NaN) / MB, 1), documents };
}

async function engineVersions(pool: Pool, meili: MeiliHttp): Promise<{ postgres: string; meilisearch: string }> {
  const pg = (await pool.query('SHOW server_version').catch(() => ({ rows: [{ server_version: '?' }] }))).rows[0].server_version;
  const m = await meili.request<{ pkgVersion?: string }>('GET', 'version').catch(() => ({ pkgVersion: '?' }));
  return { postgres: String(pg), meilisearch: String(m.pkgVersion ?? '?') };
}

// ====================================================================== targets & rendering

export function targetsOf(r: BenchReport): Target[] {
  const t: Target[] = [
    {
      name: 'search API p50 ÷ raw Meilisearch p50 (c1)',
      value: r.search.ratio.c1.p50,
      target: '≤ 1.3',
      pass: r.search.ratio.c1.p50 <= 1.3,
    },
    {
      name: 'search API p95 ÷ raw Meilisearch p95 (c1)',
      value: r.search.ratio.c1.p95,
      target: '≤ 1.5',
      pass: r.search.ratio.c1.p95 <= 1.5,
    },
    {
      name: 'search API p50 ÷ raw Meilisearch p50 (c16)',
      value: r.search.ratio.c16.p50,
      target: '≤ 1.3',
      pass: r.search.ratio.c16.p50 <= 1.3,
    },
    {
      name: 'search API p95 ÷ raw Meilisearch p95 (c16)',
      value: r.search.ratio.c16.p95,
      target: '≤ 1.5',
      pass: r.search.ratio.c16.p95 <= 1.5,
    },
    { name: 'ILIKE p50 ÷ search API p50 (speed-up)', value: r.ilike.speedupP50, target: '≥ 10', pass: r.ilike.speedupP50 >= 10 },
  ];
  if (r.matches.available) {
    t.push({
      name: 'matches p95 ÷ search API p95 (c1)',
      value: r.matches.p95VsSearchP95.c1,
      target: '≤ 2',
      pass: r.matches.p95VsSearchP95.c1 <= 2,
    });
    t.push({
      name: 'matches p95 ÷ search API p95 (c16)',
      value: r.matches.p95VsSearchP95.c16,
      target: '≤ 2',
      pass: r.matches.p95VsSearchP95.c16 <= 2,
    });
  }
  t.push(
    { name: 'results page req/s ÷ bare http req/s', value: r.page.ratio, target: '≥ 0.25', pass: r.page.ratio >= 0.25 },
    { name: 'publish → searchable p95 (ms)', value: r.lag.p95, target: '≤ 1000', pass: r.lag.p95 <= 1000 && r.lag.missing === 0 },
    { name: 'reindex docs/s ÷ direct Meilisearch docs/s', value: r.reindex.ratio, target: '≥ 0.8', pass: r.reindex.ratio >= 0.8 },
    { name: 'app RSS at scale (MB)', value: r.rss.atScale.steadyMB, target: '≤ 350', pass: r.rss.atScale.steadyMB <= 350 },
  );
  if (r.rss.atDoubleScale && r.rss.growth !== null) {
    t.push({
      name: 'app RSS at 2× scale (MB)',
      value: r.rss.atDoubleScale.steadyMB,
      target: '≤ 350',
      pass: r.rss.atDoubleScale.steadyMB <= 350,
    });
    t.push({ name: 'RSS growth for 2× corpus', value: r.rss.growth, target: '< 2 (sub-linear)', pass: r.rss.growth < 2 });
  }
  return t;
}

const ms = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${round(x, 1)} ms`);

export function renderTable(r: BenchReport): string {
  const rows: string[][] = [['measurement', 'Kyoso', 'beside', 'ratio', 'target', '']];
  const ok = (name: string) => {
    const t = r.targets.find((x) => x.name === name);
    return t ? (t.pass ? 'ok' : 'MISSED') : '';
  };
  const s = r.search;
  rows.push([
    'search p50 / p95 / p99, c1',
    `${ms(s.api.c1.p50)} / ${ms(s.api.c1.p95)} / ${ms(s.api.c1.p99)}`,
    `Meilisearch ${ms(s.meili.c1.p50)} / ${ms(s.meili.c1.p95)} / ${ms(s.meili.c1.p99)}`,
    `${s.ratio.c1.p50} / ${s.ratio.c1.p95}`,
    '≤ 1.3 / ≤ 1.5',
    ok('search API p50 ÷ raw Meilisearch p50 (c1)') === 'ok' && ok('search API p95 ÷ raw Meilisearch p95 (c1)') === 'ok' ? 'ok' : 'MISSED',
  ]);
  rows.push([
    'search p50 / p95 / p99, c16',
    `${ms(s.api.c16.p50)} / ${ms(s.api.c16.p95)} / ${ms(s.api.c16.p99)}`,
    `Meilisearch ${ms(s.meili.c16.p50)} / ${ms(s.meili.c16.p95)} / ${ms(s.meili.c16.p99)}`,
    `${s.ratio.c16.p50} / ${s.ratio.c16.p95}`,
    '≤ 1.3 / ≤ 1.5',
    ok('search API p50 ÷ raw Meilisearch p50 (c16)') === 'ok' && ok('search API p95 ÷ raw Meilisearch p95 (c16)') === 'ok'
      ? 'ok'
      : 'MISSED',
  ]);
  rows.push([
    'search req/s, c1 / c16',
    `${round(s.api.c1.rps, 0)} / ${round(s.api.c16.rps, 0)}`,
    `Meilisearch ${round(s.meili.c1.rps, 0)} / ${round(s.meili.c16.rps, 0)}`,
    '',
    '',
    '',
  ]);
  rows.push([
    'search vs ILIKE, p50 (c1)',
    ms(s.api.c1.p50),
    `ILIKE ${ms(r.ilike.latency.p50)} (p95 ${ms(r.ilike.latency.p95)})`,
    `${r.ilike.speedupP50}× faster`,
    '≥ 10×',
    ok('ILIKE p50 ÷ search API p50 (speed-up)'),
  ]);
  if (r.matches.available && r.matches.c1 && r.matches.c16) {
    rows.push([
      'matches p50 / p95, c1',
      `${ms(r.matches.c1.p50)} / ${ms(r.matches.c1.p95)}`,
      `search p95 ${ms(s.api.c1.p95)}`,
      `${r.matches.p95VsSearchP95.c1}`,
      '≤ 2',
      ok('matches p95 ÷ search API p95 (c1)'),
    ]);
    rows.push([
      'matches p50 / p95, c16',
      `${ms(r.matches.c16.p50)} / ${ms(r.matches.c16.p95)}`,
      `search p95 ${ms(s.api.c16.p95)}`,
      `${r.matches.p95VsSearchP95.c16}`,
      '≤ 2',
      ok('matches p95 ÷ search API p95 (c16)'),
    ]);
  } else {
    rows.push(['matches', 'not served by this build', '', '', '≤ 2', '']);
  }
  rows.push([
    'results page /issues?q=, c16',
    `${round(r.page.app.rps, 0)} req/s (p50 ${ms(r.page.app.p50)})`,
    `bare http ${round(r.page.bare.rps, 0)} req/s; Meilisearch alone ${round(s.meili.c16.rps, 0)} req/s`,
    `${round(r.page.ratio * 100, 1)} % (${round((r.page.app.rps / s.meili.c16.rps) * 100, 0)} % of Meilisearch)`,
    '≥ 25 %',
    ok('results page req/s ÷ bare http req/s'),
  ]);
  rows.push([
    'publish → searchable, 20 writes/s',
    `p50 ${ms(r.lag.p50)} / p95 ${ms(r.lag.p95)}`,
    `max ${ms(r.lag.max)}, ${r.lag.missing} missing`,
    '',
    '≤ 1000 ms',
    ok('publish → searchable p95 (ms)'),
  ]);
  rows.push([
    'full reindex (issues)',
    `${r.reindex.app.perSecond} docs/s (${r.reindex.app.documents} in ${r.reindex.app.seconds} s)`,
    `direct ${r.reindex.direct.perSecond} docs/s`,
    `${round(r.reindex.ratio * 100, 0)} %`,
    '≥ 80 %',
    ok('reindex docs/s ÷ direct Meilisearch docs/s'),
  ]);
  const a = r.rss.atScale;
  const d = r.rss.atDoubleScale;
  rows.push([
    `app RSS, ${a.documents} docs`,
    `${a.steadyMB} MB (peak ${a.peakMB}, idle after GC ${a.afterGcMB})`,
    '',
    '',
    '≤ 350 MB',
    ok('app RSS at scale (MB)'),
  ]);
  if (d)
    rows.push([
      `app RSS, ${d.documents} docs`,
      `${d.steadyMB} MB (peak ${d.peakMB}, idle after GC ${d.afterGcMB})`,
      `at ${a.documents}: ${a.steadyMB} MB`,
      `${r.rss.growth}× for 2× docs`,
      '≤ 350 MB, < 2×',
      ok('app RSS at 2× scale (MB)') === 'ok' && ok('RSS growth for 2× corpus') === 'ok' ? 'ok' : 'MISSED',
    ]);
  const l = r.load;
  rows.push([
    'writes: service layer (one by one)',
    `${l.issues.service.perSecond} issues/s, ${l.solutions.service.perSecond} solutions/s`,
    l.issues.bulk
      ? `bulk path ${l.issues.bulk.perSecond} + ${l.solutions.bulk?.perSecond ?? 0} docs/s (${l.bulkEquivalent.equivalent ? 'same rows' : 'DIFFERENT rows'})`
      : '',
    '',
    '',
    '',
  ]);
  rows.push(['search index caught up after the last write', `${l.indexCatchUpSeconds} s`, '', '', '', '']);
  const c = r.cpu;
  const cpuText = (x: CpuSample | null) =>
    x ? `app ${x.app ?? '?'} / Meilisearch ${x.meili ?? '?'} / PostgreSQL ${x.postgres ?? '?'}` : 'n/a';
  if (c.searchApiC16)
    rows.push(['CPU ms per search (c16)', cpuText(c.searchApiC16), `raw: Meilisearch ${c.searchMeiliC16?.meili ?? '?'}`, '', '', '']);
  if (c.matchesC16) rows.push(['CPU ms per matches request (c16)', cpuText(c.matchesC16), '', '', '', '']);
  if (c.page) rows.push(['CPU ms per results page (c16)', cpuText(c.page), '', '', '', '']);
  if (c.write) rows.push(['CPU ms per publication (20/s, incl. indexing)', cpuText(c.write), '', '', '', '']);
  rows.push([
    'Meilisearch data on disk',
    `${r.meili.atScale.databaseSizeMB} MB at ${r.rss.atScale.documents} docs`,
    r.meili.atDoubleScale ? `${r.meili.atDoubleScale.databaseSizeMB} MB at ${r.rss.atDoubleScale?.documents} docs` : '',
    '',
    '',
    '',
  ]);
  return markdownTable(rows);
}

function markdownTable(rows: string[][]): string {
  const out = [`| ${rows[0].join(' | ')} |`, `|${rows[0].map(() => '---').join('|')}|`];
  for (const r of rows.slice(1)) out.push(`| ${r.join(' | ')} |`);
  return out.join('\n');
}

export function renderMarkdown(r: BenchReport): string {
  const m = r.meta;
  return [
    `# Kyoso benchmark — ${m.scale} issues + ${m.scale} solutions`,
    '',
    `${m.startedAt}, ${m.seconds} s in all. Machine: ${m.machine.cpus} × ${m.machine.cpuModel}, ${m.machine.memoryGiB} GiB, ${m.machine.platform}, Node ${m.machine.node}. ` +
      `PostgreSQL ${m.engines.postgres}, Meilisearch ${m.engines.meilisearch}${m.engines.embedded ? ' (embedded)' : ''}. ` +
      `Load runs of ${m.measureSeconds} s (autocannon, loopback); app LOG_LEVEL=${m.logLevel}, NODE_ENV=production. ` +
      `Load average ${m.loadAverage.start} at the start, up to ${m.loadAverage.max} during the run, ${m.loadAverage.end} at the end.`,
    '',
    `Command: \`${m.command}\``,
    '',
    renderTable(r),
    '',
    `Query mix: ${r.search.queries.map((q) => [q.q || '(none)', q.field && `field=${q.field}`, q.municipality && `municipality=${q.municipality}`].filter(Boolean).join(' ')).join('; ')}.`,
    '',
  ].join('\n');
}
