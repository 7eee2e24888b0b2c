import { MigrationInterface, QueryRunner } from 'typeorm';

/** Open data is the municipality's choice per issue: released issues only (default: shared with members only). */
export class IssueOpenData1764510000000 implements MigrationInterface {
  name = 'IssueOpenData1764510000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "issues" ADD COLUMN "open_data" boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "issues" DROP COLUMN "open_data"`);
  }
}
