import 'reflect-metadata';
import { createApp } from './app.factory';
import { prepare } from './bootstrap';
import { ConfigError } from '../libs/config/app-config';
import { DemoService } from './demo/demo.service';
import { closeGracefully } from './web/shutdown';

async function main(): Promise<void> {
  const started = Date.now();
  const env = { ...process.env };
  // `npm start` loads demo data unless told otherwise
  if (env.SEED_DEMO === undefined && env.npm_lifecycle_event === 'start') env.SEED_DEMO = 'true';
  const { config, services } = await prepare(env, {}, (m) => console.log(`[kyoso] ${m}`));
  let stopping = false;
  const app = await createApp(config).catch(async (err) => {
    await services.stop();
    throw err;
  });
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[kyoso] ${signal}: finishing in-flight requests and stopping…`);
    await closeGracefully(app).catch((e) => console.error(e));
    await services.stop();
    process.exit(0);
  };
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  // loopback unless HOST says otherwise: an embedded development instance is not for the network (docker-compose sets HOST)
  await app.listen(config.port, process.env.HOST || '127.0.0.1');
  const accounts = app.get(DemoService).accounts;
  console.log(`\n[kyoso] 共創 Kyoso is ready at ${config.baseUrl}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  console.log(
    `[kyoso] data: ${config.resolveData()}  database: ${services.embeddedPostgres ? 'embedded PostgreSQL' : 'DATABASE_URL'}  search: ${services.embeddedMeili ? 'embedded Meilisearch' : 'MEILI_URL'}`,
  );
  if (accounts.length) {
    console.log('[kyoso] accounts:');
    for (const a of accounts) console.log(`         ${a.role.padEnd(24)} ${a.email.padEnd(28)} ${a.password}`);
  }
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(`[kyoso] ${err.message}`);
  else console.error('[kyoso] failed to start:', err);
  process.exit(1);
});
