import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startServices } from '../../libs/runtime';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/app-config';
process.on('unhandledRejection', (e: any) => console.log('UNHANDLED REJECTION', e?.stack));
process.on('uncaughtException', (e: any) => console.log('UNCAUGHT', e?.stack));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-'));
  const s = await startServices({ dataDir, ephemeral: true });
  const config = loadConfig({}, { databaseUrl: s.databaseUrl, meiliUrl: s.meiliUrl, meiliMasterKey: s.meiliKey, dataDir, sessionSecret: randomBytes(32).toString('hex'), logLevel: 'error', nodeEnv: 'test' });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as any).port}`;
  let running = true;
  const loop = async () => { while (running) { for (const p of ['/', '/login', '/health']) { await fetch(url + p).catch(() => 0); } await fetch(url + '/api/v1/membership-applications', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ organization: { name: 'x', kind: 'corporation' }, contact: { name: 'y', email: `a${Math.random()}@example.jp`, password: 'password-long-1' }, agreeToTerms: true }) }).catch(() => 0); } };
  const ls = [loop(), loop(), loop(), loop()];
  for (let i = 0; i < 6; i++) {
    await sleep(1000); await s.stopPostgres(); await sleep(2500); await s.startPostgres(); await sleep(3000);
    console.log('cycle', i);
  }
  running = false; await Promise.all(ls);
  await app.close(); await s.stop(); fs.rmSync(dataDir, { recursive: true, force: true });
})();
