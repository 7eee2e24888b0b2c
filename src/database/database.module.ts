import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { migrations } from '../../migrations';
import { WorkflowHistory } from '../../libs/workflow';
import { AuditEntry } from '../audit/audit-entry.entity';
import { AppConfig } from '../../libs/config/app-config';
import { TypeOrmLogger } from './typeorm-logger';

/** PostgreSQL through TypeORM: migrations run at start, never `synchronize`. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        type: 'postgres' as const,
        url: config.databaseUrl,
        autoLoadEntities: true,
        entities: [WorkflowHistory, AuditEntry],
        migrations,
        migrationsRun: true,
        migrationsTransactionMode: 'each' as const,
        synchronize: false,
        installExtensions: false,
        uuidExtension: 'pgcrypto' as const,
        logger: new TypeOrmLogger(),
        extra: { max: 10, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000, application_name: 'kyoso' },
        retryAttempts: 3,
        retryDelay: 1000,
      }),
    }),
  ],
})
export class DatabaseModule {}
