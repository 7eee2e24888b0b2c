import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError } from '../../libs/common';
import { isSecretariat, Principal } from '../auth/principal';
import { MembersDirectory } from '../members/directory.service';
import { IssueInterest } from './entities/issue-interest.entity';
import { IssuesService } from './issues.service';

/** 「関心あり」: organisations (not municipalities) mark their interest in a published issue; its municipality sees who. */
@Injectable()
export class IssueInterestsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly issues: IssuesService,
    private readonly members: MembersDirectory,
  ) {}

  /** Marks interest of the caller's organisation in a published issue; `created` is false when it already existed. */
  async addInterest(id: string, p: Principal): Promise<{ created: boolean; interested: true; interestCount: number }> {
    if (!p.organizationId || p.organizationKind === 'municipality' || isSecretariat(p))
      throw new AppError(403, 'issues.interestNotAllowed');
    return this.db.transaction(async (m) => {
      const issue = await this.issues.findVisible(id, p, m);
      if (issue.status !== 'published') throw new AppError(409, 'issues.interestClosed');
      const res: any[] = await m.query(
        `INSERT INTO issue_interests (issue_id, organization_id, user_id) VALUES ($1, $2, $3)
         ON CONFLICT (issue_id, organization_id) DO NOTHING RETURNING issue_id`,
        [id, p.organizationId, p.userId],
      );
      return { created: res.length === 1, interested: true as const, interestCount: await this.interestCount(m, id) };
    });
  }

  async removeInterest(id: string, p: Principal): Promise<{ interested: false; interestCount: number }> {
    if (!p.organizationId) throw new AppError(403, 'issues.interestNotAllowed');
    return this.db.transaction(async (m) => {
      await this.issues.findVisible(id, p, m);
      await m.delete(IssueInterest, { issueId: id, organizationId: p.organizationId! });
      return { interested: false as const, interestCount: await this.interestCount(m, id) };
    });
  }

  async hasInterest(id: string, p: Principal | undefined): Promise<boolean> {
    if (!p?.organizationId) return false;
    return this.db.getRepository(IssueInterest).exists({ where: { issueId: id, organizationId: p.organizationId } });
  }

  /** Who is interested: the issue's municipality and the secretariat; others get 403 (or 404 if they cannot see the issue). */
  async interests(id: string, p: Principal) {
    const issue = await this.issues.findVisible(id, p);
    if (!this.issues.isOwner(issue, p) && !isSecretariat(p)) throw new AppError(403, 'issues.interestsForbidden');
    const rows = await this.db.getRepository(IssueInterest).find({ where: { issueId: id }, order: { createdAt: 'DESC' } });
    const [orgs, users] = await Promise.all([
      this.members.organizations(rows.map((r) => r.organizationId)),
      this.members.users(rows.map((r) => r.userId)),
    ]);
    const items = rows.flatMap((r) => {
      const o = orgs.get(r.organizationId);
      if (!o) return [];
      const u = users.get(r.userId);
      return [
        {
          organization: { id: o.id, name: o.name, kind: o.kind as string },
          user: u ? { id: u.id, name: u.displayName } : null,
          createdAt: r.createdAt,
        },
      ];
    });
    return { items, total: items.length, page: 1, perPage: Math.max(items.length, 1) };
  }

  private async interestCount(m: EntityManager, id: string): Promise<number> {
    const [{ n }] = await m.query('SELECT count(*)::int AS n FROM issue_interests WHERE issue_id = $1', [id]);
    return n;
  }
}
