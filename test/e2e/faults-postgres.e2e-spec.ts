import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { RuntimeServices, startServices } from '../../libs/runtime';
import { approvedMember, TestMember } from '../factories/members';
import { createTestApp, TestApp } from '../support/app';
import { pageClient } from '../support/pages';
import { meiliTest } from '../support/services';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcome {
  kind: string;
  status: number;
  type: string;
  body: string;
  phase: 'before' | 'outage' | 'after';
  email?: string;
}

/**
 * PostgreSQL goes away under load and comes back. This file runs its OWN embedded PostgreSQL (the shared
 * test server must stay up for the other files); Meilisearch is the shared one.
 */
describe('faults: PostgreSQL restarts under load', () => {
  let services: RuntimeServices;
  let t: TestApp;
  let member: TestMember;
  let browser: ReturnType<typeof pageClient>;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-faults-pg-'));

  beforeAll(async () => {
    const meili = meiliTest();
    services = await startServices({ dataDir, meiliUrl: meili.url, meiliKey: meili.key, ephemeral: true });
    t = await createTestApp('faults-pg', { databaseUrl: services.databaseUrl });
    member = await approvedMember(t, 'corporation', { name: '株式会社あんしん運用' });
    browser = pageClient(t);
    await browser.signIn(member.email, member.password);
  });

  afterAll(async () => {
    await t?.close();
    await services?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('requests fail cleanly with 503 (a Japanese page, or JSON for the API) while it is down, and the app recovers by itself', async () => {
    let phase: Outcome['phase'] = 'before';
    let running = true;
    const outcomes: Outcome[] = [];
    let n = 0;
    const kinds: Array<{ kind: string; run: () => Promise<{ res: any; email?: string }> }> = [
      { kind: 'page /', run: async () => ({ res: await t.http().get('/').set('Accept', 'text/html') }) },
      { kind: 'page /login', run: async () => ({ res: await t.http().get('/login').set('Accept', 'text/html') }) },
      { kind: 'page /home (signed in)', run: async () => ({ res: await browser.agent.get('/home').set('Accept', 'text/html') }) },
      { kind: 'api me', run: async () => ({ res: await t.http().get('/api/v1/me').set('Authorization', `Bearer ${member.token}`) }) },
      { kind: 'health', run: async () => ({ res: await t.http().get('/health') }) },
      {
        kind: 'api apply',
        run: async () => {
          const email = `load-${++n}-${Date.now()}@example.jp`;
          const res = await t
            .http()
            .post('/api/v1/membership-applications')
            .send({
              organization: { name: `株式会社負荷試験${n}`, kind: 'corporation' },
              contact: { name: '負荷 太郎', email, password: 'load-test-pass-2026' },
              agreeToTerms: true,
            });
          return { res, email };
        },
      },
    ];
    const client = async (i: number) => {
      for (let k = i; running; k++) {
        const c = kinds[k % kinds.length];
        const at = phase;
        try {
          const { res, email } = await c.run();
          outcomes.push({
            kind: c.kind,
            status: res.status,
            type: String(res.headers['content-type'] ?? ''),
            body: res.text ?? '',
            phase: at,
            email,
          });
        } catch (e) {
          outcomes.push({ kind: c.kind, status: 0, type: '', body: (e as Error).message, phase: at });
        }
        await sleep(20);
      }
    };
    const clients = Array.from({ length: 6 }, (_, i) => client(i));

    await sleep(1000);
    phase = 'outage';
    await services.stopPostgres();
    await sleep(2500);
    await services.startPostgres();
    phase = 'after';
    // wait until every kind of request has succeeded again (bounded)
    const ok = (o: Outcome) => o.status === 200 || o.status === 201;
    const deadline = Date.now() + 20_000;
    const since = outcomes.length;
    while (Date.now() < deadline) {
      const recent = outcomes.slice(since).filter((o) => o.phase === 'after');
      if (kinds.every((k) => recent.filter((o) => o.kind === k.kind && ok(o)).length >= 2)) break;
      await sleep(200);
    }
    running = false;
    await Promise.all(clients);

    const during = outcomes.filter((o) => o.phase === 'outage');
    const statuses = [...new Set(outcomes.map((o) => o.status))].sort();
    // never a 500, never a dropped connection
    expect(outcomes.filter((o) => o.status >= 500 && o.status !== 503).map((o) => `${o.kind} ${o.status} ${o.body.slice(0, 200)}`)).toEqual(
      [],
    );
    expect(outcomes.filter((o) => o.status === 0).map((o) => `${o.kind}: ${o.body}`)).toEqual([]);
    expect(statuses).toEqual(expect.arrayContaining([503]));
    // pages: a Japanese error page; the API: JSON saying the service is unavailable
    const unavailable = during.filter((o) => o.status === 503);
    for (const o of unavailable) {
      if (o.kind.startsWith('page')) {
        expect(o.type).toMatch(/text\/html/);
        expect(o.body).toMatch(/ただいまサービスを利用できません/);
      } else {
        expect(o.type).toMatch(/application\/json/);
        expect(JSON.parse(o.body)).toMatchObject(
          o.kind === 'health' ? { status: 'unavailable', database: 'down' } : { statusCode: 503, code: 'serviceUnavailable' },
        );
      }
    }
    // recovered without a restart: every kind succeeds again
    const after = outcomes.filter((o) => o.phase === 'after' && ok(o));
    for (const k of kinds) expect(after.filter((o) => o.kind === k.kind).length).toBeGreaterThanOrEqual(2);

    // every acknowledged application is stored; none that was refused is
    const acked = outcomes.filter((o) => o.kind === 'api apply' && o.status === 201).map((o) => o.email!);
    const refused = outcomes.filter((o) => o.kind === 'api apply' && o.status !== 201).map((o) => o.email!);
    const c = new Client({ connectionString: services.databaseUrl });
    await c.connect();
    try {
      const { rows } = await c.query<{ contact_email: string }>(
        `SELECT contact_email FROM membership_applications WHERE contact_email LIKE 'load-%'`,
      );
      const stored = new Set(rows.map((r) => r.contact_email));
      expect(acked.filter((e) => !stored.has(e))).toEqual([]);
      // a request cut by the outage may or may not have committed; a refused one before the commit never is
      expect(refused.filter((e) => stored.has(e)).length).toBeLessThanOrEqual(unavailable.length);
    } finally {
      await c.end();
    }
    expect(acked.length).toBeGreaterThan(0);
    process.stdout.write(
      `PostgreSQL restart: ${outcomes.length} requests, ${unavailable.length} answered 503 during the outage, statuses ${statuses.join(',')}\n`,
    );
  });
});
