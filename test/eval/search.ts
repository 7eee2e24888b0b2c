/**
 * npm run eval:search [-- path/to/queries.json] [-- --verbose]
 *
 * Starts a fresh Kyoso (embedded PostgreSQL + Meilisearch in a temporary DATA_DIR) with the demo data of `npm start`,
 * waits for the search index, then asks `GET /api/v1/issues?q=…` (as a demo company) for every query of the set and
 * prints hit@5 (an expected issue among the first five results) and MRR (reciprocal rank of the first expected issue
 * among the first 20) per query style and overall. Expected issues are identified by title.
 */
import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SearchService } from '../../libs/search';
import { createApp } from '../../src/app.factory';
import { prepare } from '../../src/bootstrap';
import { DEMO_PASSWORD } from '../../src/demo/demo-data';
import { percentile } from './metrics';

interface QuerySet {
  description: string;
  queries: Array<{ style: string; q: string; expect: string[] }>;
}

const args = process.argv.slice(2);
const verbose = args.includes('--verbose') || args.includes('-v');
const setPath = args.find((a) => !a.startsWith('-')) ?? path.join(__dirname, 'search-queries.json');
const COMPANY = 'mirai@example.jp';
const TARGET_HIT5 = 0.9;

async function call(base: string, method: string, url: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(base + url, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function main(): Promise<void> {
  const set: QuerySet = JSON.parse(fs.readFileSync(setPath, 'utf8'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-eval-search-'));
  const t0 = Date.now();
  const { config, services } = await prepare(
    { ...process.env, DATA_DIR: dataDir, SEED_DEMO: 'true', DATABASE_URL: '', MEILI_URL: '', MEILI_MASTER_KEY: '', SMTP_URL: '' },
    { logLevel: 'silent', seedDemo: true, dataDir },
    () => undefined,
  );
  let app: NestExpressApplication | undefined;
  try {
    app = await createApp(config);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const base = `http://127.0.0.1:${port}`;
    await app.get(SearchService).flush(120_000);
    const login = await call(base, 'POST', '/api/v1/auth/tokens', { email: COMPANY, password: DEMO_PASSWORD });
    if (login.status !== 201 && login.status !== 200) throw new Error(`demo login failed: ${login.status} ${JSON.stringify(login.body)}`);
    const token = login.body.token as string;
    const all = await call(base, 'GET', '/api/v1/issues?perPage=100', undefined, token);
    const titles = new Set((all.body.items as Array<{ title: string }>).map((i) => i.title));
    const missing = set.queries.flatMap((q) => q.expect).filter((t) => !titles.has(t));
    if (missing.length) throw new Error(`expected issues not in the demo data: ${[...new Set(missing)].join(' / ')}`);
    const loadedMs = Date.now() - t0;

    const rows: Array<{ style: string; q: string; rank: number; top: string[]; ms: number }> = [];
    for (const query of set.queries) {
      const started = performance.now();
      const res = await call(base, 'GET', `/api/v1/issues?perPage=20&q=${encodeURIComponent(query.q)}`, undefined, token);
      const ms = performance.now() - started;
      if (res.status !== 200) throw new Error(`${query.q} → ${res.status} ${JSON.stringify(res.body)}`);
      const ranked = (res.body.items as Array<{ title: string }>).map((i) => i.title);
      const rank = ranked.findIndex((t) => query.expect.includes(t)) + 1;
      rows.push({ style: query.style, q: query.q, rank, top: ranked.slice(0, 5), ms });
    }

    const styles = [...new Set(rows.map((r) => r.style))];
    const stat = (rs: typeof rows) => ({
      n: rs.length,
      hit5: rs.filter((r) => r.rank >= 1 && r.rank <= 5).length / rs.length,
      mrr: rs.reduce((a, r) => a + (r.rank ? 1 / r.rank : 0), 0) / rs.length,
    });
    console.log(
      `search evaluation — ${path.basename(setPath)}: ${rows.length} queries over ${titles.size} demo issues (loaded in ${(loadedMs / 1000).toFixed(1)} s)`,
    );
    if (verbose) {
      console.log('');
      for (const r of rows) {
        const mark = r.rank >= 1 && r.rank <= 5 ? 'ok  ' : 'MISS';
        console.log(`${mark} ${r.style.padEnd(10)} rank ${String(r.rank || '-').padStart(2)}  ${r.q}`);
        if (mark === 'MISS') for (const t of r.top) console.log(`        ${t}`);
      }
    }
    console.log('');
    console.log('style        queries   hit@5     MRR');
    for (const s of styles) {
      const x = stat(rows.filter((r) => r.style === s));
      console.log(`${s.padEnd(12)} ${String(x.n).padStart(7)}   ${(x.hit5 * 100).toFixed(1).padStart(5)} %   ${x.mrr.toFixed(3)}`);
    }
    const total = stat(rows);
    console.log(
      `${'overall'.padEnd(12)} ${String(total.n).padStart(7)}   ${(total.hit5 * 100).toFixed(1).padStart(5)} %   ${total.mrr.toFixed(3)}`,
    );
    const lat = rows.map((r) => r.ms);
    console.log('');
    console.log(`search latency over HTTP: p50 ${percentile(lat, 50).toFixed(1)} ms, p95 ${percentile(lat, 95).toFixed(1)} ms`);
    const met = total.hit5 >= TARGET_HIT5;
    console.log(`target (hit@5 ≥ ${TARGET_HIT5 * 100} %): ${met ? 'MET' : 'NOT MET'}`);
    process.exitCode = met ? 0 : 1;
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
