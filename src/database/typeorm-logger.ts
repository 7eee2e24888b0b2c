import { Logger as NestLogger } from '@nestjs/common';
import type { Logger } from 'typeorm';

/** TypeORM messages through the application logger: errors and slow queries only. */
export class TypeOrmLogger implements Logger {
  private readonly logger = new NestLogger('TypeORM');
  logQuery() {}
  logQueryError(error: string | Error, query: string) {
    this.logger.debug(`query failed: ${error instanceof Error ? error.message : error} — ${query.slice(0, 200)}`);
  }
  logQuerySlow(time: number, query: string) {
    this.logger.warn(`slow query (${time} ms): ${query.slice(0, 200)}`);
  }
  logSchemaBuild() {}
  logMigration(message: string) {
    this.logger.log(message);
  }
  log(level: 'log' | 'info' | 'warn', message: unknown) {
    if (level === 'warn') this.logger.warn(String(message));
  }
}
