import { MigrationInterface, QueryRunner } from 'typeorm';

/** Matching: the smart-city thesaurus (one row, edited by the secretariat as a whole). */
export class Matching1764300000000 implements MigrationInterface {
  name = 'Matching1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "matching_thesaurus" (
      "id" smallint PRIMARY KEY DEFAULT 1,
      "groups" jsonb NOT NULL,
      "version" int NOT NULL DEFAULT 1,
      "updated_by" uuid REFERENCES "users"("id"),
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "chk_matching_thesaurus_single" CHECK ("id" = 1),
      CONSTRAINT "chk_matching_thesaurus_groups" CHECK (jsonb_typeof("groups") = 'array'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "matching_thesaurus"`);
  }
}
