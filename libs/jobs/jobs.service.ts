import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import PgBoss from 'pg-boss';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';

/**
 * pg-boss 10 does not await `complete()`/`fail()` after a handler ran (manager.js `onFetch`): when PostgreSQL is
 * briefly unreachable at that moment the rejection is unhandled and Node ends the process. Mark those promises as
 * handled (callers that await them still see the error); the job stays active and is retried after it expires.
 */
function guardUnawaitedCompletion(): void {
  const proto = require('pg-boss/src/manager').prototype as Record<string, any>;
  const logger = new Logger('JobsService');
  for (const name of ['complete', 'fail']) {
    const orig = proto[name];
    if (typeof orig !== 'function' || orig.kyosoGuarded) continue;
    const guarded = function (this: unknown, ...args: unknown[]) {
      const p = orig.apply(this, args);
      if (p && typeof p.catch === 'function')
        p.catch((e: Error) => logger.warn(`job queue: could not record a job's ${name}: ${e.message}`));
      return p;
    };
    guarded.kyosoGuarded = true;
    Object.defineProperty(guarded, 'name', { value: name }); // pg-boss exposes manager methods by their name
    proto[name] = guarded;
  }
}
guardUnawaitedCompletion();

export type JobHandler<T> = (data: T, job: PgBoss.Job<T>) => Promise<void>;

export interface FailedJob {
  id: string;
  name: string;
  data: unknown;
  /** what the handler threw: pg-boss stores { message, stack } */
  output: { message?: string } | null;
  retryCount: number;
  createdOn: Date;
  failedOn: Date | null;
}

interface Registration {
  handler: JobHandler<any>;
  queue: Omit<PgBoss.Queue, 'name'>;
  batchSize: number;
  cron?: string;
}

/** Wraps a PgBoss Db around a TypeORM transaction, so a job is enqueued atomically with the write. */
export function txDb(manager: EntityManager): PgBoss.Db {
  return {
    async executeSql(text: string, values: any[]) {
      const res = await manager.query(text, values);
      const rows = Array.isArray(res) && res.length === 2 && typeof res[1] === 'number' ? res[0] : res;
      return { rows: Array.isArray(rows) ? rows : [] };
    },
  };
}

/**
 * The job queue (pg-boss on PostgreSQL): mail, digests, reminders. Jobs survive restarts,
 * run once across several app instances, retry with back-off and end in a dead-letter queue.
 */
@Injectable()
export class JobsService implements OnApplicationShutdown {
  private readonly logger = new Logger(JobsService.name);
  private readonly registrations = new Map<string, Registration>();
  private boss?: PgBoss;
  private starting?: Promise<void>;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * Feature modules register their handlers in onModuleInit. A failing job is retried `retryLimit` times with
   * exponential back-off (`retryDelay` seconds, doubled each time, with jitter), then parked in `dead_letter`.
   * Registering after start (tests, tools) creates the queue and its worker at once.
   */
  register<T>(
    name: string,
    handler: JobHandler<T>,
    opts: { retryLimit?: number; retryDelay?: number; batchSize?: number; cron?: string } = {},
  ): Promise<void> {
    const reg: Registration = {
      handler,
      batchSize: opts.batchSize ?? 10,
      cron: opts.cron,
      queue: { retryLimit: opts.retryLimit ?? 5, retryDelay: opts.retryDelay ?? 5, retryBackoff: true, deadLetter: 'dead_letter' },
    };
    this.registrations.set(name, reg);
    return this.boss ? this.activate(this.boss, name, reg) : Promise.resolve();
  }

