import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { hashToken, randomToken } from '../../libs/common';
import { ApiToken } from './entities/api-token.entity';

export const TOKEN_TTL_DAYS = 30;

/**
 * The auth module's API tokens (`api_tokens`): issued, looked up and revoked here only. Exported (the auth module is
 * global) so that the members module ends a user's tokens when the password changes without touching the table.
 */
@Injectable()
export class ApiTokensService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private q(m?: EntityManager) {
    return m ?? this.db.manager;
  }

  async issue(userId: string): Promise<{ token: string; expiresAt: Date }> {
    const token = `kyo_${randomToken(32)}`;
    const expiresAt = new Date(Date.now() + TOKEN_TTL_DAYS * 86_400_000);
    await this.db.getRepository(ApiToken).insert({ userId, tokenHash: hashToken(token), expiresAt });
    return { token, expiresAt };
  }

  async revoke(tokenId: string): Promise<void> {
    await this.db.getRepository(ApiToken).update({ id: tokenId }, { revokedAt: new Date() });
  }

  /** Ends every API token of the user (password changed or reset), in the caller's transaction when given. */
  async revokeAllOf(userId: string, m?: EntityManager): Promise<void> {
    await this.q(m).query(`UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [userId]);
  }

  /** The unexpired, unrevoked token with this value. */
  async findValid(token: string): Promise<{ id: string; userId: string } | null> {
    const [row] = await this.db.query(
      `SELECT id, user_id AS "userId" FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()`,
      [hashToken(token)],
    );
    return row ?? null;
  }
}
