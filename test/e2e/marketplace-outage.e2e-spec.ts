import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadOrCreateMeiliKey, MeiliProcess, resolveMeiliBinary } from '../../libs/runtime/meilisearch';
import { findFreePort } from '../../libs/runtime/util';
import { createTestApp, TestApp } from '../support/app';
import { approvedMember, TestMember } from '../factories/members';
import { auth, flushSearch, postIssue } from '../factories/marketplace';

// shared Meilisearch and a busy machine: give slow steps room (no timing is asserted)
jest.setTimeout(150_000);

/**
 * The outage is staged on a Meilisearch of this file's own (stopped and restarted on the same port and data),
 * not on the shared test server (test/support/services.ts stopMeili), so suites running in parallel keep their search.
 */
describe('marketplace: a Meilisearch outage during a write loses nothing', () => {
  let t: TestApp;
  let meili: MeiliProcess;
  let dataDir: string;
  let municipality: TestMember;
  let company: TestMember;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-meili-outage-'));
    meili = new MeiliProcess(resolveMeiliBinary(dataDir), dataDir, await findFreePort(), loadOrCreateMeiliKey(dataDir), () => undefined);
    await meili.start();
    t = await createTestApp('marketplace_outage', { meiliUrl: meili.url, meiliMasterKey: meili.key });
    municipality = await approvedMember(t, 'municipality', { municipalityCode: '27100', name: '大阪市' });
    company = await approvedMember(t, 'corporation', { name: '株式会社ノリアイモビリティ' });
  });
  afterAll(async () => {
    await t?.close();
    await meili?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a municipality publishes an issue while search is down; once search is back the company finds it', async () => {
    await flushSearch(t);
    await meili.stop();
    try {
      const issue = await postIssue(t, municipality.token, {
        status: 'draft',
        title: '交通空白地で高齢者の移動手段を確保したい',
        body: '路線バスの減便で、坂の多い住宅地に住む高齢者が通院や買い物に出かけにくくなっています。',
        fieldSlugs: ['mobility'],
        tags: ['交通空白地', '高齢者の移動'],
      });
      const published = await t.http().post(`/api/v1/issues/${issue.id}/publish`).set(auth(municipality.token));
      expect(published.status).toBe(200);
      const direct = await postIssue(t, municipality.token, {
        status: 'published',
        title: 'オンデマンド交通の需要を知りたい',
        fieldSlugs: ['mobility'],
        tags: ['交通空白地'],
      });
      expect(direct.status).toBe('published');
      // searching is what fails meanwhile, with a clear 503; the issue itself still opens
      const during = await t
        .http()
        .get('/api/v1/issues?q=' + encodeURIComponent('交通空白地'))
        .set(auth(company.token));
      expect(during.status).toBe(503);
      expect((await t.http().get(`/api/v1/issues/${issue.id}`).set(auth(company.token))).status).toBe(200);
    } finally {
      await meili.start();
    }
    await flushSearch(t);
    const found = await t
      .http()
      .get('/api/v1/issues?q=' + encodeURIComponent('交通空白地'))
      .set(auth(company.token));
    expect(found.status).toBe(200);
    expect(found.body.items.map((i: any) => i.title).sort()).toEqual(
      ['オンデマンド交通の需要を知りたい', '交通空白地で高齢者の移動手段を確保したい'].sort(),
    );
  });
});
