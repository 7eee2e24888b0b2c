import { MigrationInterface, QueryRunner } from 'typeorm';

export class PasswordResets1763800000002 implements MigrationInterface {
  name = 'PasswordResets1763800000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "password_resets" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "user_id" uuid NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
      "token_hash" varchar(64) NOT NULL,
      "expires_at" timestamptz NOT NULL,
      "used_at" timestamptz,
      "created_at" timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX "uq_password_resets_token" ON "password_resets" ("token_hash")`);
    await q.query(`CREATE INDEX "idx_password_resets_user" ON "password_resets" ("user_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "password_resets"`);
  }
}
