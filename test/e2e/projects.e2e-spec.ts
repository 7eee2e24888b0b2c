import { ProjectsService } from '../../src/projects/projects.service';
import { postIssue } from '../factories/marketplace';
import { approvedMember, secretariatTokenFor, TestMember } from '../factories/members';
import { auth } from '../factories/subsidies';
import { createTestApp, TestApp } from '../support/app';

describe('projects: from proposal to demonstration and implementation', () => {
  let t: TestApp;
  let sec: string;
  let coordinator: TestMember;
  let other: TestMember;
  let osaka: TestMember;
  let sakai: TestMember;

  beforeAll(async () => {
    t = await createTestApp('projects');
    sec = await secretariatTokenFor(t);
    coordinator = await approvedMember(t, 'corporation', { name: '株式会社ミライモビリティ' });
    other = await approvedMember(t, 'corporation', { name: '株式会社べつの会社' });
    osaka = await approvedMember(t, 'municipality', { municipalityCode: '27100', name: '大阪市' });
    sakai = await approvedMember(t, 'municipality', { municipalityCode: '27140', name: '堺市' });
  });
  afterAll(async () => {
    await t?.close();
  });

  const input = (over: Record<string, unknown> = {}) => ({
    title: 'AIオンデマンド交通の実証',
    fieldSlug: 'mobility',
    summary: '郊外の住宅地で、予約に応じて走るバスを運行します。',
    coordinatorOrganizationId: coordinator.organizationId,
    municipalityOrganizationIds: [osaka.organizationId],
    ...over,
  });

  it('a coordinator company starts a project from an issue and moves it through its stages with dated notes; illegal moves are 409', async () => {
    const issue = await postIssue(t, osaka.token, { status: 'published', title: '高齢者の通院の足が足りない' });
    const created = await t
      .http()
      .post('/api/v1/projects')
      .set(auth(coordinator.token))
      .send(input({ originIssueId: issue.id, memberOrganizationIds: [other.organizationId] }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      stage: 'proposal',
      coordinator: { id: coordinator.organizationId, name: '株式会社ミライモビリティ' },
      municipalities: [{ id: osaka.organizationId, name: '大阪市' }],
      members: [{ id: other.organizationId }],
      originIssue: { id: issue.id, title: '高齢者の通院の足が足りない' },
    });
    const id = created.body.id;

    // the origin issue shows "a project started from this issue"
    expect(await t.app.get(ProjectsService).projectsFromIssue(issue.id)).toEqual([
      {
        id,
        title: 'AIオンデマンド交通の実証',
        stage: 'proposal',
        coordinator: { id: coordinator.organizationId, name: '株式会社ミライモビリティ' },
      },
    ]);
    expect((await t.http().get(`/api/v1/projects?originIssue=${issue.id}`)).body.items.map((p: { id: string }) => p.id)).toEqual([id]);

    // another company may not move it; skipping a stage is 409
    expect((await t.http().post(`/api/v1/projects/${id}/transitions`).set(auth(other.token)).send({ to: 'demonstration' })).status).toBe(
      403,
    );
    expect(
      (await t.http().post(`/api/v1/projects/${id}/transitions`).set(auth(coordinator.token)).send({ to: 'implementation' })).status,
    ).toBe(409);
    expect((await t.http().post(`/api/v1/projects/${id}/transitions`).set(auth(coordinator.token)).send({ to: 'proposal' })).status).toBe(
      400,
    );

    const demo = await t
      .http()
      .post(`/api/v1/projects/${id}/transitions`)
      .set(auth(coordinator.token))
      .send({ to: 'demonstration', note: '実証運行を開始しました。' });
    expect(demo.status).toBe(200);
    expect(demo.body.stage).toBe('demonstration');
    // the detail says what this caller may do now: the coordinator may move it on, another company nothing
    expect(demo.body.actions).toEqual(['implement', 'discontinue']);
    expect((await t.http().get(`/api/v1/projects/${id}`).set(auth(coordinator.token))).body.actions).toEqual(['implement', 'discontinue']);
    expect((await t.http().get(`/api/v1/projects/${id}`).set(auth(other.token))).body.actions).toEqual([]);
    expect((await t.http().get(`/api/v1/projects/${id}`)).body.actions).toEqual([]);
    const impl = await t
      .http()
      .post(`/api/v1/projects/${id}/transitions`)
      .set(auth(sec))
      .send({ to: 'implementation', note: '本格導入が決まりました。' });
    expect(impl.body.stage).toBe('implementation');
    expect(
      (await t.http().post(`/api/v1/projects/${id}/transitions`).set(auth(coordinator.token)).send({ to: 'demonstration' })).status,
    ).toBe(409);
    expect((await t.http().post(`/api/v1/projects/${id}/transitions`).set(auth(coordinator.token)).send({ to: 'completed' })).status).toBe(
      200,
    );
    expect(
      (await t.http().post(`/api/v1/projects/${id}/transitions`).set(auth(coordinator.token)).send({ to: 'discontinued' })).status,
    ).toBe(409);

    const page = await t.http().get(`/api/v1/projects/${id}`);
    expect(page.status).toBe(200);
    expect(page.body.history.map((h: { to: string }) => h.to)).toEqual(['proposal', 'demonstration', 'implementation', 'completed']);
    expect(page.body.history[1]).toMatchObject({
      from: 'proposal',
      comment: '実証運行を開始しました。',
      actor: { organizationName: '株式会社ミライモビリティ' },
    });
    expect(new Date(page.body.history[1].at).getTime()).not.toBeNaN();

    // the project page shows the timeline
    const html = await t.http().get(`/projects/${id}`);
    expect(html.status).toBe(200);
    expect(html.text).toContain('実証運行を開始しました。');
    expect(html.text).toContain('高齢者の通院の足が足りない');
  });

  it('a project can be discontinued from any open stage; two moves at once cannot both win', async () => {
    const p = (
      await t
        .http()
        .post('/api/v1/projects')
        .set(auth(sec))
        .send(input({ title: '中止になる実証' }))
    ).body;
    // the same move by two people at once: exactly one wins, the other is told the stage has changed
    const [a, b] = await Promise.all([
      t.http().post(`/api/v1/projects/${p.id}/transitions`).set(auth(sec)).send({ to: 'demonstration' }),
      t.http().post(`/api/v1/projects/${p.id}/transitions`).set(auth(coordinator.token)).send({ to: 'demonstration' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const after = (await t.http().get(`/api/v1/projects/${p.id}`)).body;
    expect(after.history).toHaveLength(2);
    expect(after.stage).toBe('demonstration');
    const stopped = await t
      .http()
      .post(`/api/v1/projects/${p.id}/transitions`)
      .set(auth(coordinator.token))
      .send({ to: 'discontinued', note: '予算が確保できなかった' });
    expect(stopped.body.stage).toBe('discontinued');
    expect((await t.http().post(`/api/v1/projects/${p.id}/transitions`).set(auth(sec)).send({ to: 'implementation' })).status).toBe(409);
  });

  it('only real organisations, municipalities as municipalities, and a member starts only projects it coordinates', async () => {
    expect(
      (
        await t
          .http()
          .post('/api/v1/projects')
          .set(auth(coordinator.token))
          .send(input({ municipalityOrganizationIds: [other.organizationId] }))
      ).status,
    ).toBe(400);
    expect(
      (
        await t
          .http()
          .post('/api/v1/projects')
          .set(auth(coordinator.token))
          .send(input({ coordinatorOrganizationId: other.organizationId }))
      ).status,
    ).toBe(403);
    expect(
      (
        await t
          .http()
          .post('/api/v1/projects')
          .set(auth(coordinator.token))
          .send(input({ fieldSlug: 'no-such-field' }))
      ).status,
    ).toBe(400);
    expect(
      (
        await t
          .http()
          .post('/api/v1/projects')
          .set(auth(coordinator.token))
          .send(input({ originIssueId: '00000000-0000-4000-8000-00000000abcd' }))
      ).status,
    ).toBe(400);
    expect((await t.http().post('/api/v1/projects').send(input())).status).toBe(401);
  });

  it('the list filters by field and stage, and the figures count projects by stage', async () => {
    await t
      .http()
      .post('/api/v1/projects')
      .set(auth(sec))
      .send(input({ title: '健診データでフレイル予防', fieldSlug: 'health', municipalityOrganizationIds: [sakai.organizationId] }));
    const health = await t.http().get('/api/v1/projects?field=health');
    expect(health.body.items.map((p: { title: string }) => p.title)).toEqual(['健診データでフレイル予防']);
    const proposals = await t.http().get('/api/v1/projects?stage=proposal&perPage=100');
    expect(proposals.body.items.every((p: { stage: string }) => p.stage === 'proposal')).toBe(true);
    expect(proposals.body).toMatchObject({ page: 1, perPage: 100 });
    expect((await t.http().get('/api/v1/projects?stage=flying')).status).toBe(400);

    const fy = await t.app.get(ProjectsService).figures();
    expect(fy.byStage.completed).toBe(1);
    expect(fy.byStage.proposal).toBeGreaterThanOrEqual(1);
    expect(Object.keys(fy.byStage)).toEqual(['proposal', 'demonstration', 'implementation', 'completed', 'discontinued']);

    const html = await t.http().get('/projects?field=health');
    expect(html.text).toContain('健診データでフレイル予防');
    expect(html.text).not.toContain('AIオンデマンド交通の実証');
  });
});
