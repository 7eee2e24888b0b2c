import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { sleep } from './meili-http';
import { OutboxDriver, SearchService } from './search.service';
import { OUTBOX_CHANNEL } from './search.types';

interface OutboxRow {
  id: string;
  index_name: string;
  document_id: string;
  enqueued_at: Date;
  attempts: number;
  last_error: string | null;
}

const BATCH = 500;
const POLL_MS = 1000;
const TASK_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 10_000;
const DRAIN_LOCK_KEY = 'kyoso_search_outbox_drain';

/** Back-off after the n-th failed attempt: 0.5 s, 1 s, 2 s, … capped at 10 s. */
export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.max(0, attempts - 1));
}

/**
 * Durable outbox of search index updates. Feature code calls `enqueue(manager, 'issues', [id])` in the same
 * transaction as its write; the drainer (one per process, started when `runWorkers`) applies the current state of
 * those documents to Meilisearch and deletes the rows only after the Meilisearch task succeeded.
 */
@Injectable()
export class SearchOutbox implements OutboxDriver, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('SearchOutbox');
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wakePending = false;
  private wakeResolve: (() => void) | undefined;
  private listener: Client | undefined;
  private listenerRetry: NodeJS.Timeout | undefined;
  private inFlight: Promise<number> | undefined;
  private readonly lastWarn = new Map<string, number>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly search: SearchService,
    private readonly config: AppConfig,
  ) {
    search.bindOutbox(this);
  }

  get running(): boolean {
    return this.loop !== undefined && !this.stopping;
  }

  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  /** Queues index updates for these document ids inside the caller's transaction (use its EntityManager). */
  async enqueue(manager: EntityManager, index: string, ids: string[]): Promise<void> {
    const unique = [...new Set(ids.filter((id) => id != null && id !== '').map(String))];
    if (unique.length === 0) return;
    await manager.query('INSERT INTO search_outbox (index_name, document_id) SELECT $1, d FROM unnest($2::text[]) AS d', [index, unique]);
  }

  // ---------------------------------------------------------------- lifecycle

  onApplicationBootstrap(): void {
    if (this.config.runWorkers) this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    void this.connectListener();
    this.loop = this.run();
    this.log.log('search outbox drainer started');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    if (this.listenerRetry) clearTimeout(this.listenerRetry);
    this.listenerRetry = undefined;
    const l = this.listener;
    this.listener = undefined;
    if (l) await l.end().catch(() => undefined);
    if (this.loop) await this.loop.catch(() => undefined);
    this.loop = undefined;
  }

  wake(): void {
    this.wakePending = true;
    const r = this.wakeResolve;
    this.wakeResolve = undefined;
    r?.();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      this.wakePending = false;
      let n = 0;
      try {
        n = await this.drainOnce();
      } catch (e) {
        this.warn('drain', `search outbox drain failed: ${(e as Error).message}`);
        await sleep(500);
      }
      if (n >= BATCH || this.stopping) continue;
      if (!this.wakePending) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            this.wakeResolve = undefined;
            resolve();
          }, POLL_MS);
          this.wakeResolve = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    }
  }

  private connectionOptions(): {
    connectionString?: string;
    host?: string;
    port?: number;
    user?: string;
    password?: string;
    database?: string;
  } {
    const o = this.dataSource.options as unknown as Record<string, any>;
    if (o.url) return { connectionString: o.url };
    return { host: o.host, port: o.port, user: o.username, password: o.password, database: o.database };
  }

  private async connectListener(): Promise<void> {
    if (this.stopping) return;
    const client = new Client(this.connectionOptions());
    const retry = () => {
      if (this.listener === client) this.listener = undefined;
      client.end().catch(() => undefined);
      if (this.stopping || this.listenerRetry) return;
      this.listenerRetry = setTimeout(() => {
        this.listenerRetry = undefined;
        void this.connectListener();
      }, 2000);
      this.listenerRetry.unref?.();
    };
    client.on('error', (e) => {
      this.warn('listen', `search outbox LISTEN connection error: ${e.message}`);
      retry();
    });
    client.on('end', () => {
      if (!this.stopping) retry();
    });
    client.on('notification', () => this.wake());
    try {
      await client.connect();
      if (this.stopping) {
        await client.end().catch(() => undefined);
        return;
      }
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      this.listener = client;
      this.wake(); // catch up on anything enqueued while not listening
    } catch (e) {
      this.warn('listen', `search outbox LISTEN failed: ${(e as Error).message}; polling meanwhile`);
      retry();
    }
  }

  // ---------------------------------------------------------------- draining

  /** Claims and applies one batch of due rows; resolves to the number of rows claimed. Serialized in-process. */
  drainOnce(): Promise<number> {
    if (this.inFlight) return this.inFlight.then(() => this.drainOnce());
    const p = this.drainBatch().finally(() => {
      this.inFlight = undefined;
    });
    this.inFlight = p;
    return p;
  }

  private async drainBatch(): Promise<number> {
    const qr = this.dataSource.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      // One drainer at a time across instances: keeps updates of a document in order. Others just skip.
      const [{ locked }] = await qr.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', [DRAIN_LOCK_KEY]);
      if (!locked) {
        await qr.commitTransaction();
        return 0;
      }
      const rows: OutboxRow[] = await qr.query(
        `WITH claimed AS (
           DELETE FROM search_outbox WHERE id IN (
             SELECT id FROM search_outbox WHERE next_attempt_at <= now() ORDER BY id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
           RETURNING id, index_name, document_id, enqueued_at, attempts, last_error)
         SELECT * FROM claimed ORDER BY id`,
      );
      if (rows.length === 0) {
        await qr.commitTransaction();
        return 0;
      }
      const groups = new Map<string, OutboxRow[]>();
      for (const r of rows) {
        const g = groups.get(r.index_name);
        if (g) g.push(r);
        else groups.set(r.index_name, [r]);
      }
      // Indexes being rebuilt right now: log applied ids so the reindex re-applies them after its swap.
      const markers: Array<{ index_name: string }> = await qr.query(
        'SELECT index_name FROM search_reindex WHERE index_name = ANY($1::text[]) FOR SHARE',
        [[...groups.keys()]],
      );
      const reindexing = new Set(markers.map((m) => m.index_name));

      const results = await Promise.all(
        [...groups].map(async ([index, group]) => {
          try {
            await this.applyGroup(index, [...new Set(group.map((r) => r.document_id))]);
            return { index, group, error: undefined as Error | undefined };
          } catch (e) {
            return { index, group, error: e as Error };
          }
        }),
      );
      for (const { index, group, error } of results) {
        if (!error) {
          if (reindexing.has(index)) {
            await qr.query('INSERT INTO search_reindex_log (index_name, document_id) SELECT $1, d FROM unnest($2::text[]) AS d', [
              index,
              [...new Set(group.map((r) => r.document_id))],
            ]);
          }
          continue;
        }
        await this.requeue(qr, group, error);
      }
      await qr.commitTransaction();
      return rows.length;
    } catch (e) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      throw e;
    } finally {
      await qr.release();
    }
  }

  private async applyGroup(index: string, ids: string[]): Promise<void> {
    const def = this.search.definition(index);
    if (!def) throw new Error(`no search index "${index}" is registered in this process`);
    const loaded = await def.load(ids);
    const upserts: unknown[] = [];
    const deletes: string[] = [];
    for (const id of ids) {
      const doc = loaded.get(id);
      if (doc) upserts.push(doc);
      else deletes.push(id);
    }
    await this.search.ensureIndex(index); // no-op once this process applied the settings
    const uid = encodeURIComponent(this.search.uid(index));
    const meili = this.search.meili;
    const tasks: number[] = [];
    if (upserts.length)
      tasks.push((await meili.request<{ taskUid: number }>('POST', `indexes/${uid}/documents?primaryKey=id`, upserts)).taskUid);
    if (deletes.length)
      tasks.push((await meili.request<{ taskUid: number }>('POST', `indexes/${uid}/documents/delete-batch`, deletes)).taskUid);
    for (const t of tasks) {
      const task = await meili.waitForTask(t, TASK_TIMEOUT_MS);
      if (task.status !== 'succeeded') {
        throw new Error(`Meilisearch task ${t} ${task.status}: ${task.error?.message ?? ''}`);
      }
    }
  }

  private async requeue(qr: QueryRunner, group: OutboxRow[], error: Error): Promise<void> {
    const byDoc = new Map<string, { enqueuedAt: Date; attempts: number }>();
    for (const r of group) {
      const prev = byDoc.get(r.document_id);
      byDoc.set(r.document_id, {
        enqueuedAt: prev && prev.enqueuedAt < r.enqueued_at ? prev.enqueuedAt : r.enqueued_at,
        attempts: Math.max(prev?.attempts ?? 0, Number(r.attempts)),
      });
    }
    const attempts = Math.max(...[...byDoc.values()].map((v) => v.attempts)) + 1;
    const delay = backoffMs(attempts);
    const index = group[0].index_name;
    this.warn(
      `apply:${index}`,
      `search outbox: ${byDoc.size} "${index}" document(s) not indexed (attempt ${attempts}, retry in ${delay} ms): ${error.message}`,
    );
    await qr.query(
      `INSERT INTO search_outbox (index_name, document_id, enqueued_at, attempts, next_attempt_at, last_error)
       SELECT $1, d.id, d.enqueued_at, d.attempts + 1, now() + make_interval(secs => $5::double precision / 1000), $4
       FROM unnest($2::text[], $3::timestamptz[], $6::int[]) AS d(id, enqueued_at, attempts)`,
      [
        index,
        [...byDoc.keys()],
        [...byDoc.values()].map((v) => v.enqueuedAt),
        error.message.slice(0, 2000),
        delay,
        [...byDoc.values()].map((v) => v.attempts),
      ],
    );
  }

  /** Logs a warning at most every 10 s per key (Meilisearch down ⇒ no log flood). */
  private warn(key: string, msg: string): void {
    const now = Date.now();
    if ((this.lastWarn.get(key) ?? 0) + 10_000 > now) return;
    this.lastWarn.set(key, now);
    this.log.warn(msg);
  }
}