  private async activate(boss: PgBoss, name: string, reg: Registration): Promise<void> {
    await boss.createQueue(name, { name, ...reg.queue });
    if (this.config.runWorkers) {
      // pg-boss waits a polling interval after every fetch, so fetch a batch; a failing job is failed on its
      // own (retried with back-off, then dead-lettered) while the rest of the batch completes normally.
      await boss.work<any>(name, { batchSize: reg.batchSize, pollingIntervalSeconds: 0.5 }, async (jobs) => {
        for (const job of jobs) {
          try {
            await reg.handler(job.data, job);
          } catch (err) {
            this.logger.warn(`job ${name} ${job.id} failed: ${(err as Error).message}`);
            await boss.fail(name, job.id, { message: (err as Error).message });
          }
        }
      });
      if (reg.cron) await boss.schedule(name, reg.cron, {}, { tz: 'Asia/Tokyo' });
    }
  }

  async start(): Promise<void> {
    this.starting ??= this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const url = (this.dataSource.options as { url?: string }).url;
    const boss = new PgBoss({ connectionString: url, schema: 'pgboss', max: 4, application_name: 'kyoso-jobs' });
    boss.on('error', (err) => this.logger.warn(`job queue: ${err.message}`));
    await boss.start();
    await boss.createQueue('dead_letter');
    for (const [name, reg] of this.registrations) await this.activate(boss, name, reg);
    this.boss = boss;
  }

  /** Enqueue a job; pass the transaction's manager to enqueue atomically with the write. */
  async send<T extends object>(name: string, data: T, opts: { manager?: EntityManager } & PgBoss.JobOptions = {}): Promise<string | null> {
    const { manager, ...jobOptions } = opts;
    if (!this.registrations.has(name)) throw new Error(`unknown job ${name}`);
    await this.start();
    return this.boss!.send(name, data, { ...jobOptions, ...(manager ? { db: txDb(manager) } : {}) });
  }

  /** Jobs that gave up after their retries, for the secretariat's view. */
  async deadLetters(limit = 50): Promise<{ id: string; data: unknown; createdOn: Date }[]> {
    await this.start();
    const rows = await this.dataSource.query(
      `SELECT id, data, created_on AS "createdOn" FROM pgboss.job WHERE name = 'dead_letter' ORDER BY created_on DESC LIMIT $1`,
      [limit],
    );
    return rows;
  }

  /** Jobs that failed for good (retries used up), newest first, with the last error; and how many are retrying now. */
  async failures(limit = 100): Promise<{ failed: FailedJob[]; retrying: number; deadLetters: number }> {
    await this.start();
    const failed: FailedJob[] = await this.dataSource.query(
      `SELECT id, name, data, output, retry_count AS "retryCount", created_on AS "createdOn", completed_on AS "failedOn"
       FROM pgboss.job WHERE state = 'failed' AND name <> 'dead_letter' ORDER BY completed_on DESC NULLS LAST LIMIT $1`,
      [limit],
    );
    const [{ retrying, dead }] = await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE state = 'retry')::int AS retrying,
              count(*) FILTER (WHERE name = 'dead_letter' AND state IN ('created', 'retry'))::int AS dead
       FROM pgboss.job`,
    );
    return { failed, retrying, deadLetters: dead };
  }

  /** Puts a failed job back in its queue (the secretariat fixed the cause). False when it is not a failed job. */
  async retry(id: string): Promise<boolean> {
    await this.start();
    const rows: { name: string }[] = await this.dataSource.query(`SELECT name FROM pgboss.job WHERE id = $1 AND state = 'failed'`, [id]);
    if (!rows.length) return false;
    await this.boss!.retry(rows[0].name, id);
    return true;
  }

  /** Waits until no job of these queues is waiting or running (tests, benchmarks). */
  async drain(names: string[], timeoutMs = 15000): Promise<void> {
    await this.start();
    const until = Date.now() + timeoutMs;
    for (;;) {
      const [{ n }] = await this.dataSource.query(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = ANY($1) AND state IN ('created','retry','active') AND start_after <= now()`,
        [names],
      );
      if (n === 0) return;
      if (Date.now() > until) throw new Error(`jobs still pending: ${names.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.starting) await this.starting.catch(() => undefined);
    await this.boss?.stop({ graceful: true, timeout: 10000, wait: true } as PgBoss.StopOptions).catch(() => undefined);
  }
}
