import { DataSource } from 'typeorm';
import { createTestApp, TestApp } from '../support/app';
import { approvedMember } from '../factories/members';
import { auth, flushSearch } from '../factories/marketplace';
import { CatalogDemo } from '../../src/catalog/catalog.demo';

// shared Meilisearch and a busy machine: give slow steps room (no timing is asserted)
jest.setTimeout(150_000);

describe('marketplace demo content', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('marketplace_demo');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('loads the 36 issues and 72 solutions of the development set as published content, once, and they are searchable', async () => {
    const db = t.app.get(DataSource);
    const seed = () => t.app.get(CatalogDemo).seedDemo({ db, orgs: {}, users: {} });
    await seed();
    await seed(); // idempotent
    await flushSearch(t);
    const counts = await db.query(
      `SELECT (SELECT count(*)::int FROM issues WHERE status = 'published') AS issues, (SELECT count(*)::int FROM solutions WHERE status = 'published') AS solutions`,
    );
    expect(counts[0]).toEqual({ issues: 36, solutions: 72 });
    const [{ n }] = await db.query(`SELECT count(DISTINCT municipality_code)::int AS n FROM organizations WHERE kind = 'municipality'`);
    expect(n).toBe(36);

    const reader = await approvedMember(t, 'corporation');
    const all = await t.http().get('/api/v1/issues?perPage=100').set(auth(reader.token));
    expect(all.body.total).toBe(36);
    const akiya = await t
      .http()
      .get('/api/v1/issues?q=' + encodeURIComponent('空き家'))
      .set(auth(reader.token));
    expect(akiya.body.items[0]).toMatchObject({
      title: '増え続ける空き家の実態を把握し、活用につなげたい',
      municipality: { code: '27214', name: '富田林市' },
    });
    const solutions = await t.http().get('/api/v1/solutions?organizationKind=university').set(auth(reader.token));
    expect(solutions.body.total).toBe(3);
  });
});
