import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import * as argon2 from 'argon2';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, hashToken, randomToken } from '../../libs/common';
import { historyOf, recordTransition, transitionEntity } from '../../libs/workflow';
import { AuditService } from '../audit/audit.service';
import { ApiTokensService } from '../auth/api-tokens.service';
import { hashPassword } from '../auth/auth.service';
import { isSecretariat } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { MailService } from '../mail/mail.service';
import type { AcceptInvitationDto, ChangePasswordDto, UpdateProfileDto } from './dto/account.dto';
import type { CreateMembershipApplicationDto } from './dto/membership-application.dto';
import { Invitation } from './entities/invitation.entity';
import { MembershipApplication } from './entities/membership-application.entity';
import { Municipality } from './entities/municipality.entity';
import { MEMBERSHIP_TYPE, Organization, OrganizationKind } from './entities/organization.entity';
import { User } from './entities/user.entity';
import { MembershipAction, membershipWorkflow } from './membership.state';

export const INVITATION_TTL_DAYS = 7;

export interface ApplicationView {
  id: string;
  status: string;
  organization: {
    name: string;
    kind: string;
    municipalityCode: string | null;
    municipalityName?: string | null;
    website: string | null;
    address: string | null;
  };
  contact: { name: string; email: string };
  reason: string | null;
  organizationId: string | null;
  createdAt: Date;
  decidedAt: Date | null;
}

export interface OrganizationView {
  id: string;
  name: string;
  kind: string;
  membershipType: string;
  municipalityCode: string | null;
  website: string | null;
  address: string | null;
}

const normEmail = (e: string) => e.trim().toLowerCase();

