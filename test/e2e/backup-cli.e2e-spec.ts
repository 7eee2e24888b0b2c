import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { readBackupHeader } from '../../src/backup/backup';
import { approvedMember, TestMember } from '../factories/members';
import { createTestApp, TestApp } from '../support/app';
import { dropTestDatabase, testDatabaseUrl } from '../support/services';

/** Runs a CLI script the way `npm run backup|restore` does (compiled on the fly instead of by `nest build`). */
function runCli(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', path.resolve(__dirname, '../../src/cli', script), ...args],
      { cwd: path.resolve(__dirname, '../..'), env: { ...process.env, ...env }, timeout: 50_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

describe('`npm run backup` and `npm run restore`', () => {
  let src: TestApp;
  let member: TestMember;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-backup-cli-'));

  beforeAll(async () => {
    src = await createTestApp('backup-cli');
    member = await approvedMember(src, 'corporation', { name: '株式会社みらい交通' });
  });
  afterAll(async () => {
    await src?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the operator backs up a running instance and restores it into a new, empty one', async () => {
    const file = path.join(tmp, 'cli.kyoso.gz');
    const backup = await runCli('backup.ts', [file], { DATABASE_URL: src.config.databaseUrl!, DATA_DIR: src.config.resolveData() });
    expect(backup.out).toMatch(/backup written/);
    expect(backup.code).toBe(0);
    expect((await readBackupHeader(file)).format).toBe('kyoso-backup');

    const target = await testDatabaseUrl('backup-cli-target');
    const env = {
      DATABASE_URL: target,
      DATA_DIR: fs.mkdtempSync(path.join(tmp, 'data-')),
      MEILI_URL: src.config.meiliUrl!,
      MEILI_MASTER_KEY: src.config.meiliMasterKey ?? '',
      MEILI_INDEX_PREFIX: `cli${Date.now()}_`,
      SESSION_SECRET: 'x'.repeat(40),
      LOG_LEVEL: 'silent',
      SEED_DEMO: 'false',
    };
    try {
      const restore = await runCli('restore.ts', [file], env);
      expect(restore.out).toMatch(/restore complete/);
      expect(restore.code).toBe(0);
      const c = new Client({ connectionString: target });
      await c.connect();
      try {
        const { rows } = await c.query(
          `SELECT u.display_name, o.name FROM users u JOIN organizations o ON o.id = u.organization_id WHERE u.email = $1`,
          [member.email],
        );
        expect(rows).toEqual([{ display_name: expect.stringMatching(/^担当/), name: '株式会社みらい交通' }]);
      } finally {
        await c.end();
      }
    } finally {
      await dropTestDatabase(target).catch(() => undefined);
    }
  });

  it('restore refuses a file that is not a backup', async () => {
    const bogus = path.join(tmp, 'bogus.kyoso.gz');
    fs.writeFileSync(bogus, 'hello');
    const res = await runCli('restore.ts', [bogus], {});
    expect(res.code).not.toBe(0);
    expect(res.out).toMatch(/restore failed/);
  });
});
