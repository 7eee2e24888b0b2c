import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { SearchService } from '../../libs/search';
import { AppModule } from '../app.module';
import { prepare } from '../bootstrap';

/** `npm run search:reindex`: rebuilds every index into a fresh one and swaps it in, without downtime. */
async function main(): Promise<void> {
  const { config, services } = await prepare(process.env, { runWorkers: false, seedDemo: false }, () => undefined);
  const ctx = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: ['error', 'warn'] });
  try {
    await ctx.init();
    const started = Date.now();
    await ctx.get(SearchService).reindexAll((m: string) => console.log(m));
    console.log(`reindex done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await ctx.close();
    await services.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
