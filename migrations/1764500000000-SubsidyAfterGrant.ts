import { MigrationInterface, QueryRunner } from 'typeorm';

const OLD_STATUSES = `'draft', 'submitted', 'returned', 'under_review', 'adopted', 'rejected', 'withdrawn', 'grant_decided', 'report_submitted', 'completed'`;
const NEW_STATUSES = `${OLD_STATUSES}, 'partner_confirmed', 'partner_declined', 'change_requested', 'report_returned', 'payment_claimed', 'paid'`;

/**
 * Subsidies after the grant decision (交付決定の後): the municipal partner's answer, change requests (変更承認申請),
 * the project period and report deadline with their reminders, the report returned for correction, the payment
 * claim (精算払請求) and the payment, and the withdrawal period after the grant that each programme sets.
 */
export class SubsidyAfterGrant1764500000000 implements MigrationInterface {
  name = 'SubsidyAfterGrant1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "subsidy_applications" DROP CONSTRAINT "chk_subsidy_applications_status"`);
    await q.query(
      `ALTER TABLE "subsidy_applications" ADD CONSTRAINT "chk_subsidy_applications_status" CHECK ("status" IN (${NEW_STATUSES}))`,
    );
    await q.query(`ALTER TABLE "subsidy_applications"
      ADD COLUMN "partner_comment" text,
      ADD COLUMN "partner_answered_at" timestamptz,
      ADD COLUMN "report_return_comment" text,
      ADD COLUMN "project_starts_on" date,
      ADD COLUMN "project_ends_on" date,
      ADD COLUMN "report_due_on" date,
      ADD COLUMN "reminder_due_sent_at" timestamptz,
      ADD COLUMN "reminder_overdue_sent_at" timestamptz,
      ADD COLUMN "payment_claimed_at" timestamptz,
      ADD COLUMN "paid_on" date,
      ADD CONSTRAINT "chk_subsidy_applications_period" CHECK ("project_starts_on" IS NULL OR "project_ends_on" IS NULL OR "project_ends_on" >= "project_starts_on")`);
    await q.query(
      `CREATE INDEX "idx_subsidy_applications_report_due" ON "subsidy_applications" ("report_due_on") WHERE "report_due_on" IS NOT NULL`,
    );
    await q.query(`ALTER TABLE "subsidy_programs"
      ADD COLUMN "withdrawal_days_after_grant" integer NOT NULL DEFAULT 10,
      ADD CONSTRAINT "chk_subsidy_programs_withdrawal_days" CHECK ("withdrawal_days_after_grant" >= 0 AND "withdrawal_days_after_grant" <= 365)`);
    await q.query(`CREATE TABLE "subsidy_change_requests" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "application_id" uuid NOT NULL REFERENCES "subsidy_applications"("id") ON DELETE CASCADE,
      "requested_by" uuid NOT NULL REFERENCES "users"("id"),
      "reason" text NOT NULL,
      "requested_amount" integer,
      "budget_items" jsonb,
      "previous_amount" integer NOT NULL,
      "previous_budget_items" jsonb NOT NULL,
      "status" varchar(20) NOT NULL DEFAULT 'pending',
      "decided_by" uuid REFERENCES "users"("id"),
      "decided_at" timestamptz,
      "decision_comment" text,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "chk_subsidy_change_requests_status" CHECK ("status" IN ('pending', 'approved', 'rejected')),
      CONSTRAINT "chk_subsidy_change_requests_amount" CHECK ("requested_amount" IS NULL OR "requested_amount" >= 0))`);
    await q.query(`CREATE INDEX "idx_subsidy_change_requests_application" ON "subsidy_change_requests" ("application_id", "created_at")`);
    // conflicts of interest a reviewer declares: never assigned to, never reviewing, that organisation's applications
    await q.query(`CREATE TABLE "subsidy_conflicts" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "user_id" uuid NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
      "organization_id" uuid NOT NULL REFERENCES "organizations"("id") ON DELETE CASCADE,
      "reason" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "uq_subsidy_conflicts_user_organization" UNIQUE ("user_id", "organization_id"))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS "subsidy_conflicts"`);
    await q.query(`DROP TABLE IF EXISTS "subsidy_change_requests"`);
    await q.query(
      `ALTER TABLE "subsidy_programs" DROP CONSTRAINT "chk_subsidy_programs_withdrawal_days", DROP COLUMN "withdrawal_days_after_grant"`,
    );
    await q.query(`DROP INDEX IF EXISTS "idx_subsidy_applications_report_due"`);
    await q.query(`ALTER TABLE "subsidy_applications" DROP CONSTRAINT "chk_subsidy_applications_period",
      DROP COLUMN "partner_comment", DROP COLUMN "partner_answered_at", DROP COLUMN "report_return_comment",
      DROP COLUMN "project_starts_on", DROP COLUMN "project_ends_on", DROP COLUMN "report_due_on",
      DROP COLUMN "reminder_due_sent_at", DROP COLUMN "reminder_overdue_sent_at", DROP COLUMN "payment_claimed_at", DROP COLUMN "paid_on"`);
    await q.query(`ALTER TABLE "subsidy_applications" DROP CONSTRAINT "chk_subsidy_applications_status"`);
    await q.query(
      `ALTER TABLE "subsidy_applications" ADD CONSTRAINT "chk_subsidy_applications_status" CHECK ("status" IN (${OLD_STATUSES}))`,
    );
  }
}
