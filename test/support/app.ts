import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { JobsService } from '../../libs/jobs';
import { SearchService } from '../../libs/search';
import { createApp } from '../../src/app.factory';
import { AppConfig, loadConfig } from '../../libs/config/app-config';
import { dropTestDatabase, meiliTest, testDatabaseUrl } from './services';
import { SmtpCatcher } from './smtp';

export const SECRETARIAT = { email: 'secretariat@test.example.jp', password: 'secretariat-pass-2026' };

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  /** http://127.0.0.1:<port> */
  url: string;
  http: () => ReturnType<typeof request>;
  mail: SmtpCatcher;
  /** Waits until queued mail has been delivered. */
  flushMail(): Promise<void>;
  /** Waits until the search index has caught up. */
  flushSearch(): Promise<void>;
  token(email: string, password: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * A whole Kyoso on real PostgreSQL (its own fresh database) and real Meilisearch (its own index prefix),
 * with mail delivered over SMTP to a catcher. One per test file.
 */
export async function createTestApp(label: string, overrides: Partial<AppConfig> = {}): Promise<TestApp> {
  const databaseUrl = await testDatabaseUrl(label);
  const meili = meiliTest();
  const mail = new SmtpCatcher();
  const smtpUrl = await mail.start();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-app-'));
  const config = loadConfig(
    {},
    {
      databaseUrl,
      meiliUrl: meili.url,
      meiliMasterKey: meili.key,
      meiliIndexPrefix: `t${randomBytes(4).toString('hex')}_`,
      dataDir,
      smtpUrl,
      seedDemo: false,
      secretariatEmail: SECRETARIAT.email,
      secretariatPassword: SECRETARIAT.password,
      sessionSecret: randomBytes(32).toString('hex'),
      nodeEnv: 'test',
      logLevel: process.env.KYOSO_TEST_LOG ? 'info' : 'silent',
      ...overrides,
    },
  );
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  config.publicUrl = url;
  const http = () => request(app.getHttpServer());
  return {
    app,
    config,
    url,
    http,
    mail,
    flushMail: () => app.get(JobsService).drain(['mail.send']),
    flushSearch: () => app.get(SearchService).flush(15000),
    async token(email, password) {
      const res = await http().post('/api/v1/auth/tokens').send({ email, password });
      if (res.status !== 201) throw new Error(`sign-in of ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.token as string;
    },
    async close() {
      await app.close();
      await mail.stop();
      await dropTestDatabase(databaseUrl).catch(() => undefined);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
