import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import * as argon2 from 'argon2';
import { DataSource } from 'typeorm';
import { AppError, hashToken, randomToken } from '../../libs/common';
import { MembershipApplication } from '../members/entities/membership-application.entity';
import { User } from '../members/entities/user.entity';
import { AuditService } from '../audit/audit.service';
import { MailService } from '../mail/mail.service';
import { ApiToken } from './entities/api-token.entity';
import { LoginAttempt } from './entities/login-attempt.entity';
import { PasswordReset } from './entities/password-reset.entity';
import type { Principal } from './principal';

export const TOKEN_TTL_DAYS = 30;
export const RESET_TTL_MINUTES = 60;
const WINDOW_MINUTES = 15;
const MAX_FAILURES_PER_ACCOUNT = 5;
const MAX_FAILURES_PER_IP = 30;
/** Reset mails per address and hour; beyond that the request is silently dropped (the answer stays the same). */
const MAX_RESETS_PER_HOUR = 3;

// A hash to verify against when the account does not exist, so timing does not reveal it.
let dummyHash: Promise<string> | undefined;

export const hashPassword = (password: string) => argon2.hash(password, { type: argon2.argon2id });

const PRINCIPAL_SQL = `
  SELECT u.id, u.email, u.display_name, u.roles, u.status, u.password_changed_at,
         o.id AS org_id, o.name AS org_name, o.kind AS org_kind
    FROM users u LEFT JOIN organizations o ON o.id = u.organization_id`;

