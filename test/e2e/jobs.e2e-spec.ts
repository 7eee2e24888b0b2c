import { DataSource } from 'typeorm';
import { JobsService } from '../../libs/jobs';
import { approvedMember } from '../factories/members';
import { createTestApp, SECRETARIAT, TestApp } from '../support/app';
import { pageClient } from '../support/pages';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('background jobs: retries with back-off, poison jobs parked where the secretariat sees them', () => {
  let t: TestApp;
  let attempts = 0;
  let smtpBroken = true;

  beforeAll(async () => {
    t = await createTestApp('jobs');
    await t.app.get(JobsService).register(
      'test.notice',
      async () => {
        attempts++;
        if (smtpBroken) throw new Error('SMTPサーバーに接続できません (ECONNREFUSED)');
      },
      { retryLimit: 2, retryDelay: 1 },
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a job that keeps failing is retried with growing pauses, then parked; the secretariat sees it and runs it again', async () => {
    const jobs = t.app.get(JobsService);
    const db = t.app.get(DataSource);
    const id = await jobs.send('test.notice', { to: 'kenko@example.jp', template: 'eventReminder' });
    const failed = await waitFor('the job to fail for good', async () => (await jobs.failures()).failed.find((j) => j.id === id));
    expect(attempts).toBe(3); // the first try and two retries
    expect(failed).toMatchObject({
      name: 'test.notice',
      retryCount: 2,
      output: { message: expect.stringMatching(/SMTPサーバーに接続できません/) },
    });
    const [queue] = await db.query(
      `SELECT retry_limit, retry_delay, retry_backoff, dead_letter FROM pgboss.queue WHERE name = 'test.notice'`,
    );
    expect(queue).toEqual({ retry_limit: 2, retry_delay: 1, retry_backoff: true, dead_letter: 'dead_letter' });
    // parked in the dead-letter queue with its data
    const parked = await jobs.deadLetters();
    expect(parked.map((d) => d.data)).toContainEqual({ to: 'kenko@example.jp', template: 'eventReminder' });

    // the secretariat's page lists it with the error
    const sec = pageClient(t);
    await sec.signIn(SECRETARIAT.email, SECRETARIAT.password);
    const page = await sec.get('/secretariat/jobs');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/バックグラウンド処理の失敗/);
    expect(page.text).toContain(`data-job-id="${id}"`);
    expect(page.text).toMatch(/SMTPサーバーに接続できません/);
    expect(page.text).toMatch(/data-dead-letters="[1-9]/);

    // the cause is fixed; the secretariat runs it again and it goes through
    smtpBroken = false;
    const retried = await sec.post(`/secretariat/jobs/${id}/retry`, {});
    expect(retried.status).toBe(303);
    expect(retried.headers.location).toBe('/secretariat/jobs');
    await waitFor('the retried job to complete', async () => {
      const [row] = await db.query(`SELECT state FROM pgboss.job WHERE id = $1`, [id]);
      return row?.state === 'completed' ? true : undefined;
    });
    const after = await sec.get('/secretariat/jobs');
    expect(after.text).toMatch(/処理をもう一度実行するよう登録しました/);
    expect(after.text).not.toContain(`data-job-id="${id}"`);
    // a job that is not failed cannot be "retried"
    expect((await sec.post(`/secretariat/jobs/${id}/retry`, {})).status).toBe(404);
  });

  it('only the secretariat may see or retry failed jobs', async () => {
    const member = await approvedMember(t, 'corporation');
    const anon = await t.http().get('/secretariat/jobs').set('Accept', 'text/html');
    expect(anon.status).toBe(303);
    expect(anon.headers.location).toBe('/login?next=%2Fsecretariat%2Fjobs');
    const m = pageClient(t);
    await m.signIn(member.email, member.password);
    expect((await m.get('/secretariat/jobs')).status).toBe(403);
    expect((await m.post('/secretariat/jobs/00000000-0000-4000-8000-000000000000/retry', {})).status).toBe(403);
    // without the CSRF token even the secretariat is refused
    const sec = pageClient(t);
    await sec.signIn(SECRETARIAT.email, SECRETARIAT.password);
    const noToken = await sec.agent
      .post('/secretariat/jobs/00000000-0000-4000-8000-000000000000/retry')
      .set('Accept', 'text/html')
      .type('form')
      .send({});
    expect(noToken.status).toBe(403);
  });
});
