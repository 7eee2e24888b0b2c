import * as fs from 'node:fs';
import * as path from 'node:path';

/** CPU time (user + system, ms) of a process and, optionally, its direct children, from /proc (Linux only). */
function cpuOf(pid: number, withChildren: boolean): number | null {
  const read = (p: number): { ms: number; reaped: number; ppid: number } | null => {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime + stime, and cutime + cstime: what exited children (e.g. PostgreSQL backends) used, once reaped
      return {
        ms: ((Number(f[11]) + Number(f[12])) * 1000) / TICKS,
        reaped: ((Number(f[13]) + Number(f[14])) * 1000) / TICKS,
        ppid: Number(f[1]),
      };
    } catch {
      return null;
    }
  };
  const own = read(pid);
  if (!own) return null;
  let total = own.ms;
  if (withChildren) {
    total += own.reaped;
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const child = read(Number(entry));
      if (child && child.ppid === pid) total += child.ms;
    }
  }
  return total;
}

const TICKS = 100; // USER_HZ on Linux

export interface CpuSample {
  app: number | null;
  meili: number | null;
  postgres: number | null;
}

/** Where the CPU goes: the app process, the embedded Meilisearch and the embedded PostgreSQL (postmaster + backends). */
export class CpuMeter {
  constructor(
    private readonly appPid: number,
    private readonly meiliPid: number | null,
    private readonly postmasterPid: number | null,
  ) {}

  /** The embedded services' pids from their files under DATA_DIR (null when external or not on Linux). */
  static forDataDir(appPid: number, dataDir: string, embedded: { meili: boolean; postgres: boolean }): CpuMeter {
    const firstLine = (file: string) => {
      try {
        const n = Number(fs.readFileSync(file, 'utf8').split('\n')[0].trim());
        return Number.isInteger(n) && n > 0 ? n : null;
      } catch {
        return null;
      }
    };
    return new CpuMeter(
      appPid,
      embedded.meili ? firstLine(path.join(dataDir, 'meilisearch.pid')) : null,
      embedded.postgres ? firstLine(path.join(dataDir, 'postgres', 'postmaster.pid')) : null,
    );
  }

  sample(): CpuSample {
    return {
      app: cpuOf(this.appPid, false),
      meili: this.meiliPid ? cpuOf(this.meiliPid, false) : null,
      postgres: this.postmasterPid ? cpuOf(this.postmasterPid, true) : null,
    };
  }

  /** CPU ms per operation between two samples. */
  static perOp(a: CpuSample, b: CpuSample, ops: number): CpuSample {
    const d = (x: number | null, y: number | null) =>
      x === null || y === null || ops <= 0 ? null : Math.round(((y - x) / ops) * 100) / 100;
    return { app: d(a.app, b.app), meili: d(a.meili, b.meili), postgres: d(a.postgres, b.postgres) };
  }
}
