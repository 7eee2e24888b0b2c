import { ChildProcess, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface OrgRef {
  organizationId: string;
  userId: string;
  email: string;
  password: string;
  name: string;
  kind: string;
  municipalityCode?: string;
}

export interface SetupResult {
  municipalities: OrgRef[];
  providers: OrgRef[];
  /** API token of the first municipality's user */
  token: string;
}

export interface BenchCommand {
  id: number;
  cmd: string;
  args?: unknown;
}

/** A Kyoso instance in a child process (test/bench/app-process.ts), driven over IPC. */
export class AppProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private exited = false;
  url = '';
  pid = 0;

  private constructor(
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    child.on('message', (msg: any) => {
      if (msg?.id === undefined) return;
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.ok) w.resolve(msg.result);
      else w.reject(new Error(`bench app: ${msg.error}`));
    });
    child.on('exit', (code) => {
      this.exited = true;
      for (const w of this.waiting.values()) w.reject(new Error(`bench app exited (${code})`));
      this.waiting.clear();
    });
  }

  /** Starts the instance; its log (pino JSON lines) goes to `logFile`. */
  static async start(
    env: NodeJS.ProcessEnv,
    logFile: string,
    entry = path.join(__dirname, 'app-process.ts'),
    timeoutMs = 120_000,
  ): Promise<AppProcess> {
    const root = path.resolve(__dirname, '..', '..');
    const logFd = fs.openSync(logFile, 'a');
    const child = fork(entry, [], {
      cwd: root,
      env,
      // compiled JavaScript (test/bench/build.ts) runs on plain node; the TypeScript entry needs the loader.
      // BENCH_CPU_PROF=<dir>: write a V8 CPU profile of the app (open it in Chrome DevTools → Performance)
      execArgv: [
        ...(entry.endsWith('.ts') ? ['-r', '@swc-node/register'] : []),
        '--expose-gc',
        ...(env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', env.BENCH_CPU_PROF] : []),
      ],
      // straight into a file: a pipe through this process (busy generating load) would block the app's log writes
      stdio: ['ignore', logFd, logFd, 'ipc'],
    });
    fs.closeSync(logFd);
    const tail = () => {
      try {
        return fs.readFileSync(logFile, 'utf8').slice(-20_000);
      } catch {
        return '';
      }
    };
    const started = new AppProcess(child, logFile);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench app did not start in ${timeoutMs} ms\n${tail()}`)), timeoutMs);
      child.on('message', (msg: any) => {
        if (msg?.ready) {
          clearTimeout(timer);
          started.url = msg.url;
          started.pid = msg.pid;
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`bench app exited with ${code} while starting\n${tail()}`));
      });
    });
    return started;
  }

  /** Warnings and errors the app logged so far (pino level ≥ 40). */
  warnings(): string[] {
    let text: string;
    try {
      text = fs.readFileSync(this.logFile, 'utf8');
    } catch {
      return [];
    }
    return text.split('\n').filter((l) => {
      const level = /"level":(\d+)/.exec(l)?.[1];
      return l.trim() !== '' && (!level || Number(level) >= 40);
    });
  }

  call<T = unknown>(cmd: string, args?: unknown): Promise<T> {
    if (this.exited) return Promise.reject(new Error('bench app is not running'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, cmd, args } satisfies BenchCommand);
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    await this.call('stop').catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
