import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { once } from 'node:events';
import * as zlib from 'node:zlib';
import { Client } from 'pg';

/**
 * Kyoso backups without pg_dump: ONE gzip'd file of lines, written from ONE
 * `REPEATABLE READ READ ONLY` transaction (a consistent snapshot), holding
 *
 *   {"$":"header", format, version, createdAt, migrations[], tables[]}   first line
 *   {"$":"table", name, columns[]}  then  R<TAB><row as JSON>  …  {"$":"end-table", name, rows}
 *   {"$":"jobs", columns[]}  then  R<TAB><pg-boss job>  …            queued / retrying / failed jobs
 *   {"$":"file", path, size, mode}  then  F<TAB><base64 chunk>  …     uploads under DATA_DIR/uploads
 *   {"$":"end", tables:{name:rows}, jobs, files}                     last line: the file is complete
 *
 * Rows are `to_jsonb(row)` and are loaded back with `jsonb_populate_recordset`, so every column type
 * (arrays, jsonb, timestamps, numeric, bytea, tsvector…) round-trips through PostgreSQL's own I/O.
 * Every table of the `public` schema is included (except TypeORM's `migrations`, kept as a name list),
 * so tables added by new features are covered without touching this file.
 */
export const BACKUP_FORMAT = 'kyoso-backup';
export const BACKUP_VERSION = 1;

const SKIP_TABLES = new Set(['migrations', 'typeorm_metadata']);
const FETCH = 1000;
const INSERT_BATCH = 500;
const FILE_CHUNK = 48 * 1024;
/** Jobs worth keeping: waiting, retrying, running (restored as retry) and failed (dead letters). */
const JOB_STATES = ['created', 'retry', 'active', 'failed'];

type Log = (msg: string) => void;

export interface BackupSummary {
  file: string;
  bytes: number;
  tables: Record<string, number>;
  jobs: number;
  files: number;
  migrations: string[];
}

export interface RestoreSummary {
  tables: Record<string, number>;
  jobs: number;
  files: number;
  skippedTables: string[];
  skippedColumns: string[];
  replicationRole: boolean;
}

interface Header {
  $: 'header';
  format: string;
  version: number;
  createdAt: string;
  migrations: string[];
  tables: string[];
}

const q = (ident: string) => '"' + ident.replace(/"/g, '""') + '"';

/** Tables of `public` (no partitions), parents before children by foreign keys. */
async function publicTables(c: Client): Promise<string[]> {
  const { rows: tables } = await c.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname`,
  );
  const { rows: fks } = await c.query<{ child: string; parent: string }>(
    `SELECT cl.relname AS child, pl.relname AS parent FROM pg_constraint k
       JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = cl.relnamespace
       JOIN pg_class pl ON pl.oid = k.confrelid
     WHERE k.contype = 'f' AND cn.nspname = 'public' AND cl.oid <> pl.oid`,
  );
  const names = tables.map((t) => t.name).filter((n) => !SKIP_TABLES.has(n));
  const deps = new Map(names.map((n) => [n, new Set<string>()]));
  for (const fk of fks) if (deps.has(fk.child) && deps.has(fk.parent)) deps.get(fk.child)!.add(fk.parent);
  const out: string[] = [];
  const state = new Map<string, number>(); // 1 visiting, 2 done
  const visit = (n: string) => {
    if (state.get(n) === 2 || state.get(n) === 1) return; // a cycle: order does not matter with replica role
    state.set(n, 1);
    for (const p of [...deps.get(n)!].sort()) visit(p);
    state.set(n, 2);
    out.push(n);
  };
  for (const n of names) visit(n);
  return out;
}

async function columnsOf(
  c: Client,
  schema: string,
  table: string,
): Promise<{ name: string; generated: boolean; identityAlways: boolean }[]> {
  const { rows } = await c.query<{ name: string; generated: string; identity: string }>(
    `SELECT a.attname AS name, a.attgenerated AS generated, a.attidentity AS identity
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [schema, table],
  );
  return rows.map((r) => ({ name: r.name, generated: r.generated !== '', identityAlways: r.identity === 'a' }));
}

async function primaryKey(c: Client, schema: string, table: string): Promise<string[]> {
  const { rows } = await c.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
     WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary ORDER BY k.ord`,
    [schema, table],
  );
  return rows.map((r) => r.name);
}

async function tableExists(c: Client, schema: string, table: string): Promise<boolean> {
  const { rows } = await c.query(
    `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, table],
  );
  return rows.length > 0;
}

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(root);
  return out;
}

