import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import * as argon2 from 'argon2';
import { DataSource } from 'typeorm';
import { AppError, hashToken, randomToken } from '../../libs/common';
import { AuditService } from '../audit/audit.service';
import { MailService } from '../mail/mail.service';
import { ActiveAccount, MembersAccounts } from '../members/accounts.service';
import { MembersDirectory } from '../members/directory.service';
import { ApiTokensService } from './api-tokens.service';
import { LoginAttempt } from './entities/login-attempt.entity';
import { PasswordReset } from './entities/password-reset.entity';
import type { Principal } from './principal';

export const RESET_TTL_MINUTES = 60;
const WINDOW_MINUTES = 15;
const MAX_FAILURES_PER_ACCOUNT = 5;
const MAX_FAILURES_PER_IP = 30;
/** Reset mails per address and hour; beyond that the request is silently dropped (the answer stays the same). */
const MAX_RESETS_PER_HOUR = 3;

// A hash to verify against when the account does not exist, so timing does not reveal it.
let dummyHash: Promise<string> | undefined;

export const hashPassword = (password: string) => argon2.hash(password, { type: argon2.argon2id });

/** The account that signed in (what the login page and the token endpoint go on with). */
export interface SignedInUser {
  id: string;
  email: string;
  displayName: string;
}

@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly mail: MailService,
    private readonly audit: AuditService,
    private readonly accounts: MembersAccounts,
    private readonly directory: MembersDirectory,
    private readonly tokens: ApiTokensService,
  ) {}

  /**
   * Checks e-mail and password. Throttled per account and per IP (429); unknown accounts get
   * the same answer as wrong passwords; applicants still under review are told so.
   */
  async authenticate(emailInput: string, password: string, ip: string): Promise<SignedInUser> {
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

    const user = await this.accounts.credentialsByEmail(email);
    if (user && user.status === 'active' && (await argon2.verify(user.passwordHash, String(password ?? '')))) {
      await this.db.getRepository(LoginAttempt).update({ id: attemptId }, { succeeded: true });
      return { id: user.id, email: user.email, displayName: user.displayName };
    }
    if (!user) {
      const application = await this.accounts.latestApplication(email);
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
    const user = await this.directory.activeUserByEmail(email);
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
      await this.accounts.setPasswordHash(row.user_id, passwordHash, m);
      await this.tokens.revokeAllOf(row.user_id, m);
      const user = await this.directory.user(row.user_id, m);
      if (user) await m.query(`DELETE FROM login_attempts WHERE email = $1 AND NOT succeeded`, [user.email]);
      await this.audit.record({ actorId: row.user_id, action: 'auth.passwordReset', subjectType: 'user', subjectId: row.user_id, ip }, m);
    });
  }

  issueToken(userId: string): Promise<{ token: string; expiresAt: Date }> {
    return this.tokens.issue(userId);
  }

  revokeToken(tokenId: string): Promise<void> {
    return this.tokens.revoke(tokenId);
  }

  async principalFromToken(token: string): Promise<Principal | undefined> {
    const found = await this.tokens.findValid(token);
    const account = found && (await this.accounts.activeAccount(found.userId));
    return account ? toPrincipal(account, 'token', found.id) : undefined;
  }

  /** A session is valid while the user is active and has not changed the password since signing in. */
  async principalFromSession(userId: string, authAt: number): Promise<Principal | undefined> {
    const account = await this.accounts.activeAccount(userId);
    if (!account || new Date(account.passwordChangedAt).getTime() > authAt) return undefined;
    return toPrincipal(account, 'session');
  }
}

function toPrincipal(a: ActiveAccount, via: 'session' | 'token', tokenId?: string): Principal {
  return {
    userId: a.id,
    email: a.email,
    displayName: a.displayName,
    organizationId: a.organizationId ?? null,
    organizationName: a.organizationName ?? null,
    organizationKind: a.organizationKind ?? null,
    roles: a.roles,
    via,
    tokenId,
  };
}
