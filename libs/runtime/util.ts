import * as fs from 'node:fs';
import * as net from 'node:net';

/** Picks a free TCP port on 127.0.0.1 (bind :0, read the port, close). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not determine a free port'))));
    });
  });
}

/** True when a process with this pid exists (and is not a zombie). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM means it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  } catch {
    /* no procfs: trust kill(0) */
  }
  return true;
}

/** Command line of a process (NUL separators replaced by spaces), '' if unknown. */
export function processCmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Parent pid from /proc, undefined if unknown. */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1], 10);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A server process found in our data dir is "owned" by another live Node
 * process when its parent is such a process (not init / a subreaper after
 * its launcher died). Returns that owner's pid, if any.
 */
export function liveNodeOwner(pid: number): number | undefined {
  const ppid = parentPid(pid);
  if (!ppid || ppid <= 1 || ppid === process.pid || !isProcessAlive(ppid)) return undefined;
  return /(^|\/)node(\s|$)/.test(processCmdline(ppid).split(' ')[0] + ' ') ? ppid : undefined;
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Last `lines` lines of a (log) file, '' if it does not exist. */
export function tailFile(file: string, lines = 20): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      return buf.toString('utf8').split(/\r?\n/).filter(Boolean).slice(-lines).join('\n');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** Ensures `dir` is traversable by other users (needed when PG runs as the `postgres` user). */
export function ensureTraversable(dir: string): void {
  const st = fs.statSync(dir);
  if ((st.mode & 0o011) !== 0o011) fs.chmodSync(dir, (st.mode & 0o7777) | 0o011);
}
