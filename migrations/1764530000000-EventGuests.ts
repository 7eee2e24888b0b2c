import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events for everyone: ticket categories (参加枠) with their own capacity and seat count (CHECK seats ≤ capacity),
 * guest registrations (no account: name and e-mail on the registration, the request with hashed confirm/manage
 * tokens until the mailed link is opened), registration questions and answers.
 */
export class EventGuests1764530000000 implements MigrationInterface {
  name = 'EventGuests1764530000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "events" ADD COLUMN "questions" jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`CREATE TABLE "event_categories" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "event_id" uuid NOT NULL REFERENCES "events"("id") ON DELETE CASCADE,
      "key" varchar(32) NOT NULL,
      "label" varchar(100) NOT NULL,
      "capacity" int NOT NULL,
      "seats_taken" int NOT NULL DEFAULT 0,
      "online" boolean NOT NULL DEFAULT false,
      "sort_order" int NOT NULL DEFAULT 0,
      CONSTRAINT "chk_event_categories_capacity" CHECK ("capacity" >= 1),
      CONSTRAINT "chk_event_categories_seats" CHECK ("seats_taken" >= 0 AND "seats_taken" <= "capacity"))`);
    await q.query(`CREATE UNIQUE INDEX "uq_event_categories_key" ON "event_categories" ("event_id", "key")`);

    await q.query(`ALTER TABLE "event_registrations"
      ALTER COLUMN "user_id" DROP NOT NULL,
      ALTER COLUMN "registered_by" DROP NOT NULL,
      ADD COLUMN "category_id" uuid REFERENCES "event_categories"("id"),
      ADD COLUMN "guest_name" varchar(100),
      ADD COLUMN "guest_email" varchar(254),
      ADD COLUMN "guest_organization" varchar(200),
      ADD COLUMN "answers" jsonb NOT NULL DEFAULT '{}',
      ADD CONSTRAINT "chk_event_registrations_person" CHECK ("user_id" IS NOT NULL OR ("guest_name" IS NOT NULL AND "guest_email" IS NOT NULL))`);
    // one active registration per guest address per event
    await q.query(
      `CREATE UNIQUE INDEX "uq_event_registrations_guest_active" ON "event_registrations" ("event_id", lower("guest_email")) WHERE "user_id" IS NULL AND "status" IN ('confirmed', 'waitlisted')`,
    );
    await q.query(`CREATE INDEX "idx_event_registrations_category" ON "event_registrations" ("category_id", "status", "seq")`);

    await q.query(`CREATE TABLE "event_guest_requests" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "event_id" uuid NOT NULL REFERENCES "events"("id") ON DELETE CASCADE,
      "category_id" uuid REFERENCES "event_categories"("id"),
      "name" varchar(100) NOT NULL,
      "email" varchar(254) NOT NULL,
      "organization_name" varchar(200),
      "answers" jsonb NOT NULL DEFAULT '{}',
      "ip" varchar(64),
      "confirm_token_hash" varchar(64) NOT NULL,
      "manage_token_hash" varchar(64) NOT NULL,
      "registration_id" uuid REFERENCES "event_registrations"("id"),
      "expires_at" timestamptz NOT NULL,
      "confirmed_at" timestamptz,
      "cancelled_at" timestamptz,
      "created_at" timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX "uq_event_guest_requests_confirm" ON "event_guest_requests" ("confirm_token_hash")`);
    await q.query(`CREATE UNIQUE INDEX "uq_event_guest_requests_manage" ON "event_guest_requests" ("manage_token_hash")`);
    await q.query(`CREATE INDEX "idx_event_guest_requests_email" ON "event_guest_requests" (lower("email"), "created_at")`);
    await q.query(`CREATE INDEX "idx_event_guest_requests_ip" ON "event_guest_requests" ("ip", "created_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "event_guest_requests"`);
    await q.query(`DELETE FROM "event_registrations" WHERE "user_id" IS NULL`);
    await q.query(`DROP INDEX "uq_event_registrations_guest_active"`);
    await q.query(`DROP INDEX "idx_event_registrations_category"`);
    await q.query(`ALTER TABLE "event_registrations" DROP CONSTRAINT "chk_event_registrations_person",
      DROP COLUMN "category_id", DROP COLUMN "guest_name", DROP COLUMN "guest_email", DROP COLUMN "guest_organization", DROP COLUMN "answers",
      ALTER COLUMN "user_id" SET NOT NULL, ALTER COLUMN "registered_by" SET NOT NULL`);
    await q.query(`DROP TABLE "event_categories"`);
    await q.query(`ALTER TABLE "events" DROP COLUMN "questions"`);
  }
}
