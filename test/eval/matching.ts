/**
 * npm run eval:matching [-- path/to/fixture.json] [-- --verbose] [-- --offline | --api-only]
 *
 * 1. In process (no app): the ranking model of src/matching over the fixture, beside two untuned BM25 baselines
 *    (character bigrams; words by base form), with its k-fold cross-validated figure — the few weights the model has
 *    are chosen on the other folds and measured on the held-out fold, fold by fold — and two check sets that are
 *    written differently: folds by field (tuned on some 分野, measured on the others) and the reverse direction
 *    (issues ranked for each solution).
 * 2. Through the API (skipped with --offline): starts a fresh Kyoso (embedded PostgreSQL + Meilisearch in a
 *    temporary DATA_DIR, no demo data), loads the fixture THROUGH THE API (membership applications approved by the
 *    secretariat, issues and solutions posted as published), then asks `GET /api/v1/issues/{id}/matches?limit=10`
 *    for every issue and prints nDCG@10 and recall@10 (the service uses the default weights, never tuned weights).
 */
import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SearchService } from '../../libs/search';
import { createApp } from '../../src/app.factory';
import { prepare } from '../../src/bootstrap';
import { bm25Ranking, ndcg, percentile, recall } from './metrics';
import { baselines, crossValidate, foldsByField, foldsByQuery, mean, modelScores, prepare as represented, type Prepared } from './offline';
import { DEFAULT_PARAMS } from '../../src/matching/ranking';

interface Fixture {
  description: string;
  fields: Array<{ slug: string; name: string }>;
  issues: Array<{ key: string; municipality: string; field: string; title: string; body: string; tags: string[] }>;
  solutions: Array<{
    key: string;
    organization: string;
    field: string;
    title: string;
    summary: string;
    body: string;
    tags: string[];
    trackRecord?: string;
  }>;
  qrels: Record<string, Record<string, number>>;
}

const args = process.argv.slice(2);
const verbose = args.includes('--verbose') || args.includes('-v');
const offline = args.includes('--offline');
const apiOnly = args.includes('--api-only');
const fixturePath = args.find((a) => !a.startsWith('-')) ?? path.join(__dirname, 'matching-dev.json');
const SECRETARIAT = { email: 'eval-secretariat@example.jp', password: 'eval-secretariat-pass-2026' };

function kindOf(name: string): string {
  if (/大学|高専|研究室/.test(name)) return 'university';
  if (/研究所|研究機構|研究センター/.test(name) && !/^株式会社/.test(name)) return 'research_institute';
  if (/NPO|特定非営利|一般社団|一般財団/.test(name)) return 'npo';
  if (/商工会議所|商工会|経済団体|協会/.test(name)) return 'economic_organization';
  return 'corporation';
}