@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly mail: MailService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Checks e-mail and password. Throttled per account and per IP (429); unknown accounts get
   * the same answer as wrong passwords; applicants still under review are told so.
   */
  async authenticate(emailInput: string, password: string, ip: string): Promise<User> {
    const email = String(emailInput ?? '')
      .trim()
      .toLowerCase()
      .slice(0, 254);
    const since = new Date(Date.now() - WINDOW_MINUTES * 60_000);
    // Count and take a slot atomically (serialised per address and per IP): the attempt is recorded as a
    // failure before the password is judged, so parallel guesses cannot all pass the count.
    const { byEmail, attemptId } = await this.db.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(1, hashtext($1)), pg_advisory_xact_lock(2, hashtext($2))`, [email, ip]);
      const [counts] = await m.query(
        `SELECT count(*) FILTER (WHERE email = $1)::int AS "byEmail", count(*) FILTER (WHERE ip = $2)::int AS "byIp"
           FROM login_attempts WHERE NOT succeeded AND at > $3 AND (email = $1 OR ip = $2)`,
        [email, ip, since],
      );
      if (counts.byEmail >= MAX_FAILURES_PER_ACCOUNT || counts.byIp >= MAX_FAILURES_PER_IP) throw new AppError(429, 'auth.tooManyAttempts');
      const [row] = await m.query(`INSERT INTO login_attempts (email, ip, succeeded) VALUES ($1, $2, false) RETURNING id`, [email, ip]);
      return { byEmail: counts.byEmail as number, attemptId: row.id as string };
    });

    const user = await this.db.getRepository(User).findOne({ where: { email } });
    if (user && user.status === 'active' && (await argon2.verify(user.passwordHash, String(password ?? '')))) {
      await this.db.getRepository(LoginAttempt).update({ id: attemptId }, { succeeded: true });
      return user;
    }
    if (!user) {
      const application = await this.db.getRepository(MembershipApplication).findOne({
        where: { contactEmail: email },
        order: { createdAt: 'DESC' },
      });
      if (application && application.status !== 'approved' && (await argon2.verify(application.passwordHash, String(password ?? '')))) {
        await this.db.getRepository(LoginAttempt).delete({ id: attemptId });
        throw new AppError(401, application.status === 'pending' ? 'auth.pendingApproval' : 'auth.applicationRejected');
      }
      if (!application) {
        dummyHash ??= hashPassword('kyoso-dummy-password');
        await argon2.verify(await dummyHash, String(password ?? ''));
      }
    }
    if (user && byEmail + 1 === MAX_FAILURES_PER_ACCOUNT) {
      // the account is now locked for the window: tell its owner, and record it
      await this.db.transaction(async (m) => {
        await this.audit.record(
          {
            actorId: null,
            action: 'auth.lockedOut',
            subjectType: 'user',
            subjectId: user.id,
            ip,
            data: { failures: MAX_FAILURES_PER_ACCOUNT },
          },
          m,
        );
        await this.mail.send({ to: user.email, template: 'lockedOut', params: { name: user.displayName, minutes: WINDOW_MINUTES } }, m);
      });
    } else {
      await this.audit.record({ actorId: null, action: 'auth.loginFailed', subjectType: 'email', subjectId: email, ip });
    }
    throw new AppError(401, 'auth.invalidCredentials');
  }

  /**
   * Sends a single-use link valid for an hour when the address belongs to an active account.
   * The caller always answers the same way, so the response reveals nothing about the account.
   */
  async requestPasswordReset(emailInput: string, ip?: string): Promise<void> {
    const email = String(emailInput ?? '')
      .trim()
      .toLowerCase();
    const user = await this.db.getRepository(User).findOne({ where: { email, status: 'active' } });
    if (!user) {
      dummyHash ??= hashPassword('kyoso-dummy-password');
      await dummyHash;
      return;
    }
    const token = randomToken(32);
    await this.db.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(3, hashtext($1))`, [user.id]);
      const [{ recent }] = await m.query(
        `SELECT count(*)::int AS recent FROM password_resets WHERE user_id = $1 AND created_at > now() - interval '1 hour'`,
        [user.id],
      );
      if (recent >= MAX_RESETS_PER_HOUR) return;
      await m.insert(PasswordReset, {
        userId: user.id,
        tokenHash: hashToken(token),
        expiresAt: new Date(Date.now() + RESET_TTL_MINUTES * 60_000),
      });
      await this.audit.record({ actorId: null, action: 'auth.passwordResetRequested', subjectType: 'user', subjectId: user.id, ip }, m);
      await this.mail.send(
        {
          to: user.email,
          template: 'passwordReset',
          params: { name: user.displayName, link: `/password-reset/${token}`, minutes: RESET_TTL_MINUTES },
        },
        m,
      );
    });
  }

  async passwordResetValid(token: string): Promise<boolean> {
    const row = await this.db.getRepository(PasswordReset).findOne({ where: { tokenHash: hashToken(String(token)) } });
    return !!row && !row.usedAt && row.expiresAt.getTime() > Date.now();
  }

  /** Uses the link once: sets the password, ends every session and API token of the account. */
  async resetPassword(token: string, password: string, ip?: string): Promise<void> {
    const passwordHash = await hashPassword(password);
    await this.db.transaction(async (m) => {
      // UPDATE … RETURNING answers [rows, count] through TypeORM
      const [[row]] = await m.query(
        `UPDATE password_resets SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id`,
        [hashToken(String(token))],
      );
      if (!row) throw new AppError(404, 'auth.resetInvalid');
      await m.update(User, { id: row.user_id }, { passwordHash, passwordChangedAt: new Date() });
      await m.query(`UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [row.user_id]);
      await m.query(`DELETE FROM login_attempts WHERE email = (SELECT email FROM users WHERE id = $1) AND NOT succeeded`, [row.user_id]);
      await this.audit.record({ actorId: row.user_id, action: 'auth.passwordReset', subjectType: 'user', subjectId: row.user_id, ip }, m);
    });
  }

  async issueToken(userId: string): Promise<{ token: string; expiresAt: Date }> {
    const token = `kyo_${randomToken(32)}`;
    const expiresAt = new Date(Date.now() + TOKEN_TTL_DAYS * 86_400_000);
    await this.db.getRepository(ApiToken).insert({ userId, tokenHash: hashToken(token), expiresAt });
    return { token, expiresAt };
  }

  async revokeToken(tokenId: string): Promise<void> {
    await this.db.getRepository(ApiToken).update({ id: tokenId }, { revokedAt: new Date() });
  }

  async principalFromToken(token: string): Promise<Principal | undefined> {
    const rows = await this.db.query(
      `${PRINCIPAL_SQL} JOIN api_tokens t ON t.user_id = u.id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > now() AND u.status = 'active'`.replace(
        'SELECT u.id,',
        'SELECT t.id AS token_id, u.id,',
      ),
      [hashToken(token)],
    );
    return rows[0] ? toPrincipal(rows[0], 'token') : undefined;
  }

  /** A session is valid while the user is active and has not changed the password since signing in. */
  async principalFromSession(userId: string, authAt: number): Promise<Principal | undefined> {
    const rows = await this.db.query(`${PRINCIPAL_SQL} WHERE u.id = $1 AND u.status = 'active'`, [userId]);
    const row = rows[0];
    if (!row || new Date(row.password_changed_at).getTime() > authAt) return undefined;
    return toPrincipal(row, 'session');
  }
}

function toPrincipal(row: any, via: 'session' | 'token'): Principal {
  return {
    userId: row.id,
    email: row.email,
    displayName: row.display_name,
    organizationId: row.org_id ?? null,
    organizationName: row.org_name ?? null,
    organizationKind: row.org_kind ?? null,
    roles: row.roles,
    via,
    tokenId: row.token_id,
  };
}