/** A gzip writer that respects back-pressure and reports the bytes written. */
function gzipWriter(file: string) {
  const out = fs.createWriteStream(file, { mode: 0o600 });
  const gz = zlib.createGzip({ level: 6 });
  gz.pipe(out);
  let failed: Error | undefined;
  gz.on('error', (e) => (failed = e));
  out.on('error', (e) => (failed = e));
  return {
    async line(s: string): Promise<void> {
      if (failed) throw failed;
      if (!gz.write(s + '\n')) await once(gz, 'drain');
    },
    async close(): Promise<void> {
      gz.end();
      await once(out, 'close');
      if (failed) throw failed;
    },
    abort(): void {
      gz.destroy();
      out.destroy();
    },
  };
}

/**
 * Writes a consistent backup of the database at `databaseUrl` plus `<dataDir>/uploads` to `file`
 * (written to `<file>.partial` and renamed when complete).
 */
export async function writeBackup(opts: { databaseUrl: string; dataDir: string; file: string; log?: Log }): Promise<BackupSummary> {
  const log = opts.log ?? (() => undefined);
  const file = path.resolve(opts.file);
  const partial = `${file}.partial`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const c = new Client({ connectionString: opts.databaseUrl, application_name: 'kyoso-backup' });
  c.on('error', () => undefined);
  await c.connect();
  const w = gzipWriter(partial);
  const summary: BackupSummary = { file, bytes: 0, tables: {}, jobs: 0, files: 0, migrations: [] };
  try {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const tables = await publicTables(c);
    summary.migrations = (await tableExists(c, 'public', 'migrations'))
      ? (await c.query<{ name: string }>('SELECT name FROM migrations ORDER BY id')).rows.map((r) => r.name)
      : [];
    const header: Header = {
      $: 'header',
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      createdAt: new Date().toISOString(),
      migrations: summary.migrations,
      tables,
    };
    await w.line(JSON.stringify(header));

    const dumpRows = async (select: string, params: unknown[] = []): Promise<number> => {
      let n = 0;
      await c.query(`DECLARE kyoso_backup NO SCROLL CURSOR FOR ${select}`, params);
      for (;;) {
        const { rows } = await c.query<{ j: string }>(`FETCH ${FETCH} FROM kyoso_backup`);
        for (const r of rows) await w.line('R\t' + r.j);
        n += rows.length;
        if (rows.length < FETCH) break;
      }
      await c.query('CLOSE kyoso_backup');
      return n;
    };

    for (const table of tables) {
      const cols = (await columnsOf(c, 'public', table)).map((x) => x.name);
      const pk = await primaryKey(c, 'public', table);
      await w.line(JSON.stringify({ $: 'table', name: table, columns: cols }));
      const order = pk.length ? ` ORDER BY ${pk.map((k) => 't.' + q(k)).join(', ')}` : '';
      const n = await dumpRows(`SELECT to_jsonb(t)::text AS j FROM public.${q(table)} t${order}`);
      summary.tables[table] = n;
      await w.line(JSON.stringify({ $: 'end-table', name: table, rows: n }));
    }

    if (await tableExists(c, 'pgboss', 'job')) {
      const cols = (await columnsOf(c, 'pgboss', 'job')).map((x) => x.name);
      await w.line(JSON.stringify({ $: 'jobs', columns: cols }));
      summary.jobs = await dumpRows(
        `SELECT to_jsonb(j)::text AS j FROM pgboss.job j WHERE j.state::text = ANY($1) AND j.name NOT LIKE '\\_\\_pgboss%' ORDER BY j.created_on, j.id`,
        [JOB_STATES],
      );
      await w.line(JSON.stringify({ $: 'end-jobs', rows: summary.jobs }));
    }
    await c.query('COMMIT');

    // Files are read after the snapshot was taken: a file written since is an extra orphan (harmless).
    const uploads = path.join(path.resolve(opts.dataDir), 'uploads');
    for (const f of listFiles(uploads)) {
      let fd: number;
      try {
        fd = fs.openSync(f, 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed meanwhile
        throw e;
      }
      try {
        const st = fs.fstatSync(fd);
        const rel = path.relative(uploads, f).split(path.sep).join('/');
        await w.line(JSON.stringify({ $: 'file', path: rel, size: st.size, mode: st.mode & 0o777 }));
        const buf = Buffer.alloc(FILE_CHUNK);
        let pos = 0;
        for (;;) {
          const n = fs.readSync(fd, buf, 0, FILE_CHUNK, pos);
          if (n <= 0) break;
          await w.line('F\t' + buf.subarray(0, n).toString('base64'));
          pos += n;
        }
        await w.line(JSON.stringify({ $: 'end-file', path: rel, size: pos }));
        summary.files++;
      } finally {
        fs.closeSync(fd);
      }
    }
    await w.line(JSON.stringify({ $: 'end', tables: summary.tables, jobs: summary.jobs, files: summary.files }));
    await w.close();
    fs.renameSync(partial, file);
    summary.bytes = fs.statSync(file).size;
    log(
      `backup written to ${file}: ${Object.keys(summary.tables).length} tables, ${Object.values(summary.tables).reduce((a, b) => a + b, 0)} rows, ${summary.jobs} jobs, ${summary.files} files, ${summary.bytes} bytes`,
    );
    return summary;
  } catch (e) {
    w.abort();
    await c.query('ROLLBACK').catch(() => undefined);
    fs.rmSync(partial, { force: true });
    throw e;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Reads a backup's first line. */
export async function readBackupHeader(file: string): Promise<Header> {
  const rl = readline.createInterface({ input: fs.createReadStream(file).pipe(zlib.createGunzip()), crlfDelay: Infinity });
  try {
    for await (const line of rl) return parseHeader(line);
    throw new Error(`${file} is empty`);
  } finally {
    rl.close();
  }
}

function parseHeader(line: string): Header {
  let h: Header;
  try {
    h = JSON.parse(line);
  } catch {
    throw new Error('not a Kyoso backup (first line is not JSON)');
  }
  if (h.$ !== 'header' || h.format !== BACKUP_FORMAT) throw new Error('not a Kyoso backup');
  if (h.version !== BACKUP_VERSION) throw new Error(`backup format version ${h.version} is not supported (expected ${BACKUP_VERSION})`);
  return h;
}

export class RestoreRefused extends Error {}

/**
 * Why the target is not an empty instance (undefined when it is): members, applications or uploads
 * exist. Reference data from the migrations and the bootstrapped secretariat account do not count.
 */
export async function whyNotEmpty(c: Client, dataDir: string): Promise<string | undefined> {
  const reasons: string[] = [];
  if (await tableExists(c, 'public', 'users')) {
    const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE NOT ('secretariat' = ANY(roles))`);
    if (rows[0].n) reasons.push(`${rows[0].n} member accounts`);
  }
  if (await tableExists(c, 'public', 'membership_applications')) {
    const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM membership_applications`);
    if (rows[0].n) reasons.push(`${rows[0].n} membership applications`);
  }
  const files = listFiles(path.join(path.resolve(dataDir), 'uploads')).length;
  if (files) reasons.push(`${files} uploaded files`);
  return reasons.length ? reasons.join(', ') : undefined;
}

/**
 * Restores a backup into the (already migrated) database at `databaseUrl` and `<dataDir>/uploads`,
 * in one transaction: refuses a non-empty instance unless `force`, refuses a backup made by a newer
 * Kyoso (migrations the target does not have). Reindexing search is the caller's job.
 */
export async function restoreBackup(opts: {
  databaseUrl: string;
  dataDir: string;
  file: string;
  force?: boolean;
  log?: Log;
}): Promise<RestoreSummary> {
  const log = opts.log ?? (() => undefined);
  const dataDir = path.resolve(opts.dataDir);
  const c = new Client({ connectionString: opts.databaseUrl, application_name: 'kyoso-restore' });
  c.on('error', () => undefined);
  await c.connect();
  const staging = path.join(dataDir, `.uploads-restore-${randomBytes(4).toString('hex')}`);
  const summary: RestoreSummary = { tables: {}, jobs: 0, files: 0, skippedTables: [], skippedColumns: [], replicationRole: false };
  const input = fs.createReadStream(path.resolve(opts.file)).pipe(zlib.createGunzip());
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  let inTx = false;
  let file: { rel: string; fd: number; written: number } | undefined;
  try {
    const lines = rl[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error('backup file is empty');
    const header = parseHeader(first.value);

    const applied = (await tableExists(c, 'public', 'migrations'))
      ? new Set((await c.query<{ name: string }>('SELECT name FROM migrations')).rows.map((r) => r.name))
      : new Set<string>();
    const unknown = header.migrations.filter((m) => !applied.has(m));
    if (unknown.length) {
      throw new RestoreRefused(`the backup was made by a newer Kyoso (migrations ${unknown.join(', ')} are unknown here): upgrade first`);
    }
    const newer = [...applied].filter((m) => !header.migrations.includes(m));
    if (newer.length)
      log(`note: this instance has migrations the backup predates (${newer.join(', ')}); their data changes are not re-applied`);
    if (!opts.force) {
      const why = await whyNotEmpty(c, dataDir);
      if (why) throw new RestoreRefused(`the target instance is not empty (${why}); restore into an empty instance or pass --force`);
    }

    await c.query('BEGIN');
    inTx = true;
    // With replica role, foreign keys and triggers are not checked while loading (rows of a self-referencing
    // table may come in any order). It needs superuser rights; without it the FK-sorted order of the dump is used.
    await c.query('SAVEPOINT role');
    try {
      await c.query(`SET LOCAL session_replication_role = replica`);
      summary.replicationRole = true;
    } catch {
      await c.query('ROLLBACK TO SAVEPOINT role');
    }
    const targetTables = new Set(await publicTables(c));
    const present = header.tables.filter((t) => targetTables.has(t));
    summary.skippedTables = header.tables.filter((t) => !targetTables.has(t));
    if (present.length) await c.query(`TRUNCATE ${present.map((t) => 'public.' + q(t)).join(', ')} RESTART IDENTITY CASCADE`);

    const queues = (await tableExists(c, 'pgboss', 'queue'))
      ? new Set((await c.query<{ name: string }>('SELECT name FROM pgboss.queue')).rows.map((r) => r.name))
      : new Set<string>();
    let skippedJobs = 0;

    type Section = {
      kind: 'table' | 'jobs';
      skip: boolean;
      table: string;
      schema: string;
      cols: string[];
      identity: boolean;
      batch: string[];
      rows: number;
    };
    let section: Section | undefined;
    let ended = false;

    const flush = async () => {
      if (!section || !section.batch.length) return;
      const target = `${section.schema}.${q(section.table)}`;
      const cols = section.cols.map(q).join(', ');
      const conflict = section.kind === 'jobs' ? ' ON CONFLICT DO NOTHING' : '';
      await c.query(
        `INSERT INTO ${target} (${cols})${section.identity ? ' OVERRIDING SYSTEM VALUE' : ''} SELECT ${cols} FROM jsonb_populate_recordset(null::${target}, $1::jsonb)${conflict}`,
        ['[' + section.batch.join(',') + ']'],
      );
      section.batch = [];
    };

    const openSection = async (kind: 'table' | 'jobs', schema: string, table: string, dumped: string[]) => {
      const target = await columnsOf(c, schema, table);
      const insertable = new Set(target.filter((x) => !x.generated).map((x) => x.name));
      const cols = dumped.filter((x) => insertable.has(x));
      for (const x of dumped) if (!insertable.has(x) && !target.some((t) => t.name === x)) summary.skippedColumns.push(`${table}.${x}`);
      section = { kind, skip: false, schema, table, cols, identity: target.some((x) => x.identityAlways), batch: [], rows: 0 };
    };
    const skipSection = (kind: 'table' | 'jobs', schema: string, table: string): Section => ({
      kind,
      skip: true,
      schema,
      table,
      cols: [],
      identity: false,
      batch: [],
      rows: 0,
    });

    for (;;) {
      const next = await lines.next();
      if (next.done) break;
      const line = next.value;
      if (line.startsWith('R\t')) {
        if (!section) throw new Error('malformed backup: row outside a table');
        if (section.skip) continue;
        if (section.kind === 'jobs') {
          const job = JSON.parse(line.slice(2));
          if (!queues.has(job.name)) {
            skippedJobs++;
            continue;
          }
          if (job.state === 'active') Object.assign(job, { state: 'retry', started_on: null });
          section.batch.push(JSON.stringify(job));
        } else {
          section.batch.push(line.slice(2));
        }
        section.rows++;
        if (section.batch.length >= INSERT_BATCH) await flush();
        continue;
      }
      if (line.startsWith('F\t')) {
        if (!file) throw new Error('malformed backup: file data outside a file');
        const buf = Buffer.from(line.slice(2), 'base64');
        fs.writeSync(file.fd, buf);
        file.written += buf.length;
        continue;
      }
      const m = JSON.parse(line) as { $: string; [k: string]: any };
      switch (m.$) {
        case 'table':
          if (targetTables.has(m.name)) await openSection('table', 'public', m.name, m.columns);
          else section = skipSection('table', 'public', m.name);
          break;
        case 'end-table':
          if (section && !section.skip) {
            await flush();
            if (section.rows !== m.rows) throw new Error(`malformed backup: ${m.name} has ${section.rows} rows, expected ${m.rows}`);
            summary.tables[section.table] = section.rows;
          }
          section = undefined;
          break;
        case 'jobs':
          if (queues.size) await openSection('jobs', 'pgboss', 'job', m.columns);
          else section = skipSection('jobs', 'pgboss', 'job');
          break;
        case 'end-jobs':
          if (section && !section.skip) await flush();
          summary.jobs = section?.rows ?? 0;
          section = undefined;
          break;
        case 'file': {
          const rel = String(m.path);
          const dest = path.resolve(staging, rel);
          if (!dest.startsWith(staging + path.sep)) throw new Error(`malformed backup: unsafe file path ${rel}`);
          fs.mkdirSync(path.dirname(dest), { recursive: true });
          file = { rel, fd: fs.openSync(dest, 'wx', typeof m.mode === 'number' ? m.mode & 0o777 : 0o600), written: 0 };
          break;
        }
        case 'end-file':
          if (!file) throw new Error('malformed backup: end of a file that was not started');
          fs.closeSync(file.fd);
          if (file.written !== m.size) throw new Error(`malformed backup: ${file.rel} has ${file.written} bytes, expected ${m.size}`);
          file = undefined;
          summary.files++;
          break;
        case 'end':
          ended = true;
          break;
        default:
          throw new Error(`malformed backup: unknown line type ${m.$}`);
      }
      if (ended) break;
    }
    if (!ended) throw new Error('the backup file is truncated (no end marker): nothing was restored');
    if (skippedJobs) log(`${skippedJobs} jobs of queues this instance does not have were skipped`);

    // identity columns and serial sequences continue after the restored rows
    const { rows: seqs } = await c.query<{ tbl: string; col: string; seq: string }>(
      `SELECT c.relname AS tbl, a.attname AS col, pg_get_serial_sequence(format('public.%I', c.relname), a.attname) AS seq
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
         AND pg_get_serial_sequence(format('public.%I', c.relname), a.attname) IS NOT NULL`,
    );
    for (const s of seqs) {
      if (!(s.tbl in summary.tables)) continue;
      await c.query(`SELECT setval($1, COALESCE((SELECT max(${q(s.col)}) FROM public.${q(s.tbl)}), 0) + 1, false)`, [s.seq]);
    }
    await c.query('COMMIT');
    inTx = false;

    // uploads: swap the restored directory in (the old one is kept aside until the swap succeeded)
    const uploads = path.join(dataDir, 'uploads');
    if (fs.existsSync(staging)) {
      const old = `${uploads}.old-${randomBytes(4).toString('hex')}`;
      if (fs.existsSync(uploads)) fs.renameSync(uploads, old);
      fs.renameSync(staging, uploads);
      fs.rmSync(old, { recursive: true, force: true });
    }
    log(
      `restored ${Object.keys(summary.tables).length} tables (${Object.values(summary.tables).reduce((a, b) => a + b, 0)} rows), ${summary.jobs} jobs, ${summary.files} files`,
    );
    if (summary.skippedTables.length) log(`tables this instance does not have (skipped): ${summary.skippedTables.join(', ')}`);
    if (summary.skippedColumns.length) log(`columns this instance does not have (skipped): ${summary.skippedColumns.join(', ')}`);
    return summary;
  } catch (e) {
    if (inTx) await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    if (file) fs.closeSync(file.fd);
    rl.close();
    input.destroy();
    fs.rmSync(staging, { recursive: true, force: true });
    await c.end().catch(() => undefined);
  }
}
