import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dropDatabase, ensureDatabase } from '../../libs/runtime';
import { loadOrCreateMeiliKey, MeiliProcess, resolveMeiliBinary } from '../../libs/runtime/meilisearch';
import { findFreePort } from '../../libs/runtime/util';

function env(name: string): string {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set: run the tests through jest with globalSetup ` + `"<rootDir>/test/support/global-setup.ts"`);
  }
  return v;
}

/** URL of the "postgres" database on the test server (for CREATE/DROP DATABASE). */
export function adminDatabaseUrl(): string {
  return env('KYOSO_TEST_ADMIN_DATABASE_URL');
}

function urlFor(database: string): string {
  const u = new URL(adminDatabaseUrl());
  u.pathname = '/' + database;
  return u.toString();
}

/**
 * Creates a fresh, empty database `kyoso_t_<name>_<random>` on the test server
 * and returns its URL. `name` is an optional label (sanitised).
 */
export async function testDatabaseUrl(name = ''): Promise<string> {
  const label = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 30);
  const db = ['kyoso_t', label, randomBytes(5).toString('hex')].filter(Boolean).join('_');
  await ensureDatabase(adminDatabaseUrl(), db);
  return urlFor(db);
}

/** Drops a database created by testDatabaseUrl() (open connections are terminated). */
export async function dropTestDatabase(url: string): Promise<void> {
  const db = decodeURIComponent(new URL(url).pathname.slice(1));
  await dropDatabase(adminDatabaseUrl(), db);
}

export function meiliTest(): { url: string; key: string } {
  return { url: env('KYOSO_TEST_MEILI_URL'), key: process.env.KYOSO_TEST_MEILI_KEY ?? '' };
}

async function control(action: 'stop' | 'start'): Promise<void> {
  if (process.env.KYOSO_TEST_MEILI_EXTERNAL) {
    throw new Error(`meili ${action} is not supported with external Meilisearch (MEILI_URL is set)`);
  }
  const res = await fetch(`${env('KYOSO_TEST_CONTROL_URL')}/meili/${action}`, { method: 'POST' });
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new Error(`meili ${action} failed: ${body.error ?? res.status}`);
}

/** Stops the shared embedded Meilisearch (outage tests). Restart it with startMeili(). */
export function stopMeili(): Promise<void> {
  return control('stop');
}

/** Restarts the shared embedded Meilisearch on the same URL with the same data; resolves when healthy. */
export function startMeili(): Promise<void> {
  return control('start');
}

/**
 * A Meilisearch of this test file's own, for outage tests: stopping the shared one would break
 * every other test file running at the same time.
 */
export async function privateMeili(): Promise<{
  url: string;
  key: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-meili-private-'));
  const meili = new MeiliProcess(
    resolveMeiliBinary(dataDir),
    dataDir,
    await findFreePort(),
    loadOrCreateMeiliKey(dataDir),
    () => undefined,
  );
  await meili.start();
  return {
    url: meili.url,
    key: meili.key,
    stop: () => meili.stop(),
    start: () => meili.start(),
    async close() {
      await meili.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
