import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../libs/config/app-config';
import { hashPassword } from '../auth/auth.service';
import { seedDemoMembers } from '../members/members.demo';
import { MembersService } from '../members/members.service';
import { DEMO_ORGANIZATIONS, DEMO_PASSWORD, DEMO_PENDING_APPLICATION, DEMO_SECRETARIAT } from './demo-data';

export type DemoSeeder = { name: string; order: number; run: (ctx: DemoContext) => Promise<void> };
export interface DemoContext {
  db: DataSource;
  /** demo organisation id by key (see demo-data.ts) */
  orgs: Record<string, string>;
  /** demo admin user id by organisation key */
  users: Record<string, string>;
}

/**
 * First start: the secretariat account from the environment (or demo values), and with SEED_DEMO
 * the demo members. Feature modules add their own demo content through `register`.
 */
@Injectable()
export class DemoService {
  private readonly logger = new Logger(DemoService.name);
  private readonly seeders: DemoSeeder[] = [];
  readonly accounts: { role: string; email: string; password: string }[] = [];

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly members: MembersService,
  ) {}

  register(seeder: DemoSeeder): void {
    this.seeders.push(seeder);
  }

  async bootstrap(): Promise<void> {
    const email = this.config.secretariatEmail ?? DEMO_SECRETARIAT.email;
    const password =
      this.config.secretariatPassword ?? (this.config.seedDemo ? DEMO_SECRETARIAT.password : randomBytes(12).toString('base64url'));
    if (await this.members.ensureSecretariat(email, password)) {
      this.accounts.push({
        role: 'secretariat (事務局)',
        email,
        password: this.config.secretariatPassword ? '(SECRETARIAT_PASSWORD)' : password,
      });
    }
    if (!this.config.seedDemo) return;
    const [done] = await this.db.query(`SELECT 1 FROM kyoso_meta WHERE key = 'demo_seeded'`);
    if (done) {
      for (const o of DEMO_ORGANIZATIONS) this.accounts.push({ role: `${o.kind}`, email: o.admin.email, password: DEMO_PASSWORD });
      return;
    }
    const ctx = await this.seedMembers();
    for (const s of [...this.seeders].sort((a, b) => a.order - b.order)) {
      this.logger.log(`demo data: ${s.name}`);
      await s.run(ctx);
    }
    await this.db.query(`INSERT INTO kyoso_meta (key, value) VALUES ('demo_seeded', 'true') ON CONFLICT (key) DO NOTHING`);
  }

  private async seedMembers(): Promise<DemoContext> {
    const ctx: DemoContext = { db: this.db, orgs: {}, users: {} };
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    await this.db.transaction(async (m) => {
      Object.assign(ctx, await seedDemoMembers(m, DEMO_ORGANIZATIONS, passwordHash));
      for (const o of DEMO_ORGANIZATIONS) this.accounts.push({ role: o.kind, email: o.admin.email, password: DEMO_PASSWORD });
    });
    await this.members.apply({ ...DEMO_PENDING_APPLICATION, agreeToTerms: true });
    return ctx;
  }
}
