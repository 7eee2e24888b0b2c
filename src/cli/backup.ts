import 'reflect-metadata';
import * as path from 'node:path';
import { runningEmbeddedPostgres, startEmbeddedPostgres } from '../../libs/runtime';
import { writeBackup } from '../backup/backup';
import { loadConfig } from '../../libs/config/app-config';

/**
 * `npm run backup [-- <file>]`: one consistent file with every table, the queued jobs and the uploads
 * (default DATA_DIR/backups/kyoso-<time>.kyoso.gz). Works while Kyoso runs: it reads the running
 * embedded PostgreSQL (or DATABASE_URL) in one read-only snapshot; when nothing runs it starts the
 * embedded PostgreSQL just for the backup.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const config = loadConfig(process.env, { runWorkers: false, seedDemo: false });
  const dataDir = config.resolveData();
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const file = path.resolve(args[0] ?? path.join(dataDir, 'backups', `kyoso-${stamp}.kyoso.gz`));
  let stop: (() => Promise<void>) | undefined;
  let databaseUrl = config.databaseUrl ?? runningEmbeddedPostgres(dataDir);
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir, log: () => undefined });
    databaseUrl = pg.databaseUrl;
    stop = () => pg.stop();
  }
  try {
    const s = await writeBackup({ databaseUrl, dataDir, file, log: (m) => console.log(`[kyoso] ${m}`) });
    for (const [t, n] of Object.entries(s.tables)) if (n) console.log(`         ${t.padEnd(32)} ${n}`);
  } finally {
    await stop?.();
  }
}

main().catch((err) => {
  console.error(`[kyoso] backup failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
