import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { dropDatabase, ensureDatabase, RuntimeServices, startServices } from './index';

jest.setTimeout(90_000);

/** Processes (other than us) whose command line mentions `needle`. */
function processesMentioning(needle: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      const state = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (cmd.includes(needle) && state !== 'Z') found.push(`${entry} ${cmd}`);
    } catch {
      /* process vanished */
    }
  }
  return found;
}

async function query<T = Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

async function meiliGet(s: RuntimeServices, p: string): Promise<Response> {
  return fetch(`${s.meiliUrl}${p}`, { headers: { Authorization: `Bearer ${s.meiliKey}` } });
}

describe('runtime launcher (embedded PostgreSQL + Meilisearch)', () => {
  let dataDir: string;
  let services: RuntimeServices | undefined;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-rt-spec-'));
  });

  afterAll(async () => {
    await services?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts, serves, stops cleanly and keeps data across restarts', async () => {
    services = await startServices({ dataDir });
    expect(services.embeddedPostgres).toBe(true);
    expect(services.embeddedMeili).toBe(true);
    expect(services.databaseUrl).toMatch(/^postgres:\/\/[^@]+@127\.0\.0\.1:\d+\/kyoso$/);
    expect(services.adminDatabaseUrl).toMatch(/\/postgres$/);
    expect(services.meiliUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    expect(await query(services.databaseUrl, 'select 1 as one')).toEqual([{ one: 1 }]);
    expect(await query(services.databaseUrl, "select current_setting('server_encoding') as enc")).toEqual([{ enc: 'UTF8' }]);
    await query(services.databaseUrl, "create table rt_persist (v text); insert into rt_persist values ('共創')");

    expect((await fetch(`${services.meiliUrl}/health`)).status).toBe(200);
    expect((await fetch(`${services.meiliUrl}/version`)).status).toBe(401); // key is enforced
    const version = await meiliGet(services, '/version');
    expect(version.status).toBe(200);
    expect(((await version.json()) as { pkgVersion: string }).pkgVersion).toBe('1.21.0');

    // outage: stop and restart Meilisearch on the same URL
    const meiliUrl = services.meiliUrl;
    await services.stopMeili();
    await expect(fetch(`${meiliUrl}/health`)).rejects.toThrow();
    await services.startMeili();
    expect((await fetch(`${meiliUrl}/health`)).status).toBe(200);

    // outage: stop and restart PostgreSQL on the same URL, data kept
    const pgPid = fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0];
    await services.stopPostgres();
    await services.stopPostgres(); // idempotent
    await expect(query(services.databaseUrl, 'select 1')).rejects.toThrow();
    await services.startPostgres();
    expect(await query(services.databaseUrl, 'select v from rt_persist')).toEqual([{ v: '共創' }]);
    expect(fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]).not.toBe(pgPid);
    await services.startPostgres(); // already running: no-op

    // ensureDatabase / dropDatabase are idempotent
    await ensureDatabase(services.adminDatabaseUrl, 'kyoso_rt_spec');
    await ensureDatabase(services.adminDatabaseUrl, 'kyoso_rt_spec');
    await dropDatabase(services.adminDatabaseUrl, 'kyoso_rt_spec');
    await dropDatabase(services.adminDatabaseUrl, 'kyoso_rt_spec');

    const firstKey = services.meiliKey;
    await services.stop();
    await services.stop(); // idempotent
    expect(processesMentioning(dataDir)).toEqual([]);
    services = undefined;

    services = await startServices({ dataDir });
    expect(services.meiliKey).toBe(firstKey);
    expect(await query(services.databaseUrl, 'select v from rt_persist')).toEqual([{ v: '共創' }]);
    expect((await meiliGet(services, '/version')).status).toBe(200);
    await services.stop();
    expect(processesMentioning(dataDir)).toEqual([]);
    services = undefined;
  });

  it('uses external services when URLs are given and refuses to stop them', async () => {
    const ext = await startServices({
      dataDir: path.join(dataDir, 'unused'),
      databaseUrl: 'postgres://u:p@db.example:5432/kyoso',
      meiliUrl: 'http://search.example:7700/',
      meiliKey: 'k',
    });
    expect(ext.embeddedPostgres).toBe(false);
    expect(ext.embeddedMeili).toBe(false);
    expect(ext.adminDatabaseUrl).toBe('postgres://u:p@db.example:5432/postgres');
    expect(ext.meiliUrl).toBe('http://search.example:7700');
    await expect(ext.stopMeili()).rejects.toThrow(/external Meilisearch/);
    await expect(ext.stopPostgres()).rejects.toThrow(/external PostgreSQL/);
    await ext.stop();
  });
});