@Injectable()
export class MembersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly mail: MailService,
    private readonly audit: AuditService,
    private readonly apiTokens: ApiTokensService,
  ) {}

  async municipalities(): Promise<Municipality[]> {
    return this.db.getRepository(Municipality).find({ order: { code: 'ASC' } });
  }

  /** A public application to join. Municipalities are one organisation each; e-mails are unique. */
  async apply(dto: CreateMembershipApplicationDto): Promise<{ id: string; status: 'pending' }> {
    const email = normEmail(dto.contact.email);
    const kind = dto.organization.kind as OrganizationKind;
    const code = kind === 'municipality' ? dto.organization.municipalityCode! : null;
    const passwordHash = await hashPassword(dto.contact.password);
    return this.db.transaction(async (m) => {
      if (code) {
        const muni = await m.findOne(Municipality, { where: { code } });
        if (!muni)
          throw new AppError(
            400,
            'membership.unknownMunicipality',
            { code },
            { 'organization.municipalityCode': ['membership.unknownMunicipality'] },
          );
        const existing = await m.findOne(Organization, { where: { kind: 'municipality', municipalityCode: code } });
        if (existing) throw new AppError(409, 'membership.municipalityTaken', { name: muni.name });
        const pending = await m.findOne(MembershipApplication, {
          where: { municipalityCode: code, status: 'pending', orgKind: 'municipality' },
        });
        if (pending) throw new AppError(409, 'membership.municipalityPending', { name: muni.name });
      }
      if ((await m.count(User, { where: { email } })) > 0) throw new AppError(409, 'membership.emailTaken');
      if ((await m.count(MembershipApplication, { where: { contactEmail: email, status: 'pending' } })) > 0)
        throw new AppError(409, 'membership.emailPending');
      const app = await m.save(
        m.create(MembershipApplication, {
          status: 'pending',
          orgName: dto.organization.name.trim(),
          orgKind: kind,
          municipalityCode: code,
          website: dto.organization.website ?? null,
          address: dto.organization.address ?? null,
          contactName: dto.contact.name.trim(),
          contactEmail: email,
          passwordHash,
        }),
      );
      await recordTransition(m, membershipWorkflow, { subjectId: app.id, from: null, to: 'pending', actorId: null });
      await this.mail.send({ to: email, template: 'applicationReceived', params: { name: app.contactName, organization: app.orgName } }, m);
      return { id: app.id, status: 'pending' as const };
    });
  }

  async listApplications(status?: string): Promise<ApplicationView[]> {
    const apps = await this.db.getRepository(MembershipApplication).find({
      where: status ? { status: status as MembershipApplication['status'] } : {},
      order: { createdAt: 'ASC' },
      take: 500,
    });
    const munis = new Map((await this.municipalities()).map((m) => [m.code, m.name]));
    return apps.map((a) => toApplicationView(a, munis));
  }

  /** One application with its history and the decisions this caller may take now (from the workflow table). */
  async getApplication(id: string, p?: Principal): Promise<ApplicationView & { history: unknown[]; actions: MembershipAction[] }> {
    const app = await this.db.getRepository(MembershipApplication).findOne({ where: { id } });
    if (!app) throw new AppError(404, 'notFound');
    const munis = new Map((await this.municipalities()).map((m) => [m.code, m.name]));
    const history = await historyOf(this.db.manager, membershipWorkflow.name, id);
    return {
      ...toApplicationView(app, munis),
      history,
      actions: membershipWorkflow.available(app.status, { secretariat: isSecretariat(p) }),
    };
  }

  /** Approval creates the organisation and its first administrator, in one transaction. */
  async approve(id: string, actor: Principal, ip?: string): Promise<{ status: 'approved'; organizationId: string }> {
    return this.db.transaction(async (m) => {
      const app = await this.lockApplication(m, id);
      const to = membershipWorkflow.assertAction('approve', app.status, { secretariat: isSecretariat(actor) });
      if (app.orgKind === 'municipality') {
        const taken = await m.findOne(Organization, { where: { kind: 'municipality', municipalityCode: app.municipalityCode! } });
        if (taken) throw new AppError(409, 'membership.municipalityTaken', { name: taken.name });
      }
      if ((await m.count(User, { where: { email: app.contactEmail } })) > 0) throw new AppError(409, 'membership.emailTaken');
      const org = await m.save(
        m.create(Organization, {
          name: app.orgName,
          kind: app.orgKind,
          municipalityCode: app.municipalityCode,
          website: app.website,
          address: app.address,
        }),
      );
      await m.insert(User, {
        organizationId: org.id,
        email: app.contactEmail,
        displayName: app.contactName,
        passwordHash: app.passwordHash,
        roles: ['member', 'org_admin'],
      });
      await transitionEntity(
        m,
        membershipWorkflow,
        MembershipApplication,
        id,
        { from: app.status, to, actorId: actor.userId },
        { set: { organizationId: org.id, decidedBy: actor.userId, decidedAt: new Date() } },
      );
      await this.audit.record(
        {
          actorId: actor.userId,
          action: 'membership.approve',
          subjectType: 'membership_application',
          subjectId: id,
          ip,
          data: { organizationId: org.id },
        },
        m,
      );
      await this.mail.send(
        { to: app.contactEmail, template: 'applicationApproved', params: { name: app.contactName, organization: app.orgName } },
        m,
      );
      return { status: 'approved' as const, organizationId: org.id };
    });
  }

  async reject(id: string, reason: string, actor: Principal, ip?: string): Promise<{ id: string; status: 'rejected'; reason: string }> {
    return this.db.transaction(async (m) => {
      const app = await this.lockApplication(m, id);
      const to = membershipWorkflow.assertAction('reject', app.status, { secretariat: isSecretariat(actor) });
      await transitionEntity(
        m,
        membershipWorkflow,
        MembershipApplication,
        id,
        { from: app.status, to, actorId: actor.userId, comment: reason },
        { set: { reason, decidedBy: actor.userId, decidedAt: new Date() } },
      );
      await this.audit.record(
        { actorId: actor.userId, action: 'membership.reject', subjectType: 'membership_application', subjectId: id, ip, data: { reason } },
        m,
      );
      await this.mail.send(
        { to: app.contactEmail, template: 'applicationRejected', params: { name: app.contactName, organization: app.orgName, reason } },
        m,
      );
      return { id, status: 'rejected' as const, reason };
    });
  }

  private async lockApplication(m: EntityManager, id: string): Promise<MembershipApplication> {
    const app = await m.findOne(MembershipApplication, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!app) throw new AppError(404, 'notFound');
    return app;
  }

  async organization(id: string | null): Promise<OrganizationView | null> {
    if (!id) return null;
    const org = await this.db.getRepository(Organization).findOne({ where: { id } });
    return org ? toOrganizationView(org) : null;
  }

  async me(p: Principal) {
    const user = await this.db.getRepository(User).findOneOrFail({ where: { id: p.userId } });
    return {
      user: { id: user.id, email: user.email, displayName: user.displayName, digestEnabled: user.digestEnabled, createdAt: user.createdAt },
      organization: await this.organization(user.organizationId),
      roles: user.roles,
    };
  }

  async updateProfile(p: Principal, dto: UpdateProfileDto): Promise<void> {
    const patch: Partial<User> = {};
    if (dto.displayName !== undefined) patch.displayName = dto.displayName.trim();
    if (dto.digestEnabled !== undefined) patch.digestEnabled = dto.digestEnabled;
    if (Object.keys(patch).length) await this.db.getRepository(User).update({ id: p.userId }, patch);
  }

  /** Re-entering the current password is required; every other session and every API token ends. */
  async changePassword(p: Principal, dto: ChangePasswordDto, ip?: string): Promise<void> {
    const user = await this.db.getRepository(User).findOneOrFail({ where: { id: p.userId } });
    if (!(await argon2.verify(user.passwordHash, dto.currentPassword)))
      throw new AppError(400, 'account.wrongCurrentPassword', {}, { currentPassword: ['account.wrongCurrentPassword'] });
    const passwordHash = await hashPassword(dto.newPassword);
    await this.db.transaction(async (m) => {
      await m.update(User, { id: user.id }, { passwordHash, passwordChangedAt: new Date() });
      await this.apiTokens.revokeAllOf(user.id, m);
      await this.audit.record({ actorId: user.id, action: 'account.passwordChanged', subjectType: 'user', subjectId: user.id, ip }, m);
      await this.mail.send({ to: user.email, template: 'passwordChanged', params: { name: user.displayName } }, m);
    });
  }

  async orgMembers(p: Principal) {
    if (!p.organizationId) return [];
    const users = await this.db.getRepository(User).find({ where: { organizationId: p.organizationId }, order: { createdAt: 'ASC' } });
    return users.map((u) => ({
      id: u.id,
      displayName: u.displayName,
      email: u.email,
      roles: u.roles,
      isAdmin: u.roles.includes('org_admin'),
    }));
  }

  async pendingInvitations(p: Principal) {
    if (!p.organizationId) return [];
    const rows = await this.db
      .getRepository(Invitation)
      .find({ where: { organizationId: p.organizationId }, order: { createdAt: 'DESC' }, take: 50 });
    const now = Date.now();
    return rows
      .filter((i) => !i.acceptedAt && i.expiresAt.getTime() > now)
      .map((i) => ({ id: i.id, email: i.email, expiresAt: i.expiresAt }));
  }

  /** An org admin invites a colleague: an expiring single-use link by e-mail. */
  async invite(
    p: Principal,
    emailInput: string,
    organizationId = p.organizationId,
  ): Promise<{ id: string; email: string; expiresAt: Date }> {
    if (!organizationId || organizationId !== p.organizationId) throw new AppError(404, 'notFound');
    const email = normEmail(emailInput);
    if ((await this.db.getRepository(User).count({ where: { email } })) > 0) throw new AppError(409, 'membership.emailTaken');
    const token = randomToken(32);
    const expiresAt = new Date(Date.now() + INVITATION_TTL_DAYS * 86_400_000);
    return this.db.transaction(async (m) => {
      const inv = await m.save(
        m.create(Invitation, { organizationId, email, tokenHash: hashToken(token), invitedBy: p.userId, expiresAt }),
      );
      await this.mail.send(
        {
          to: email,
          template: 'invitation',
          params: { inviter: p.displayName, organization: p.organizationName, link: `/invitations/${token}`, days: INVITATION_TTL_DAYS },
        },
        m,
      );
      return { id: inv.id, email, expiresAt };
    });
  }

  async invitationByToken(token: string): Promise<{ invitation: Invitation; organization: Organization }> {
    const invitation = await this.db.getRepository(Invitation).findOne({ where: { tokenHash: hashToken(String(token)) } });
    if (!invitation || invitation.acceptedAt || invitation.expiresAt.getTime() < Date.now())
      throw new AppError(404, 'membership.invitationInvalid');
    const organization = await this.db.getRepository(Organization).findOneOrFail({ where: { id: invitation.organizationId } });
    return { invitation, organization };
  }

  async acceptInvitation(token: string, dto: AcceptInvitationDto): Promise<{ userId: string; organizationId: string }> {
    const passwordHash = await hashPassword(dto.password);
    return this.db.transaction(async (m) => {
      const [[inv]] = await m.query(
        `UPDATE invitations SET accepted_at = now() WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > now() RETURNING id, organization_id, email`,
        [hashToken(String(token))],
      );
      if (!inv) throw new AppError(404, 'membership.invitationInvalid');
      if ((await m.count(User, { where: { email: inv.email } })) > 0) throw new AppError(409, 'membership.emailTaken');
      const user = await m.save(
        m.create(User, {
          organizationId: inv.organization_id,
          email: inv.email,
          displayName: dto.name.trim(),
          passwordHash,
          roles: ['member'],
        }),
      );
      return { userId: user.id, organizationId: inv.organization_id };
    });
  }

  /** Creates the first secretariat account from the environment when none exists. */
  async ensureSecretariat(email: string, password: string, name = '事務局'): Promise<boolean> {
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM users WHERE 'secretariat' = ANY(roles)`);
    if (n > 0) return false;
    await this.db.getRepository(User).insert({
      organizationId: '00000000-0000-4000-8000-000000000001',
      email: normEmail(email),
      displayName: name,
      passwordHash: await hashPassword(password),
      roles: ['member', 'secretariat'],
    });
    return true;
  }
}

function toApplicationView(a: MembershipApplication, munis: Map<string, string>): ApplicationView {
  return {
    id: a.id,
    status: a.status,
    organization: {
      name: a.orgName,
      kind: a.orgKind,
      municipalityCode: a.municipalityCode,
      municipalityName: a.municipalityCode ? (munis.get(a.municipalityCode) ?? null) : null,
      website: a.website,
      address: a.address,
    },
    contact: { name: a.contactName, email: a.contactEmail },
    reason: a.reason,
    organizationId: a.organizationId,
    createdAt: a.createdAt,
    decidedAt: a.decidedAt,
  };
}

export function toOrganizationView(o: Organization): OrganizationView {
  return {
    id: o.id,
    name: o.name,
    kind: o.kind,
    membershipType: MEMBERSHIP_TYPE[o.kind],
    municipalityCode: o.municipalityCode,
    website: o.website,
    address: o.address,
  };
}
