import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { UserRef } from './directory.service';
import { ApplicationStatus, MembershipApplication } from './entities/membership-application.entity';
import { User } from './entities/user.entity';

/** What signing in needs to know about an account (the password hash never leaves the auth module). */
export interface AccountCredentials {
  id: string;
  email: string;
  displayName: string;
  status: 'active' | 'disabled';
  passwordHash: string;
}

/** The latest application to join made with an e-mail address, for telling an applicant under review so. */
export interface ApplicantCredentials {
  status: ApplicationStatus;
  passwordHash: string;
}

/** An active account with its organisation (id null when there is none), and when its password last changed. */
export interface ActiveAccount extends UserRef {
  passwordChangedAt: Date;
}

/**
 * The members module's account port for the auth module: sign-in lookups and password writes on `users` (and the
 * applicant's password kept on `membership_applications`). The members module owns those tables; auth asks here.
 */
@Injectable()
export class MembersAccounts {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private q(m?: EntityManager) {
    return m ?? this.db.manager;
  }

  /** An account by e-mail address as stored (lower-cased), any status, with its password hash. */
  async credentialsByEmail(email: string, m?: EntityManager): Promise<AccountCredentials | null> {
    const u = await this.q(m).findOne(User, { where: { email } });
    return u ? { id: u.id, email: u.email, displayName: u.displayName, status: u.status, passwordHash: u.passwordHash } : null;
  }

  /** The most recent application made with this contact address (lower-cased). */
  async latestApplication(email: string, m?: EntityManager): Promise<ApplicantCredentials | null> {
    const a = await this.q(m).findOne(MembershipApplication, { where: { contactEmail: email }, order: { createdAt: 'DESC' } });
    return a ? { status: a.status, passwordHash: a.passwordHash } : null;
  }

  /** Sets a new password hash; sessions started before now end (see `activeAccount`). */
  async setPasswordHash(userId: string, passwordHash: string, m?: EntityManager): Promise<void> {
    await this.q(m).update(User, { id: userId }, { passwordHash, passwordChangedAt: new Date() });
  }

  /** An active account by id, with its organisation's name and kind. */
  async activeAccount(userId: string, m?: EntityManager): Promise<ActiveAccount | null> {
    const [row] = await this.q(m).query(
      `SELECT u.id, u.email, u.display_name AS "displayName", o.id AS "organizationId",
              o.name AS "organizationName", o.kind AS "organizationKind", u.roles, u.status, u.digest_enabled AS "digestEnabled",
              u.password_changed_at AS "passwordChangedAt"
         FROM users u LEFT JOIN organizations o ON o.id = u.organization_id
        WHERE u.id = $1 AND u.status = 'active'`,
      [userId],
    );
    return row ?? null;
  }
}
