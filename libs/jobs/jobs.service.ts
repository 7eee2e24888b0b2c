import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import PgBoss from 'pg-boss';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../src/config/app-config';

export type JobHandler<T> = (data: T, job: PgBoss.Job<T>) => Promise<void>;

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

  /** Feature modules register their handlers in onModuleInit. */
  register<T>(name: string, handler: JobHandler<T>, opts: { retryLimit?: number; batchSize?: number; cron?: string } = {}): void {
    this.registrations.set(name, {
      handler,
      batchSize: opts.batchSize ?? 1,
      cron: opts.cron,
      queue: { retryLimit: opts.retryLimit ?? 5, retryDelay: 5, retryBackoff: true, deadLetter: 'dead_letter' },
    });
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
    for (const [name, reg] of this.registrations) {
      await boss.createQueue(name, { name, ...reg.queue });
      if (this.config.runWorkers) {
        await boss.work<any>(name, { batchSize: reg.batchSize, pollingIntervalSeconds: 1 }, async (jobs) => {
          for (const job of jobs) await reg.handler(job.data, job);
        });
        if (reg.cron) await boss.schedule(name, reg.cron, {}, { tz: 'Asia/Tokyo' });
      }
    }
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
