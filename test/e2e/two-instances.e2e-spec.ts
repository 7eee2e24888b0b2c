import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { SearchService } from '../../libs/search';
import { createApp } from '../../src/app.factory';
import { AppConfig } from '../../libs/config/app-config';
import { auth, flushSearch, issueInput, postIssue } from '../factories/marketplace';
import { approvedMember, TestMember } from '../factories/members';
import { createTestApp, TestApp } from '../support/app';

jest.setTimeout(120_000);

/**
 * Scale-out: two app instances (as behind a load balancer) on one PostgreSQL database and one Meilisearch index prefix,
 * same SESSION_SECRET, both running the workers (search outbox drainer, pg-boss). Nothing a member does may depend on
 * which instance answers, and nothing queued may happen twice.
 */
describe('two Kyoso instances on one PostgreSQL and one Meilisearch', () => {
  let t: TestApp;
  let second: NestExpressApplication;
  let a: () => request.Agent;
  let b: () => request.Agent;
  let municipality: TestMember;

  beforeAll(async () => {
    t = await createTestApp('two-instances');
    // the same configuration, as a second container of the same deployment would have it (listen() picks the port)
    const config = Object.assign(new AppConfig(), t.config);
    second = await createApp(config);
    await second.listen(0, '127.0.0.1');
    a = () => request.agent(t.app.getHttpServer());
    b = () => request.agent(second.getHttpServer());
    municipality = await approvedMember(t, 'municipality', { municipalityCode: '27100' });
  });

  afterAll(async () => {
    await second?.close();
    await t?.close();
  });

  /** A browser that may be routed to either instance: one cookie jar, requests to A or B. */
  function browser() {
    let cookie = '';
    let csrf = '';
    const keep = (res: request.Response) => {
      const set = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
      const sid = set.find((c) => c.startsWith('kyoso.sid='));
      if (sid) cookie = sid.split(';')[0];
      const m = /name="_csrf" value="([^"]+)"/.exec(res.text ?? '');
      if (m) csrf = m[1];
      return res;
    };
    return {
      get: async (via: () => request.Agent, path: string) => keep(await via().get(path).set('Accept', 'text/html').set('Cookie', cookie)),
      post: async (via: () => request.Agent, path: string, form: Record<string, string>) =>
        keep(
          await via()
            .post(path)
            .set('Accept', 'text/html')
            .set('Cookie', cookie)
            .type('form')
            .send({ _csrf: csrf, ...form }),
        ),
    };
  }

  it('a member who signs in on one instance is signed in on the other, and signing out there ends it everywhere', async () => {
    const web = browser();
    await web.get(a, '/login');
    const login = await web.post(a, '/login', { email: municipality.email, password: municipality.password });
    expect(login.status).toBe(303);

    const homeOnB = await web.get(b, '/home');
    expect(homeOnB.status).toBe(200);
    expect(homeOnB.text).toContain(municipality.organizationName);

    // the form's CSRF token came from B's page; A accepts it (the token lives in the shared session)
    const logout = await web.post(a, '/logout', {});
    expect(logout.status).toBe(303);
    const homeAfter = await web.get(b, '/home');
    expect(homeAfter.status).toBe(303);
    expect(homeAfter.headers.location).toMatch(/^\/login/);
  });

  it('an API token issued by one instance works on the other, and revoking it on one revokes it on both', async () => {
    const issued = await a().post('/api/v1/auth/tokens').send({ email: municipality.email, password: municipality.password });
    expect(issued.status).toBe(201);
    const token = issued.body.token as string;

    expect((await b().get('/api/v1/issues').set(auth(token))).status).toBe(200);
    expect((await b().delete('/api/v1/auth/tokens/current').set(auth(token))).status).toBe(204);
    expect((await a().get('/api/v1/issues').set(auth(token))).status).toBe(401);
  });

  it('failed sign-ins count on both instances: five wrong passwords spread over A and B lock the account on both', async () => {
    const member = await approvedMember(t, 'corporation');
    for (let i = 0; i < 5; i++) {
      const res = await (i % 2 ? b : a)()
        .post('/api/v1/auth/tokens')
        .send({ email: member.email, password: `wrong-password-${i}` });
      expect(res.status).toBe(401);
    }
    expect((await a().post('/api/v1/auth/tokens').send({ email: member.email, password: member.password })).status).toBe(429);
    expect((await b().post('/api/v1/auth/tokens').send({ email: member.email, password: member.password })).status).toBe(429);

    // the lock-out notice is sent once, whichever instance's worker picks it up
    await t.flushMail();
    expect(t.mail.to(member.email).filter((m) => m.subject.includes('ログインを一時的に停止'))).toHaveLength(1);
  });

  it('an issue posted on A is found by a search on B, and one posted on B by a search on A', async () => {
    const onA = await postIssue(t, municipality.token, {
      title: '駅前広場のにぎわいを取り戻すための社会実験をしたい',
      tags: ['にぎわい', '社会実験'],
      status: 'published',
    });
    const created = await b()
      .post('/api/v1/issues')
      .set(auth(municipality.token))
      .send(issueInput({ title: 'ため池の水位を遠隔で見守り、豪雨に備えたい', tags: ['ため池', '水位'], status: 'published' }));
    expect(created.status).toBe(201);
    await flushSearch(t);

    const searchB = await b().get('/api/v1/issues').query({ q: '駅前広場 にぎわい' }).set(auth(municipality.token));
    expect(searchB.body.items.map((i: { id: string }) => i.id)).toContain(onA.id);
    const searchA = await a().get('/api/v1/issues').query({ q: 'ため池 水位' }).set(auth(municipality.token));
    expect(searchA.body.items.map((i: { id: string }) => i.id)).toContain(created.body.id);
  });

  it('with both instances working the queues, every e-mail arrives exactly once and every index update is applied once', async () => {
    const search = t.app.get(SearchService);
    const meili = search.meili;
    const uid = search.uid('issues');
    const before = await meili.request<{ results: Array<{ uid: number }> }>('GET', 'tasks?limit=1');
    const checkpoint = before.results[0]?.uid ?? -1;

    // 10 password-reset requests (two for each of five accounts: a mail per request, within the per-address limit)
    // and 24 published issues, sent to A and B alternately and at once
    const members = await Promise.all(Array.from({ length: 5 }, () => approvedMember(t, 'corporation')));
    const titles = Array.from({ length: 24 }, (_, i) => `公共施設の予約手続きをオンライン化したい（第${i + 1}期）`);
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? b : a)()
          .post('/api/v1/auth/password-resets')
          .send({ email: members[i % 5].email }),
      ),
      ...titles.map((title, i) =>
        (i % 2 ? b : a)()
          .post('/api/v1/issues')
          .set(auth(municipality.token))
          .send(issueInput({ title, tags: ['予約', 'オンライン化'], fieldSlugs: ['govtech'], status: 'published' }))
          .then((res) => expect(res.status).toBe(201)),
      ),
    ]);
    await t.flushMail();
    await flushSearch(t);
    // a second worker that picked a job twice would deliver a little later: give it the time of a polling round
    await new Promise((r) => setTimeout(r, 1500));
    await t.flushMail();

    for (const member of members) {
      const resets = t.mail.to(member.email).filter((m) => m.subject.includes('パスワード再設定'));
      expect(resets).toHaveLength(2);
    }

    const tasks = await meili.request<{ results: Array<{ uid: number; status: string; details?: { receivedDocuments?: number } }> }>(
      'GET',
      `tasks?indexUids=${encodeURIComponent(uid)}&types=documentAdditionOrUpdate&limit=1000`,
    );
    const applied = tasks.results
      .filter((x) => x.uid > checkpoint && x.status === 'succeeded')
      .reduce((n, x) => n + (x.details?.receivedDocuments ?? 0), 0);
    expect(applied).toBe(24);
    expect(await search.pending()).toBe(0);

    const found = await b().get('/api/v1/issues').query({ q: '公共施設 予約 オンライン化', perPage: 50 }).set(auth(municipality.token));
    const hits = found.body.items.filter((i: { title: string }) => titles.includes(i.title)).map((i: { title: string }) => i.title);
    expect(hits.sort()).toEqual([...titles].sort());
  });
});
