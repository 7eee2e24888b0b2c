import { JobsService } from '../../libs/jobs';
import { AlertsService } from '../../src/alerts/alerts.service';
import { createTestApp, TestApp } from '../support/app';
import { approvedMember, TestMember } from '../factories/members';
import { auth, flushSearch, postIssue, postSolution } from '../factories/marketplace';

// shared Meilisearch and a busy machine: give slow steps room (no timing is asserted)
jest.setTimeout(150_000);

describe('alerts: saved searches and matches become notifications, summarised once a day by e-mail', () => {
  let t: TestApp;
  let tondabayashi: TestMember;
  let watcher: TestMember;
  let quietWatcher: TestMember;
  let provider: TestMember;
  let savedId: string;
  let issueId: string;

  const get = (path: string, token: string) => t.http().get(path).set(auth(token));
  const post = (path: string, token: string, body: object = {}) => t.http().post(path).set(auth(token)).send(body);
  const runAlertJobs = () => t.app.get(JobsService).drain(['alerts.published'], 90_000);
  const flushMail = () => t.app.get(JobsService).drain(['mail.send'], 60_000);
  const digestMails = (email: string) => t.mail.to(email).filter((m) => m.subject.includes('新着のお知らせ'));

  beforeAll(async () => {
    t = await createTestApp('alerts');
    tondabayashi = await approvedMember(t, 'municipality', { municipalityCode: '27214', name: '富田林市' });
    watcher = await approvedMember(t, 'corporation', { name: '株式会社かいものバス' });
    quietWatcher = await approvedMember(t, 'corporation', { name: '株式会社しずか' });
    provider = await approvedMember(t, 'corporation', { name: '株式会社移動スーパー' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('members save searches; invalid ones are refused', async () => {
    const saved = await post('/api/v1/saved-searches', watcher.token, {
      kind: 'issues',
      q: '買い物',
      field: 'mobility',
      municipality: ['27214'],
    });
    expect(saved.status).toBe(201);
    expect(saved.body).toMatchObject({
      kind: 'issues',
      q: '買い物',
      field: ['mobility'],
      municipality: ['27214'],
      href: '/issues?q=%E8%B2%B7%E3%81%84%E7%89%A9&field=mobility&municipality=27214',
    });
    savedId = saved.body.id;
    expect((await post('/api/v1/saved-searches', quietWatcher.token, { kind: 'issues', q: '買い物' })).status).toBe(201);
    expect((await t.http().patch('/api/v1/me').set(auth(quietWatcher.token)).send({ digestEnabled: false })).status).toBe(200);

    expect((await post('/api/v1/saved-searches', watcher.token, { kind: 'events', q: 'x' })).status).toBe(400);
    expect((await post('/api/v1/saved-searches', watcher.token, { kind: 'solutions', municipality: '27214' })).status).toBe(400);
    expect((await post('/api/v1/saved-searches', watcher.token, { kind: 'issues' })).status).toBe(400);
    expect((await post('/api/v1/saved-searches', watcher.token, { kind: 'issues', field: 'no-such-field' })).status).toBe(400);
    expect((await get('/api/v1/saved-searches', watcher.token)).body.items.map((s: any) => s.id)).toEqual([savedId]);

    // the provider's own published solution: a new issue that matches it should reach the provider
    await postSolution(t, provider.token, {
      status: 'published',
      title: '移動販売車による買い物支援サービス',
      summary: '食料品や日用品を積んだ移動販売車が、買い物に困っている地域を定期的に巡回します。',
      body: '買い物難民の多い中山間地やニュータウンで、移動販売と見守りを組み合わせて運行します。',
      fieldSlugs: ['mobility', 'elderly'],
      tags: ['買い物支援', '移動販売', '買い物難民'],
    });
    await flushSearch(t);
    await runAlertJobs();
  });

  it('when 富田林市 publishes a matching issue, a background job creates the notifications (saved search and match)', async () => {
    // not matching: other field, other words
    await postIssue(t, tondabayashi.token, { status: 'published', title: '空き家の実態調査', fieldSlugs: ['safety'], tags: ['空き家'] });
    const draft = await postIssue(t, tondabayashi.token, {
      status: 'draft',
      title: '買い物難民を移動販売で解消したい',
      body: '山間部の集落では商店が閉店し、高齢者の買い物が難しくなっています。移動販売車の巡回を検討しています。',
      fieldSlugs: ['mobility', 'elderly'],
      tags: ['買い物支援', '移動販売'],
    });
    issueId = draft.id;
    const published = await post(`/api/v1/issues/${issueId}/publish`, tondabayashi.token);
    expect(published.status).toBe(200);

    await runAlertJobs();
    const mine = await get('/api/v1/notifications', watcher.token);
    expect(mine.body.unread).toBe(1);
    expect(mine.body.items).toEqual([
      expect.objectContaining({
        kind: 'saved_search',
        title: '買い物難民を移動販売で解消したい',
        link: `/issues/${issueId}`,
        subjectType: 'issue',
        readAt: null,
      }),
    ]);
    const quiet = await get('/api/v1/notifications', quietWatcher.token);
    expect(quiet.body.items.map((n: any) => n.title)).toEqual(['買い物難民を移動販売で解消したい']);
    const matched = await get('/api/v1/notifications', provider.token);
    expect(matched.body.items).toEqual([
      expect.objectContaining({ kind: 'match', title: '買い物難民を移動販売で解消したい', link: `/issues/${issueId}` }),
    ]);
    // the municipality is not notified about its own issue
    expect((await get('/api/v1/notifications', tondabayashi.token)).body.total).toBe(0);

    const page = await get('/notifications', watcher.token);
    expect(page.status).toBe(200);
    expect(page.text).toContain('保存した条件に合う新しい課題');
    expect(page.text).toContain('買い物難民を移動販売で解消したい');
    const home = await get('/home', watcher.token);
    expect(home.text).toMatch(/data-notifications="1"/);
  });

  it('the daily digest mails each member with digests on exactly once, and never again for the same notifications', async () => {
    const alerts = t.app.get(AlertsService);
    const first = await alerts.sendDigests(new Date());
    expect(first.notifications).toBeGreaterThanOrEqual(2);
    await flushMail();
    const mails = digestMails(watcher.email);
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe('【共創 Kyoso】新着のお知らせ（1件）');
    expect(mails[0].text).toContain('買い物難民を移動販売で解消したい');
    expect(mails[0].text).toContain(`/issues/${issueId}`);
    expect(digestMails(provider.email)).toHaveLength(1);
    expect(digestMails(quietWatcher.email)).toHaveLength(0);

    const again = await alerts.sendDigests(new Date());
    expect(again).toEqual({ users: 0, notifications: 0 });
    await flushMail();
    expect(digestMails(watcher.email)).toHaveLength(1);
  });

  it('members mark notifications read and delete saved searches; other people’s are 404', async () => {
    const list = await get('/api/v1/notifications', watcher.token);
    const id = list.body.items[0].id;
    expect((await post(`/api/v1/notifications/${id}/read`, provider.token)).status).toBe(404);
    const read = await post(`/api/v1/notifications/${id}/read`, watcher.token);
    expect(read.status).toBe(200);
    expect(read.body.readAt).toEqual(expect.any(String));
    expect((await get('/api/v1/notifications?unread=1', watcher.token)).body.items).toEqual([]);

    expect((await t.http().delete(`/api/v1/saved-searches/${savedId}`).set(auth(provider.token))).status).toBe(404);
    expect((await t.http().delete(`/api/v1/saved-searches/${savedId}`).set(auth(watcher.token))).status).toBe(204);
    expect((await get('/api/v1/saved-searches', watcher.token)).body.items).toEqual([]);
  });
});
