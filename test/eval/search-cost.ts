/**
 * node --expose-gc -r @swc-node/register test/eval/search-cost.ts   (COST_DOCS=3000 BOOT_WAIT=12000)
 *
 * Cost of the search path in one process (embedded services, no demo data): RSS after boot and after a workload
 * (after a full GC), a full reindex of COST_DOCS synthetic issues (test/bench corpus) twice, in docs/s with the app's
 * CPU per document, and 50 searches. Run it on two checkouts back to back to compare (the machine's load moves the
 * absolute figures).
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { SearchService } from '../../libs/search';
import { createApp } from '../../src/app.factory';
import { prepare } from '../../src/bootstrap';
import { MUNICIPALITIES, synthIssue } from '../bench/corpus';

const N = Number(process.env.COST_DOCS ?? 3000);
const gcRss = () => {
  (global as any).gc?.();
  (global as any).gc?.();
  return Math.round(process.memoryUsage().rss / 1e6);
};

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-cost-'));
  const { config, services } = await prepare(
    { ...process.env, DATA_DIR: dataDir, SEED_DEMO: 'false', DATABASE_URL: '', MEILI_URL: '', MEILI_MASTER_KEY: '', SMTP_URL: '' },
    { logLevel: 'silent', seedDemo: false, dataDir, runWorkers: false },
    () => undefined,
  );
  const rssStart = gcRss();
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  await new Promise((r) => setTimeout(r, Number(process.env.BOOT_WAIT ?? 3000))); // boot warm-up (dictionaries load in setImmediate)
  const rssBoot = gcRss();
  const db = app.get(DataSource);
  await db.query(
    `INSERT INTO organizations (name, kind, municipality_code) SELECT m.name, 'municipality', m.code FROM municipalities m
     WHERE NOT EXISTS (SELECT 1 FROM organizations o WHERE o.municipality_code = m.code)`,
  );
  const orgs: Array<{ id: string; municipality_code: string }> = await db.query(
    `SELECT id, municipality_code FROM organizations WHERE kind = 'municipality'`,
  );
  const orgOf = new Map(orgs.map((o) => [o.municipality_code, o.id]));
  const rows = [];
  for (let i = 0; i < N; i++) {
    const s = synthIssue('cost', i);
    const code = MUNICIPALITIES[s.municipality].code;
    rows.push({
      organization_id: orgOf.get(code),
      municipality_code: code,
      title: s.title,
      body: s.body,
      field_slugs: s.fieldSlugs,
      tags: s.tags,
    });
  }
  for (let i = 0; i < rows.length; i += 1000)
    await db.query(
      `INSERT INTO issues (organization_id, municipality_code, title, body, field_slugs, tags, status, published_at)
       SELECT organization_id, municipality_code, title, body, field_slugs, tags, 'published', now()
       FROM jsonb_to_recordset($1::jsonb) AS x(organization_id uuid, municipality_code varchar, title varchar, body text, field_slugs text[], tags text[])`,
      [JSON.stringify(rows.slice(i, i + 1000))],
    );
  const search = app.get(SearchService);
  const def = search.definition('issues')!;
  const runs = [];
  for (let r = 0; r < 2; r++) {
    const c0 = process.cpuUsage();
    const t0 = Date.now();
    await search.reindexOne(def, () => undefined);
    const ms = Date.now() - t0;
    const c = process.cpuUsage(c0);
    runs.push({
      docsPerSecond: Math.round((N / ms) * 1000),
      seconds: ms / 1000,
      appCpuMsPerDoc: +((c.user + c.system) / 1000 / N).toFixed(2),
    });
  }
  const qs = [
    '高齢者 見守り',
    '空き家',
    '移動販売',
    'オンデマンド交通',
    '防災',
    '子育て 支援',
    '観光 DX',
    '窓口 待ち時間',
    '脱炭素',
    'こうれいしゃ',
  ];
  const lat: number[] = [];
  for (let k = 0; k < 5; k++)
    for (const q of qs) {
      const t0 = performance.now();
      await app.get(SearchService).multiSearch([
        {
          index: 'issues',
          q,
          page: 1,
          hitsPerPage: 20,
          attributesToRetrieve: ['id'],
          attributesToHighlight: ['title', 'body'],
          attributesToCrop: ['body'],
          cropLength: 40,
        },
      ]);
      lat.push(performance.now() - t0);
    }
  lat.sort((a, b) => a - b);
  await new Promise((r) => setTimeout(r, 8000));
  const rssAfter = gcRss();
  const mu = process.memoryUsage();
  console.log(
    JSON.stringify({
      heapUsed: Math.round(mu.heapUsed / 1e6),
      heapTotal: Math.round(mu.heapTotal / 1e6),
      external: Math.round(mu.external / 1e6),
      N,
      rssStart,
      rssBoot,
      rssAfter,
      runs,
      searchMs: { p50: +lat[Math.floor(lat.length / 2)].toFixed(1), p95: +lat[Math.floor(lat.length * 0.95)].toFixed(1) },
    }),
  );
  await app.close();
  await services.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
