import { DynamicModule, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { LoggerModule } from 'nestjs-pino';
import { JobsModule } from '../libs/jobs';
import { SearchModule } from '../libs/search';
import { AlertsModule } from './alerts/alerts.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { AppConfig } from '../libs/config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DemoModule } from './demo/demo.module';
import { EventsModule } from './events/events.module';
import { FieldsModule } from './fields/fields.module';
import { HealthModule } from './health/health.module';
import { InquiriesModule } from './inquiries/inquiries.module';
import { IssueMapModule } from './issue-map/issue-map.module';
import { IssuesModule } from './issues/issues.module';
import { MailModule } from './mail/mail.module';
import { MatchingModule } from './matching/matching.module';
import { CatalogDirectoryModule } from './catalog/catalog-directory.module';
import { redactUrl } from './web/redact';
import { CatalogModule } from './catalog/catalog.module';
import { MembersDirectoryModule } from './members/directory.module';
import { MembersModule } from './members/members.module';
import { PagesModule } from './pages/pages.module';
import { ReliabilityModule } from './reliability/reliability.module';
import { ProjectsModule } from './projects/projects.module';
import { SecretariatModule } from './secretariat/secretariat.module';
import { SolutionsModule } from './solutions/solutions.module';
import { SubsidiesModule } from './subsidies/subsidies.module';
import { AuthContextMiddleware } from './web/auth-context.middleware';
import { BodyMiddleware } from './web/body.middleware';
import { CsrfMiddleware } from './web/csrf.middleware';
import { SessionMiddleware } from './web/session.middleware';

@Module({})
export class AppModule implements NestModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DiscoveryModule,
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            genReqId: (req, res) => {
              const id = (req.headers['x-request-id'] as string) || randomUUID();
              res.setHeader('x-request-id', id);
              return id;
            },
            autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/static/') },
            redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
            serializers: {
              req: (req) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
              res: (res) => ({ statusCode: res.statusCode }),
            },
          },
        }),
        DatabaseModule,
        JobsModule,
        SearchModule,
        MailModule,
        AuditModule,
        AuthModule,
        FieldsModule,
        MembersDirectoryModule,
        CatalogDirectoryModule,
        MembersModule,
        IssuesModule,
        SolutionsModule,
        CatalogModule,
        MatchingModule,
        InquiriesModule,
        AlertsModule,
        IssueMapModule,
        EventsModule,
        ProjectsModule,
        SubsidiesModule,
        SecretariatModule,
        ReliabilityModule,
        PagesModule,
        HealthModule,
        DemoModule,
      ],
      providers: [SessionMiddleware, BodyMiddleware, CsrfMiddleware, AuthContextMiddleware],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(BodyMiddleware, SessionMiddleware, CsrfMiddleware, AuthContextMiddleware)
      .forRoutes({ path: '{*splat}', method: RequestMethod.ALL });
  }
}
