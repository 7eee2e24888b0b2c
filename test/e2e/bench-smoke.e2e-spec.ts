import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchReport, runBench } from '../bench/bench';
import { BODY_MAX, BODY_MIN, MUNICIPALITIES, synthIssue, synthSolution, TITLE_MAX, TITLE_MIN } from '../bench/corpus';
import { adminDatabaseUrl, meiliTest } from '../support/services';

jest.setTimeout(240_000);

/**
 * `npm run bench` in miniature (a few hundred documents, two-second load runs): every section of the report is
 * measured and holds numbers. No timing is asserted here; the figures of a real run are in README-performance.md.
 */
describe('the benchmark (smoke run)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-bench-smoke-'));
  let report: BenchReport;

  beforeAll(async () => {
    const meili = meiliTest();
    report = await runBench({
      scale: 300,
      seconds: 2,
      lagSeconds: 2,
      serviceDocs: 100,
      providers: 6,
      dataDir,
      databaseUrl: adminDatabaseUrl(),
      meiliUrl: meili.url,
      meiliKey: meili.key,
      logLevel: 'warn',
      log: () => undefined,
    });
  });

  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const measured = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0;
  const latency = (l: { n: number; p50: number; p95: number; p99: number; rps: number; errors: number } | null) => {
    expect(l).not.toBeNull();
    expect({ ...l!, n: l!.n > 0 }).toMatchObject({ n: true });
    for (const k of ['p50', 'p95', 'p99', 'rps'] as const) expect(measured(l![k])).toBe(true);
    expect(l!.errors).toBe(0);
  };

  it('loads the corpus through the service layer and the bulk path, which write the same rows, and indexes all of it', () => {
    expect(report.load.issues.service.documents).toBe(100);
    expect(report.load.issues.bulk?.documents).toBe(200);
    expect(report.load.solutions.service.documents).toBe(100);
    expect(report.load.bulkEquivalent).toEqual({ equivalent: true, differences: [] });
    expect(measured(report.load.indexCatchUpSeconds)).toBe(true);
  });

  it('measures search through the API beside raw Meilisearch and beside ILIKE in PostgreSQL', () => {
    latency(report.search.api.c1);
    latency(report.search.api.c16);
    latency(report.search.meili.c1);
    latency(report.search.meili.c16);
    expect(measured(report.search.ratio.c1.p50) && measured(report.search.ratio.c16.p95)).toBe(true);
    expect(report.ilike.latency.n).toBeGreaterThan(0);
    expect(measured(report.ilike.speedupP50)).toBe(true);
  });

  it('measures matches and the signed-in results page beside a bare http server', () => {
    if (report.matches.available) {
      latency(report.matches.c1);
      latency(report.matches.c16);
    }
    latency(report.page.app);
    latency(report.page.bare);
    expect(measured(report.page.ratio)).toBe(true);
  });

  it('measures publish → searchable under writes, the full reindex beside direct indexing, and memory at 1× and 2×', () => {
    expect(report.lag.writes).toBe(40);
    expect(report.lag.missing).toBe(0);
    expect(measured(report.lag.p50) && measured(report.lag.p95)).toBe(true);
    expect(report.reindex.app.documents).toBe(report.reindex.direct.documents);
    expect(report.reindex.app.documents).toBeGreaterThanOrEqual(300);
    expect(measured(report.reindex.ratio)).toBe(true);
    expect(report.rss.atScale.steadyMB).toBeGreaterThan(0);
    expect(report.rss.atDoubleScale?.documents).toBe(2 * report.rss.atScale.documents);
    expect(measured(report.rss.growth)).toBe(true);
  });

  it("accounts for the app's CPU per request and Meilisearch's data size", () => {
    for (const k of ['searchApiC16', 'matchesC16', 'page', 'write'] as const) {
      if (k === 'matchesC16' && !report.matches.available) continue;
      expect(measured(report.cpu[k]?.app)).toBe(true);
    }
    expect(report.meili.atScale.documents.issues).toBeGreaterThanOrEqual(300);
    expect(measured(report.meili.atScale.databaseSizeMB)).toBe(true);
  });

  it('writes bench-report.json and bench-report.md with a verdict for every target', () => {
    const names = report.targets.map((x) => x.name);
    expect(names.length).toBeGreaterThanOrEqual(12);
    for (const x of report.targets) expect(typeof x.pass).toBe('boolean');
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'bench-report.json'), 'utf8')).meta.scale).toBe(300);
    const md = fs.readFileSync(path.join(dataDir, 'bench-report.md'), 'utf8');
    expect(md).toContain('publish → searchable');
    expect(md).toContain('bare http');
  });

  it('generates the same Japanese corpus for the same seed, with titles of 20–40 and bodies of 200–400 characters', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 12 }), fc.nat(1_000_000), (seed, i) => {
        const issue = synthIssue(seed, i);
        expect(synthIssue(seed, i)).toEqual(issue);
        expect(issue.title.length).toBeGreaterThanOrEqual(TITLE_MIN);
        expect(issue.title.length).toBeLessThanOrEqual(TITLE_MAX);
        expect(issue.body.length).toBeGreaterThanOrEqual(BODY_MIN);
        expect(issue.body.length).toBeLessThanOrEqual(BODY_MAX);
        expect(issue.municipality).toBeLessThan(MUNICIPALITIES.length);
        expect(issue.body).toMatch(/[\p{Script=Han}\p{Script=Hiragana}]/u);
        const solution = synthSolution(seed, i, 7);
        expect(solution.provider).toBeLessThan(7);
        expect(solution.body.length).toBeGreaterThanOrEqual(BODY_MIN);
        expect(solution.body.length).toBeLessThanOrEqual(BODY_MAX);
      }),
      { numRuns: 300 },
    );
  });
});
