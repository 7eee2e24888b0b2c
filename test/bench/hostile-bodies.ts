/**
 * npm run bench:bodies — what hostile request bodies cost (the security review's finding 2), as figures, not a test.
 *
 * Starts a Kyoso on embedded services (no demo data) and, for each hostile body (50,000 unknown keys; 3,000 small
 * objects; nesting 10,000 deep), sends it 10 times to the public `POST /api/v1/auth/password-resets` while a second
 * client asks `/health` in a loop, and prints the refused request's time (p50/max) and `/health`'s time meanwhile.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createApp } from '../../src/app.factory';
import { prepare } from '../../src/bootstrap';
import { percentile } from '../eval/metrics';

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-bodies-'));
  const { config, services } = await prepare(
    { ...process.env, DATA_DIR: dataDir, SEED_DEMO: 'false', DATABASE_URL: '', MEILI_URL: '', MEILI_MASTER_KEY: '', SMTP_URL: '' },
    { logLevel: 'silent', seedDemo: false, dataDir, runWorkers: false },
    () => undefined,
  );
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const base = await app.getUrl();
  const manyKeys: Record<string, string> = { email: 'someone@example.jp' };
  for (let i = 0; i < 50_000; i++) manyKeys[`k${i}`] = 'x';
  const bodies: Array<[string, string]> = [
    ['50,000 unknown keys (≈ 540 KB)', JSON.stringify(manyKeys)],
    [
      '3,000 small objects',
      JSON.stringify({ email: 'someone@example.jp', items: Array.from({ length: 3000 }, (_, i) => ({ a: i, b: i })) }),
    ],
    ['nested 10,000 deep', '{"email":"someone@example.jp","x":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}'],
  ];
  console.log('hostile body                      status  refused p50 / max     /health meanwhile p50 / max');
  for (const [label, body] of bodies) {
    const times: number[] = [];
    const health: number[] = [];
    let status = 0;
    let running = true;
    const probe = (async () => {
      while (running) {
        const t0 = performance.now();
        await fetch(`${base}/health`).then((r) => r.arrayBuffer());
        health.push(performance.now() - t0);
      }
    })();
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const res = await fetch(`${base}/api/v1/auth/password-resets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await res.arrayBuffer();
      status = res.status;
      times.push(performance.now() - t0);
    }
    running = false;
    await probe;
    const ms = (xs: number[], p: number) => percentile(xs, p).toFixed(1);
    console.log(
      `${label.padEnd(34)} ${String(status).padEnd(7)} ${ms(times, 50).padStart(7)} / ${Math.max(...times)
        .toFixed(1)
        .padStart(7)} ms   ${ms(health, 50).padStart(7)} / ${Math.max(...health)
        .toFixed(1)
        .padStart(7)} ms`,
    );
  }
  await app.close();
  await services.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
