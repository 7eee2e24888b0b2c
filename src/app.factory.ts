import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import * as path from 'node:path';
import { i18n } from '../libs/common';
import { AppModule } from './app.module';
import { AuditService } from './audit/audit.service';
import { AppConfig } from '../libs/config/app-config';
import { KyosoExceptionFilter } from './web/exception.filter';
import { kyosoValidationPipe } from './web/validation';
import { setupViews } from './web/views';

/** Builds the whole application (used by `npm start`, the CLI and the e2e tests alike). */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.set('trust proxy', trustProxySetting(config.trustProxy));
  app.disable('x-powered-by');

  const cspDirectives = {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    upgradeInsecureRequests: null,
  };
  const strict = helmet({ contentSecurityPolicy: { directives: cspDirectives }, crossOriginEmbedderPolicy: false });
  // Swagger UI needs inline styles; scripts stay 'self' everywhere
  const docs = helmet({ contentSecurityPolicy: { directives: { ...cspDirectives, styleSrc: ["'self'", "'unsafe-inline'"] } } });
  app.use((req: any, res: any, next: any) => (req.path.startsWith('/api/docs') ? docs(req, res, next) : strict(req, res, next)));
  app.use(cookieParser());

  i18n(); // message files are read (and checked) at start
  const { dir, engine } = setupViews();
  app.useStaticAssets(path.join(dir, 'static'), { prefix: '/static/', maxAge: '1h', index: false });
  // the door scanner's QR decoder, straight from its package (no session, no database: a static file)
  app.useStaticAssets(path.join(path.dirname(require.resolve('jsqr/package.json')), 'dist'), {
    prefix: '/static/vendor/jsqr/',
    maxAge: '1h',
    index: false,
  });
  app.setBaseViewsDir(dir);
  app.setViewEngine('hbs');
  app.set('view options', { layout: false });
  app.engine('hbs', engine.__express);

  app.useGlobalPipes(kyosoValidationPipe());
  app.useGlobalFilters(new KyosoExceptionFilter(app.get(AuditService)));

  const openapi = new DocumentBuilder()
    .setTitle('Kyoso API')
    .setDescription('JSON API of Kyoso (共創), the members’ platform of a regional smart-city partners forum.')
    .setVersion('1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, openapi), {
    jsonDocumentUrl: 'api/docs-json',
  });
  return app;
}

/** TRUST_PROXY as Express takes it: true/false, a hop count, or addresses/subnets/presets. */
export function trustProxySetting(value: string): boolean | number | string {
  const v = value.trim();
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}
