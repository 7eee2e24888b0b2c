import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../../libs/common';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { MailService } from '../mail/mail.service';
import { MembersDirectory } from '../members/directory.service';
import type { AssignReviewerDto, ReviewDto } from './dto/subsidy.dto';
import { SubsidyApplication } from './entities/subsidy-application.entity';
import { SubsidyReview, SubsidyReviewer } from './entities/subsidy-parts.entity';
import { SubsidyProgram } from './entities/subsidy-program.entity';
import { SubsidyConflictsService } from './subsidy-conflicts.service';
import { SubsidyApplicationsReader } from './subsidy-reader.service';
import { accessOf, lockApplication } from './subsidy.access';
import { scoreOf } from './subsidy.rules';
import { taskOpen } from './subsidy.state';
import type { ApplicationDetail, ApplicationView } from './subsidy.views';

/** Reviewers (assigned by the secretariat) and their reviews. */
@Injectable()
export class SubsidyReviewsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly mail: MailService,
    private readonly directory: MembersDirectory,
    private readonly reader: SubsidyApplicationsReader,
    private readonly conflicts: SubsidyConflictsService,
  ) {}

  /** The secretariat assigns a reviewer (a user of another organisation than the applicant's). */
  async assignReviewer(p: Principal, id: string, dto: AssignReviewerDto, ip?: string): Promise<ApplicationDetail> {
    if (!dto.userId && !dto.email) throw new AppError(400, 'subsidies.reviewerMissing', {}, { email: ['subsidies.reviewerMissing'] });
    await this.db.transaction(async (m) => {
      const app = await lockApplication(m, id);
      if (!taskOpen('assignReviewer', app.status)) throw new AppError(409, 'subsidies.reviewClosed');
      const found = dto.userId ? await this.directory.user(dto.userId, m) : await this.directory.activeUserByEmail(dto.email!, m);
      const user = found?.status === 'active' ? found : null;
      const field = dto.userId ? 'userId' : 'email';
      if (!user) throw new AppError(400, 'subsidies.unknownReviewer', {}, { [field]: ['subsidies.unknownReviewer'] });
      if (user.organizationId === app.organizationId)
        throw new AppError(400, 'subsidies.ownOrganization', {}, { [field]: ['subsidies.ownOrganization'] });
      if (await this.conflicts.conflicted(m, user.id, app.organizationId))
        throw new AppError(400, 'subsidies.reviewerConflict', {}, { [field]: ['subsidies.reviewerConflict'] });
      const inserted: unknown[] = await m.query(
        `INSERT INTO subsidy_reviewers (application_id, reviewer_id, assigned_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING reviewer_id`,
        [id, user.id, p.userId],
      );
      if (!inserted.length) return;
      await this.audit.record(
        {
          actorId: p.userId,
          action: 'subsidy.reviewer.assign',
          subjectType: 'subsidy_application',
          subjectId: id,
          ip,
          data: { reviewerId: user.id },
        },
        m,
      );
      await this.mail.send(
        {
          to: user.email,
          template: 'subsidyReviewerAssigned',
          params: { name: user.displayName, title: app.title, link: `/subsidies/applications/${id}` },
        },
        m,
      );
    });
    return this.reader.detail(id, p);
  }

  /** A reviewer scores each criterion 1–5 with a comment; once. Not their own organisation's application. */
  async review(p: Principal, id: string, dto: ReviewDto, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await m.findOne(SubsidyApplication, { where: { id } });
      if (!app) throw new AppError(404, 'notFound');
      const assigned = await m.count(SubsidyReviewer, { where: { applicationId: id, reviewerId: p.userId } });
      if (!assigned) {
        await accessOf(m, app, p); // 404 when the caller may not even see it
        throw new AppError(403, 'subsidies.notReviewer');
      }
      if (p.organizationId === app.organizationId) throw new AppError(403, 'subsidies.ownOrganization');
      if (await this.conflicts.conflicted(m, p.userId, app.organizationId)) throw new AppError(403, 'subsidies.reviewerConflict');
      if (!taskOpen('review', app.status)) throw new AppError(409, 'subsidies.notUnderReview');
      const program = await m.findOneOrFail(SubsidyProgram, { where: { id: app.programId } });
      const { scores, weighted } = scoreOf(program.criteria, dto);
      if ((await m.count(SubsidyReview, { where: { applicationId: id, reviewerId: p.userId } })) > 0)
        throw new AppError(409, 'subsidies.alreadyReviewed');
      await m.insert(SubsidyReview, { applicationId: id, reviewerId: p.userId, scores, weightedScore: weighted, comment: dto.comment });
      await this.audit.record(
        {
          actorId: p.userId,
          action: 'subsidy.review.submit',
          subjectType: 'subsidy_application',
          subjectId: id,
          ip,
          data: { scores, weightedScore: weighted },
        },
        m,
      );
    });
    return this.reader.detail(id, p);
  }

  /** Applications assigned to this reviewer. */
  async reviewAssignments(p: Principal): Promise<(ApplicationView & { reviewed: boolean })[]> {
    const rows: { application_id: string; reviewed: boolean }[] = await this.db.query(
      `SELECT r.application_id, EXISTS (SELECT 1 FROM subsidy_reviews v WHERE v.application_id = r.application_id AND v.reviewer_id = r.reviewer_id) AS reviewed
         FROM subsidy_reviewers r WHERE r.reviewer_id = $1 ORDER BY r.assigned_at DESC`,
      [p.userId],
    );
    if (!rows.length) return [];
    const apps = await this.db
      .getRepository(SubsidyApplication)
      .createQueryBuilder('a')
      .whereInIds(rows.map((r) => r.application_id))
      .getMany();
    const views = new Map((await this.reader.toViews(apps)).map((v) => [v.id, v]));
    return rows.filter((r) => views.has(r.application_id)).map((r) => ({ ...views.get(r.application_id)!, reviewed: r.reviewed }));
  }
}
