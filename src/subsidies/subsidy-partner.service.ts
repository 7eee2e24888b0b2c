import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, t } from '../../libs/common';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { MailService } from '../mail/mail.service';
import { MembersDirectory } from '../members/directory.service';
import type { PartnerConfirmationDto } from './dto/subsidy-after.dto';
import { SubsidyApplication } from './entities/subsidy-application.entity';
import { SubsidyNotification } from './entities/subsidy-parts.entity';
import { SubsidyApplicationsReader } from './subsidy-reader.service';
import { accessOf, lockApplication } from './subsidy.access';
import { moveApplication } from './subsidy.steps';
import type { ApplicationDetail } from './subsidy.views';

/**
 * The municipal partner (※府内市町村との連携必須): the named municipality is asked once the application is submitted and
 * confirms or declines with a comment; review cannot start before it confirms. The applicant (by the workflow event)
 * and the secretariat are told of the answer.
 */
@Injectable()
export class SubsidyPartnerService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly mail: MailService,
    private readonly directory: MembersDirectory,
    private readonly reader: SubsidyApplicationsReader,
  ) {}

  /** On submission: an in-app notice and a mail to the partner organisation's members, in the caller's transaction. */
  async askPartner(m: EntityManager, app: SubsidyApplication): Promise<void> {
    if (!app.municipalPartnerOrganizationId) return;
    await m.insert(SubsidyNotification, {
      organizationId: app.municipalPartnerOrganizationId,
      applicationId: app.id,
      status: 'submitted',
      comment: null,
    });
    const applicant = await this.directory.organization(app.organizationId, m);
    for (const u of await this.directory.usersOfOrganizations([app.municipalPartnerOrganizationId], {}, m)) {
      await this.mail.send(
        {
          to: u.email,
          template: 'subsidyPartnerRequest',
          lang: 'ja',
          params: { name: u.displayName, title: app.title, applicant: applicant?.name ?? '', link: `/subsidies/applications/${app.id}` },
        },
        m,
      );
    }
  }

  /** The named municipality's answer: submitted → partner_confirmed | partner_declined (the comment in the history). */
  async answer(p: Principal, id: string, dto: PartnerConfirmationDto, ip?: string): Promise<ApplicationDetail> {
    await this.db.transaction(async (m) => {
      const app = await lockApplication(m, id);
      if ((await accessOf(m, app, p)) !== 'partner') throw new AppError(403, 'subsidies.partnerOnly');
      const comment = dto.comment ?? null;
      const to = await moveApplication(m, p, app, dto.confirmed ? 'confirmPartner' : 'declinePartner', {
        comment,
        set: { partnerComment: comment, partnerAnsweredAt: new Date() },
      });
      await this.audit.record(
        {
          actorId: p.userId,
          action: dto.confirmed ? 'subsidy.partner.confirm' : 'subsidy.partner.decline',
          subjectType: 'subsidy_application',
          subjectId: id,
          ip,
          data: { comment, partnerOrganizationId: app.municipalPartnerOrganizationId },
        },
        m,
      );
      const partner = await this.directory.organization(app.municipalPartnerOrganizationId, m);
      for (const u of await this.directory.secretariatUsers(m)) {
        await this.mail.send(
          {
            to: u.email,
            template: 'subsidyPartnerAnswered',
            lang: 'ja',
            params: {
              name: u.displayName,
              title: app.title,
              partner: partner?.name ?? '',
              status: t('ja', `subsidies.statuses.${to}`),
              comment: comment ?? '',
              link: `/subsidies/applications/${app.id}`,
            },
          },
          m,
        );
      }
    });
    return this.reader.detail(id, p);
  }
}
