import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadOrCreateMeiliKey, MeiliProcess, resolveMeiliBinary } from './meilisearch';
import { EmbeddedPg, ensureDatabase, dropDatabase, startEmbeddedPostgres, APP_DATABASE, runningEmbeddedPostgres } from './postgres';
import { findFreePort } from './util';

export { ensureDatabase, dropDatabase, APP_DATABASE, runningEmbeddedPostgres, startEmbeddedPostgres };

export interface RuntimeServices {
  /** postgres://user:pass@127.0.0.1:PORT/kyoso */
  databaseUrl: string;
  /** Same server, database "postgres" (CREATE DATABASE for tests). */
  adminDatabaseUrl: string;
  /** http://127.0.0.1:PORT */
  meiliUrl: string;
  /** Master key. */
  meiliKey: string;
  embeddedPostgres: boolean;
  embeddedMeili: boolean;
  /** Stops only what it started; idempotent. */
  stop(): Promise<void>;
  /** Stops only the embedded Meilisearch (outage tests); port and data are kept. */
  stopMeili(): Promise<void>;
  /** Restarts the embedded Meilisearch on the same port with the same data; waits until healthy. */
  startMeili(): Promise<void>;
  /** Stops only the embedded PostgreSQL (outage tests); port and data are kept. */
  stopPostgres(): Promise<void>;
  /** Restarts the embedded PostgreSQL on the same port with the same data; waits until it accepts connections. */
  startPostgres(): Promise<void>;
}

export interface StartServicesOptions {
  /** Embedded PG data in <dataDir>/postgres, Meilisearch in <dataDir>/meilisearch. */
  dataDir: string;
  /** If set, no embedded PostgreSQL is started. */
  databaseUrl?: string;
  /** If set, no embedded Meilisearch is started. */
  meiliUrl?: string;
  meiliKey?: string;
  log?: (msg: string) => void;
  /** Data is disposable (tests): PG runs with fsync/synchronous_commit/full_page_writes off. */
  ephemeral?: boolean;
}

/** Replaces the database name of a postgres URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(database);
  return u.toString();
}

export async function startServices(opts: StartServicesOptions): Promise<RuntimeServices> {
  const log = opts.log ?? (() => undefined);
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const t0 = Date.now();

  const pgPromise: Promise<EmbeddedPg | undefined> = opts.databaseUrl
    ? Promise.resolve(undefined)
    : startEmbeddedPostgres({ dataDir, log, ephemeral: opts.ephemeral });

  const meiliPromise: Promise<MeiliProcess | undefined> = opts.meiliUrl
    ? Promise.resolve(undefined)
    : (async () => {
        const bin = resolveMeiliBinary(dataDir);
        const key = loadOrCreateMeiliKey(dataDir);
        const m = new MeiliProcess(bin, dataDir, await findFreePort(), key, log);
        await m.start();
        return m;
      })();

  const [pgRes, meiliRes] = await Promise.allSettled([pgPromise, meiliPromise]);
  if (pgRes.status === 'rejected' || meiliRes.status === 'rejected') {
    if (pgRes.status === 'fulfilled') await pgRes.value?.stop().catch(() => undefined);
    if (meiliRes.status === 'fulfilled') await meiliRes.value?.stop().catch(() => undefined);
    throw pgRes.status === 'rejected' ? pgRes.reason : (meiliRes as PromiseRejectedResult).reason;
  }
  const pg = pgRes.value;
  const meili = meiliRes.value;

  const databaseUrl = pg ? pg.databaseUrl : opts.databaseUrl!;
  const adminDatabaseUrl = pg ? pg.adminDatabaseUrl : withDatabase(opts.databaseUrl!, 'postgres');
  const meiliUrl = meili ? meili.url : opts.meiliUrl!.replace(/\/+$/, '');
  const meiliKey = meili ? meili.key : (opts.meiliKey ?? '');

  let stopping: Promise<void> | undefined;
  const requireEmbeddedMeili = (): MeiliProcess => {
    if (!meili) throw new Error('stopMeili/startMeili are not supported with external Meilisearch');
    return meili;
  };

  const requireEmbeddedPg = (): EmbeddedPg => {
    if (!pg) throw new Error('stopPostgres/startPostgres are not supported with external PostgreSQL');
    return pg;
  };

  if (pg || meili) log(`services ready in ${Date.now() - t0} ms (data dir ${dataDir})`);

  return {
    databaseUrl,
    adminDatabaseUrl,
    meiliUrl,
    meiliKey,
    embeddedPostgres: !!pg,
    embeddedMeili: !!meili,
    stop() {
      stopping ??= (async () => {
        const t = Date.now();
        const results = await Promise.allSettled([pg?.stop(), meili?.stop()]);
        if (pg || meili) log(`services stopped in ${Date.now() - t} ms`);
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      })();
      return stopping;
    },
    async stopMeili() {
      const m = requireEmbeddedMeili();
      await m.stop();
      log('meilisearch stopped');
    },
    async startMeili() {
      const m = requireEmbeddedMeili();
      if (stopping) throw new Error('services were stopped');
      await m.start();
    },
    async stopPostgres() {
      const p = requireEmbeddedPg();
      await p.stop();
      log('postgres stopped');
    },
    async startPostgres() {
      const p = requireEmbeddedPg();
      if (stopping) throw new Error('services were stopped');
      await p.start();
    },
  };
}
