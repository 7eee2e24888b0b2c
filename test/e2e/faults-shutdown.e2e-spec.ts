import * as http from 'node:http';
import { Client } from 'pg';
import { closeGracefully } from '../../src/web/shutdown';
import { createTestApp, TestApp } from '../support/app';
import { pageClient } from '../support/pages';
import { dropTestDatabase, testDatabaseUrl } from '../support/services';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function count(url: string, sql: string, params: unknown[]): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows[0].n;
  } finally {
    await c.end();
  }
}

const application = (email: string, name: string) => ({
  organization: { name, kind: 'corporation' },
  contact: { name: '山田 太郎', email, password: 'shutdown-pass-2026' },
  agreeToTerms: true,
});

describe('faults: stopping (SIGTERM) and starting again', () => {
  it('a request in flight when the app is told to stop still finishes, and new connections are refused meanwhile', async () => {
    const t: TestApp = await createTestApp('shutdown-inflight');
    const databaseUrl = t.config.databaseUrl!;
    try {
      // a visitor fills in the join form (a page: session and CSRF token) on a slow connection
      const visitor = pageClient(t);
      await visitor.get('/join');
      const cookie = visitor.agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).toValueString();
      const body = Buffer.from(
        new URLSearchParams({
          _csrf: visitor.csrf,
          orgName: '株式会社ゆっくり送信',
          orgKind: 'corporation',
          contactName: '山田 太郎',
          email: 'inflight@example.jp',
          password: 'shutdown-pass-2026',
          agreeToTerms: 'on',
        }).toString(),
      );
      const { port } = t.app.getHttpServer().address() as { port: number };
      // the browser sends the headers and half of the form, then stalls: the request is in flight
      const req = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/join',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length, accept: 'text/html', cookie },
      });
      const response = new Promise<{ status: number; location?: string }>((resolve, reject) => {
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location }));
        });
        req.on('error', reject);
      });
      req.write(body.subarray(0, 40));
      await sleep(300);

      const closing = closeGracefully(t.app, 20_000); // what main.ts does on SIGTERM
      await sleep(300);
      // no new connections while draining
      await expect(fetch(`${t.url}/health`)).rejects.toThrow();
      req.end(body.subarray(40));
      const res = await response;
      expect(res.status).toBe(303);
      await closing;
      expect(
        await count(databaseUrl, `SELECT count(*)::int AS n FROM membership_applications WHERE contact_email = $1`, [
          'inflight@example.jp',
        ]),
      ).toBe(1);
    } finally {
      await t.mail.stop();
      await dropTestDatabase(databaseUrl).catch(() => undefined);
    }
  });

  it('mail queued by a stopped instance is delivered after the next start', async () => {
    const databaseUrl = await testDatabaseUrl('shutdown-jobs');
    try {
      // the first instance accepts an application (its receipt mail is queued in the same transaction) and stops
      const first = await createTestApp('shutdown-jobs-a', { databaseUrl, runWorkers: false });
      await first.http().post('/api/v1/membership-applications').send(application('resume@example.jp', '株式会社さいかい')).expect(201);
      await first.close();
      expect(
        await count(
          databaseUrl,
          `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'mail.send' AND state = 'created' AND data->>'to' = $1`,
          ['resume@example.jp'],
        ),
      ).toBe(1);

      // the next instance on the same database picks it up
      const second = await createTestApp('shutdown-jobs-b', { databaseUrl });
      try {
        await second.flushMail();
        const mails = second.mail.to('resume@example.jp');
        expect(mails).toHaveLength(1);
        expect(mails[0].text).toMatch(/株式会社さいかい/);
      } finally {
        await second.close();
      }
    } finally {
      await dropTestDatabase(databaseUrl).catch(() => undefined);
    }
  });
});
