import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { prepare } from '../bootstrap';

/**
 * `npm run migration:run` applies pending migrations (the app does it at start too).
 * `npm run migration:generate -- <Name>` writes migrations/<timestamp>-<Name>.ts with the SQL that
 * brings the database to the entities; read and tidy it, then add it to migrations/index.ts.
 */
async function main(): Promise<void> {
  const [command, name] = process.argv.slice(2);
  const { config, services } = await prepare(process.env, { runWorkers: false, seedDemo: false }, () => undefined);
  const ctx = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: ['error', 'warn'] });
  try {
    const ds = ctx.get<DataSource>(getDataSourceToken());
    if (command === 'run') {
      const done = await ds.runMigrations({ transaction: 'each' });
      console.log(done.length ? done.map((m) => `applied ${m.name}`).join('\n') : 'no pending migrations');
    } else if (command === 'generate') {
      if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) throw new Error('usage: npm run migration:generate -- <PascalName>');
      const sql = await ds.driver.createSchemaBuilder().log();
      // FKs, CHECKs and partial indexes live in hand-written SQL only: never generate their removal
      const keep = (q: string) =>
        !/^ALTER TABLE "[a-z_]+" DROP CONSTRAINT "[a-z_0-9]+"$|^DROP INDEX "public"\."(uq|idx)_[a-z_0-9]+"$/.test(q);
      sql.upQueries = sql.upQueries.filter((u) => keep(u.query));
      if (!sql.upQueries.length) {
        console.log('entities and database agree: nothing to generate');
        return;
      }
      const ts = Date.now();
      const q = (s: string) => '`' + s.replace(/`/g, '\\`') + '`';
      const body = `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${name}${ts} implements MigrationInterface {
  name = '${name}${ts}';

  async up(q: QueryRunner): Promise<void> {
${sql.upQueries.map((u) => `    await q.query(${q(u.query)});`).join('\n')}
  }

  async down(q: QueryRunner): Promise<void> {
${sql.downQueries
  .reverse()
  .map((u) => `    await q.query(${q(u.query)});`)
  .join('\n')}
  }
}
`;
      const file = path.resolve(__dirname, '..', '..', '..', 'migrations', `${ts}-${name}.ts`);
      fs.writeFileSync(file, body);
      console.log(`wrote ${path.relative(process.cwd(), file)} — review it and add ${name}${ts} to migrations/index.ts`);
    } else {
      throw new Error('usage: migrations.js run | generate <Name>');
    }
  } finally {
    await ctx.close();
    await services.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
