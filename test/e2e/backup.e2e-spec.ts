import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { JobsService } from '../../libs/jobs';
import { SearchService } from '../../libs/search';
import { readBackupHeader, restoreBackup, RestoreRefused, writeBackup } from '../../src/backup/backup';
import { createEvent } from '../factories/events';
import { postIssue, postSolution } from '../factories/marketplace';
import { approvedMember, TestMember } from '../factories/members';
import { createTestApp, TestApp } from '../support/app';
import { dropTestDatabase, testDatabaseUrl } from '../support/services';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

async function withDb<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A fingerprint of every row of every public table: same data ⇔ same fingerprints. */
async function fingerprints(url: string, tables: string[]): Promise<Record<string, string>> {
  return withDb(url, async (c) => {
    const out: Record<string, string> = {};
    for (const t of tables) {
      const { rows } = await c.query(
        `SELECT count(*)::text || ':' || coalesce(md5(string_agg(to_jsonb(x)::text, '|' ORDER BY to_jsonb(x)::text)), '') AS f FROM public."${t}" x`,
      );
      out[t] = rows[0].f;
    }
    return out;
  });
}

describe('backups: one consistent file, restored into an empty instance', () => {
  let src: TestApp;
  let dst: TestApp;
  let muni: TestMember;
  let company: TestMember;
  let issueId: string;
  let eventId: string;
  let attachment: { applicationId: string; id: string } | undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-backup-'));
  const file = path.join(tmp, 'kyoso.kyoso.gz');

  beforeAll(async () => {
    src = await createTestApp('backup-src');
    muni = await approvedMember(src, 'municipality', { municipalityCode: '27214', name: '富田林市' });
    company = await approvedMember(src, 'corporation', { name: '株式会社みらい交通' });
    // a pending application (with its contact's password hash) and member data of every feature present
    await src
      .http()
      .post('/api/v1/membership-applications')
      .send({
        organization: { name: '一般社団法人まちづくり研究会', kind: 'npo' },
        contact: { name: '佐藤 花子', email: 'sato@machi.example.jp', password: 'machi-pass-2026' },
        agreeToTerms: true,
      });
    issueId = (await postIssue(src, muni.token, { title: 'オンデマンド交通で通院の足を確保したい', status: 'published' })).id;
    await postSolution(src, company.token, { title: 'AI配車のオンデマンドバス', status: 'published' });
    eventId = (await createEvent(src, { title: '第12回 課題プレゼンテーション Meet Up' })).id;
    await src.http().post(`/api/v1/events/${eventId}/registrations`).set(auth(company.token)).expect(201);
    // an uploaded file, through the subsidies API when it is there
    const sec = await src.token('secretariat@test.example.jp', 'secretariat-pass-2026');
    const program = await src
      .http()
      .post('/api/v1/subsidy-programs')
      .set(auth(sec))
      .send({
        title: '令和7年度 プロジェクト推進補助金',
        maxAmountPerProject: 1_000_000,
        subsidyRate: 0.5,
        opensAt: new Date(Date.now() - 86_400_000).toISOString(),
        closesAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        requiresMunicipalPartner: false,
      });
    if (program.status === 201) {
      const app = await src
        .http()
        .post(`/api/v1/subsidy-programs/${program.body.id}/applications`)
        .set(auth(company.token))
        .send({
          title: 'AIオンデマンドバスの実証運行',
          summary: '郊外の住宅地で予約制のバスを運行します。',
          requestedAmount: 500_000,
          budgetItems: [{ item: '車両リース費', amount: 1_000_000 }],
        });
      const up = await src
        .http()
        .post(`/api/v1/subsidy-applications/${app.body.id}/attachments`)
        .set(auth(company.token))
        .attach('file', Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n'), '事業計画書.pdf');
      if (up.status === 201) attachment = { applicationId: app.body.id, id: up.body.id };
    }
    // a file of some other feature, and a job waiting for later
    fs.mkdirSync(path.join(src.config.resolveData(), 'uploads', 'misc'), { recursive: true });
    fs.writeFileSync(path.join(src.config.resolveData(), 'uploads', 'misc', '資料.bin'), Buffer.from([0, 1, 2, 255, 254]));
    await src.app.get(JobsService).send('mail.send', { to: 'later@example.jp', template: 'x', params: {} }, { startAfter: 3600 });
    await src.flushMail();
    await src.flushSearch();
  });

  afterAll(async () => {
    await Promise.all([src?.close(), dst?.close()]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('writes one file holding every table, the queued jobs, the migrations and the uploads, and restores it elsewhere', async () => {
    const summary = await writeBackup({ databaseUrl: src.config.databaseUrl!, dataDir: src.config.resolveData(), file });
    const before = await fingerprints(src.config.databaseUrl!, Object.keys(summary.tables));
    // (created only now: Passport's strategies are process-wide, so the newest app answers sign-ins)
    dst = await createTestApp('backup-dst');
    expect(summary.tables.users).toBeGreaterThanOrEqual(3);
    expect(summary.tables.membership_applications).toBe(3);
    expect(summary.tables.issues).toBe(1);
    expect(summary.tables.solutions).toBe(1);
    expect(summary.tables.audit_log).toBeGreaterThan(0);
    expect(summary.jobs).toBeGreaterThanOrEqual(1);
    expect(summary.files).toBe(attachment ? 2 : 1);
    expect(summary.migrations.length).toBeGreaterThanOrEqual(4);
    const header = await readBackupHeader(file);
    expect(header.tables).toEqual(expect.arrayContaining(['organizations', 'users', 'issues', 'audit_log']));
    // parents come before children
    expect(header.tables.indexOf('organizations')).toBeLessThan(header.tables.indexOf('users'));

    // the source has members: it is not an empty instance
    await expect(restoreBackup({ databaseUrl: src.config.databaseUrl!, dataDir: src.config.resolveData(), file })).rejects.toThrow(
      RestoreRefused,
    );

    const restored = await restoreBackup({ databaseUrl: dst.config.databaseUrl!, dataDir: dst.config.resolveData(), file });
    expect(restored.tables).toEqual(summary.tables);
    expect(restored.files).toBe(summary.files);
    expect(await fingerprints(dst.config.databaseUrl!, Object.keys(summary.tables))).toEqual(before);
    await dst.app.get(SearchService).reindexAll(() => undefined);

    // the municipality signs in to the restored instance with its password and finds its issue by search
    const token = await dst.token(muni.email, muni.password);
    const found = await dst.http().get('/api/v1/issues').query({ q: '通院' }).set(auth(token)).expect(200);
    expect(found.body.items.map((i: any) => i.id)).toContain(issueId);
    const event = await dst.http().get(`/api/v1/events/${eventId}`).set(auth(token)).expect(200);
    expect(event.body.title).toBe('第12回 課題プレゼンテーション Meet Up');

    // uploads came along, byte for byte
    expect([...fs.readFileSync(path.join(dst.config.resolveData(), 'uploads', 'misc', '資料.bin'))]).toEqual([0, 1, 2, 255, 254]);
    if (attachment) {
      const companyToken = await dst.token(company.email, company.password);
      const dl = await dst
        .http()
        .get(`/api/v1/subsidy-applications/${attachment.applicationId}/attachments/${attachment.id}`)
        .set(auth(companyToken))
        .buffer(true);
      expect(dl.status).toBe(200);
      expect(Buffer.from(dl.body).toString('latin1')).toMatch(/^%PDF-1\.4/);
    }
    // the job waiting for later is still waiting
    const [{ n }] = await dst.app
      .get(DataSource)
      .query(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'mail.send' AND data->>'to' = 'later@example.jp' AND state = 'created'`,
      );
    expect(n).toBe(1);

    // identity sequences continue after the restored rows: new audit entries and applications are accepted
    await dst.http().post('/api/v1/auth/tokens').send({ email: muni.email, password: 'wrong-password-1' }).expect(401);
    await dst
      .http()
      .post('/api/v1/membership-applications')
      .send({
        organization: { name: '株式会社けんこう', kind: 'corporation' },
        contact: { name: '田中 一郎', email: 'tanaka@kenko.example.jp', password: 'kenko-pass-2026' },
        agreeToTerms: true,
      })
      .expect(201);
  });

  it('refuses a cut-off file and leaves the instance as it was', async () => {
    const cut = path.join(tmp, 'cut.kyoso.gz');
    const whole = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n');
    fs.writeFileSync(cut, zlib.gzipSync(whole.slice(0, Math.floor(whole.length / 2)).join('\n') + '\n'));
    const target = await testDatabaseUrl('backup-cut');
    try {
      const before = await withDb(dst.config.databaseUrl!, (c) => c.query('SELECT count(*)::int AS n FROM users'));
      await expect(
        restoreBackup({ databaseUrl: dst.config.databaseUrl!, dataDir: dst.config.resolveData(), file: cut, force: true }),
      ).rejects.toThrow(/truncated/);
      const after = await withDb(dst.config.databaseUrl!, (c) => c.query('SELECT count(*)::int AS n FROM users'));
      expect(after.rows).toEqual(before.rows);
      // a database without Kyoso's migrations refuses a backup that needs them
      await expect(restoreBackup({ databaseUrl: target, dataDir: tmp, file })).rejects.toThrow(/newer Kyoso/);
    } finally {
      await dropTestDatabase(target);
    }
  });
});
