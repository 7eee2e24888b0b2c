import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SearchService } from '../../libs/search';
import { AppModule } from '../app.module';
import { readBackupHeader, restoreBackup, RestoreRefused } from '../backup/backup';
import { prepare } from '../bootstrap';

/**
 * `npm run restore -- <file> [--force]`: restores a backup into an EMPTY instance (DATA_DIR /
 * DATABASE_URL; refuses one with members unless --force), then rebuilds the search indexes.
 * Run it while Kyoso is stopped.
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const file = argv.find((a) => !a.startsWith('--'));
  // `npm run restore x --force` hands --force to npm, which passes it on as npm_config_force
  const force = argv.includes('--force') || process.env.npm_config_force === 'true';
  if (!file) throw new RestoreRefused('usage: npm run restore -- <backup file> [--force]');
  if (!fs.existsSync(file)) throw new RestoreRefused(`${file} does not exist`);
  const header = await readBackupHeader(file);
  const log = (m: string) => console.log(`[kyoso] ${m}`);
  log(`restoring the backup of ${header.createdAt} (${header.tables.length} tables)`);
  const { config, services } = await prepare(process.env, { runWorkers: false, seedDemo: false }, () => undefined);
  // starting the context runs the migrations and creates the job queues
  const ctx = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: ['error', 'warn'] });
  try {
    await ctx.init();
    await restoreBackup({ databaseUrl: config.databaseUrl!, dataDir: config.resolveData(), file: path.resolve(file), force, log });
    const t0 = Date.now();
    await ctx.get(SearchService).reindexAll(log);
    log(`search reindexed in ${((Date.now() - t0) / 1000).toFixed(1)} s; restore complete`);
  } finally {
    await ctx.close();
    await services.stop();
  }
}

main().catch((err) => {
  console.error(`[kyoso] restore failed: ${err instanceof Error ? err.message : err}`);
  process.exit(err instanceof RestoreRefused ? 2 : 1);
});