class Api {
  constructor(private readonly base: string) {}
  async call(method: string, url: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
    const res = await fetch(this.base + url, {
      method,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  async ok(method: string, url: string, body: unknown, token: string | undefined, expect: number[] = [200, 201]): Promise<any> {
    const r = await this.call(method, url, body, token);
    if (!expect.includes(r.status)) throw new Error(`${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
}

async function member(api: Api, secToken: string, organization: Record<string, unknown>): Promise<string> {
  const id = randomBytes(5).toString('hex');
  const email = `eval-${id}@example.jp`;
  const password = `pw-${id}-long-enough`;
  const applied = await api.ok(
    'POST',
    '/api/v1/membership-applications',
    { organization, contact: { name: `担当 ${id}`, email, password }, agreeToTerms: true },
    undefined,
  );
  await api.ok('POST', `/api/v1/membership-applications/${applied.id}/approve`, undefined, secToken);
  return (await api.ok('POST', '/api/v1/auth/tokens', { email, password }, undefined)).token;
}

const f4 = (x: number) => x.toFixed(4);

/** The in-process table: baselines, the model with default weights, cross-validated figures per fold. */
function inProcess(fx: Fixture): void {
  const t0 = Date.now();
  const sets: Array<{ name: string; pr: Prepared; folds: Map<string, number>; foldLabel: string }> = [];
  const forward = represented(fx);
  sets.push({ name: 'issues → solutions', pr: forward, folds: foldsByQuery(forward, 5), foldLabel: '5 folds by issue' });
  sets.push({ name: 'issues → solutions', pr: forward, folds: foldsByField(forward, 3), foldLabel: '3 folds by field (check)' });
  const reverse = represented(fx, true);
  sets.push({ name: 'solutions → issues', pr: reverse, folds: foldsByQuery(reverse, 5), foldLabel: '5 folds by solution (check)' });
  console.log('');
  console.log('in process, nDCG@10 (mean over queries with a relevant item)');
  console.log('');
  console.log('direction             queries  bigram BM25  word BM25  model (defaults)');
  const done = new Set<Prepared>();
  for (const { name, pr } of sets) {
    if (done.has(pr)) continue;
    done.add(pr);
    const b = baselines(pr);
    const m = modelScores(pr, DEFAULT_PARAMS);
    console.log(
      `${name.padEnd(21)} ${String(pr.queries.length).padStart(7)}  ${f4(mean([...b.bigram.values()])).padStart(11)}  ${f4(mean([...b.word.values()])).padStart(9)}  ${f4(mean([...m.values()])).padStart(16)}`,
    );
  }
  for (const { name, pr, folds, foldLabel } of sets) {
    const results = crossValidate(pr, folds);
    const cv = results.reduce((s, r) => s + r.testNdcg * r.issues.length, 0) / pr.queries.length;
    const def = results.reduce((s, r) => s + r.defaultNdcg * r.issues.length, 0) / pr.queries.length;
    console.log('');
    console.log(`cross-validated — ${name}, ${foldLabel}: nDCG@10 ${f4(cv)} on the held-out folds (defaults ${f4(def)})`);
    console.log('  fold  queries  chosen on the other folds               train    held-out  (defaults)');
    for (const r of results) {
      const chosen = `synonym ${r.chosen.synonym}, concept ${r.chosen.concept}, field ${r.chosen.field}`;
      console.log(
        `  ${String(r.fold + 1).padStart(4)}  ${String(r.issues.length).padStart(7)}  ${chosen.padEnd(40)} ${f4(r.trainNdcg)}   ${f4(r.testNdcg)}    (${f4(r.defaultNdcg)})`,
      );
    }
  }
  const check = path.join(__dirname, 'matching-check.json');
  if (path.resolve(fixturePath) === path.join(__dirname, 'matching-dev.json') && fs.existsSync(check)) {
    // The independent check set: other topics and another style, never used to choose anything.
    const cx: Fixture = JSON.parse(fs.readFileSync(check, 'utf8'));
    console.log('');
    console.log(
      `independent check set (matching-check.json: ${cx.issues.length} issues, ${cx.solutions.length} solutions, never used for tuning)`,
    );
    console.log('direction             queries  bigram BM25  word BM25  model (defaults)');
    for (const [name, pr] of [
      ['issues → solutions', represented(cx)],
      ['solutions → issues', represented(cx, true)],
    ] as const) {
      const b = baselines(pr);
      const m = modelScores(pr, DEFAULT_PARAMS);
      console.log(
        `${name.padEnd(21)} ${String(pr.queries.length).padStart(7)}  ${f4(mean([...b.bigram.values()])).padStart(11)}  ${f4(mean([...b.word.values()])).padStart(9)}  ${f4(mean([...m.values()])).padStart(16)}`,
      );
    }
  }
  console.log('');
  console.log(
    `defaults (src/matching/ranking.ts): synonym ${DEFAULT_PARAMS.synonym}, concept ${DEFAULT_PARAMS.concept}, field ${DEFAULT_PARAMS.field} — in-process part took ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
}

async function main(): Promise<void> {
  const fx: Fixture = JSON.parse(fs.readFileSync(fixturePath, 'utf8'));
  console.log(`matching evaluation — ${path.basename(fixturePath)}: ${fx.issues.length} issues, ${fx.solutions.length} solutions`);
  if (!apiOnly) inProcess(fx);
  if (offline) return;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-eval-'));
  const t0 = Date.now();
  const { config, services } = await prepare(
    { ...process.env, DATA_DIR: dataDir, SEED_DEMO: 'false', DATABASE_URL: '', MEILI_URL: '', MEILI_MASTER_KEY: '', SMTP_URL: '' },
    { secretariatEmail: SECRETARIAT.email, secretariatPassword: SECRETARIAT.password, logLevel: 'silent', seedDemo: false, dataDir },
    () => undefined,
  );
  let app: NestExpressApplication | undefined;
  try {
    app = await createApp(config);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const api = new Api(`http://127.0.0.1:${port}`);
    const sec = (await api.ok('POST', '/api/v1/auth/tokens', SECRETARIAT, undefined)).token as string;

    // ------------------------------------------------------------ load through the API
    const municipalities: Array<{ code: string; name: string }> = await api.ok('GET', '/api/v1/municipalities', undefined, sec);
    const codeOf = new Map(municipalities.map((m) => [m.name, m.code]));
    const tokens = new Map<string, string>();
    for (const name of [...new Set(fx.issues.map((i) => i.municipality))]) {
      const code = codeOf.get(name);
      if (!code) throw new Error(`unknown municipality in fixture: ${name}`);
      tokens.set('m:' + name, await member(api, sec, { name, kind: 'municipality', municipalityCode: code }));
    }
    for (const name of [...new Set(fx.solutions.map((s) => s.organization))]) {
      tokens.set('o:' + name, await member(api, sec, { name, kind: kindOf(name) }));
    }
    const issueId = new Map<string, string>();
    const solutionKey = new Map<string, string>();
    for (const s of fx.solutions) {
      const body: Record<string, unknown> = {
        title: s.title,
        summary: s.summary,
        body: s.body,
        fieldSlugs: [s.field],
        tags: s.tags,
        status: 'published',
      };
      if (s.trackRecord) body.trackRecord = s.trackRecord;
      const created = await api.ok('POST', '/api/v1/solutions', body, tokens.get('o:' + s.organization));
      solutionKey.set(created.id, s.key);
    }
    for (const i of fx.issues) {
      const created = await api.ok(
        'POST',
        '/api/v1/issues',
        { title: i.title, body: i.body, fieldSlugs: [i.field], tags: i.tags, status: 'published' },
        tokens.get('m:' + i.municipality),
      );
      issueId.set(i.key, created.id);
    }
    await app.get(SearchService).flush(60_000);
    const loadedMs = Date.now() - t0;
    const mb = (x: number) => (x / 1048576).toFixed(0);
    const memBefore = process.memoryUsage();

    // ------------------------------------------------------------ evaluate
    const docs = fx.solutions.map((s) => ({
      id: s.key,
      text: [s.title, s.summary, s.tags.join(' '), s.body, s.trackRecord ?? ''].join('\n'),
    }));
    const rows: Array<{
      key: string;
      title: string;
      ndcg: number;
      recall: number;
      bNdcg: number;
      bRecall: number;
      top: string[];
      ms: number;
    }> = [];
    let example: any;
    for (const i of fx.issues) {
      const qrels = fx.qrels[i.key] ?? {};
      const started = performance.now();
      const res = await api.ok('GET', `/api/v1/issues/${issueId.get(i.key)}/matches?limit=10`, undefined, sec);
      const ms = performance.now() - started;
      const ranked = (res.items as any[]).map((m) => solutionKey.get(m.solution.id) ?? m.solution.id);
      if (!example && res.items.length && i.tags.some((t) => /買い物|安否|交通空白/.test(t)))
        example = { issue: i.title, first: res.items[0] };
      const base = bm25Ranking([i.title, i.tags.join(' '), i.body].join('\n'), docs);
      rows.push({
        key: i.key,
        title: i.title,
        ndcg: ndcg(ranked, qrels),
        recall: recall(ranked, qrels),
        bNdcg: ndcg(base, qrels),
        bRecall: recall(base, qrels),
        top: ranked.slice(0, 3),
        ms,
      });
    }
    const mean = (f: (r: (typeof rows)[number]) => number) => rows.reduce((a, r) => a + f(r), 0) / rows.length;
    const N = mean((r) => r.ndcg);
    const R = mean((r) => r.recall);
    const BN = mean((r) => r.bNdcg);
    const BR = mean((r) => r.bRecall);
    const lat = rows.map((r) => r.ms);

    console.log('');
    console.log(`through the API (fixture loaded in ${(loadedMs / 1000).toFixed(1)} s)`);
    if (verbose) {
      console.log('');
      console.log('issue  nDCG@10  recall@10  (BM25 nDCG)  top 3 / title');
      for (const r of rows) {
        console.log(
          `${r.key.padEnd(6)} ${r.ndcg.toFixed(3).padStart(7)}  ${r.recall.toFixed(3).padStart(9)}  (${r.bNdcg.toFixed(3)})      ${r.top.join(' ')}  ${r.title}`,
        );
      }
    }
    console.log('');
    console.log('                                   nDCG@10   recall@10');
    console.log(`/api/v1/issues/{id}/matches          ${N.toFixed(4)}    ${R.toFixed(4)}`);
    console.log(`character-bigram BM25 (reference)    ${BN.toFixed(4)}    ${BR.toFixed(4)}`);
    console.log(`ratio to BM25                        ${(N / BN).toFixed(4)}`);
    console.log('');
    console.log(`matches latency over HTTP: p50 ${percentile(lat, 50).toFixed(1)} ms, p95 ${percentile(lat, 95).toFixed(1)} ms`);
    const memAfter = process.memoryUsage();
    console.log(
      `app process (in this process; PostgreSQL and Meilisearch are separate): RSS ${mb(memBefore.rss)} MB after loading → ${mb(memAfter.rss)} MB after the matches, heap used ${mb(memBefore.heapUsed)} → ${mb(memAfter.heapUsed)} MB`,
    );
    const target = N >= 0.93;
    console.log(`target (nDCG@10 ≥ 0.93, issue 10): ${target ? 'MET' : 'NOT MET'}`);
    if (example) {
      console.log('');
      console.log(
        `example — 「${example.issue}」 → 「${example.first.solution.title}」 (${example.first.solution.organization.name}, score ${example.first.score})`,
      );
      for (const reason of example.first.reasons) console.log(`  ・${reason}`);
    }
    process.exitCode = target ? 0 : 1;
  } finally {
    await app?.close().catch(() => undefined);
    await services.stop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
