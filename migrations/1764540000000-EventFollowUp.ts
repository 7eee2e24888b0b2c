import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * After (and around) an event: messages to registrants kept in the event's log, a survey mailed to attendees
 * (one answer per invitation, enforced by a conditional update; optionally anonymous), and attendance recorded by
 * hand for events held before the platform.
 */
export class EventFollowUp1764540000000 implements MigrationInterface {
  name = 'EventFollowUp1764540000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "events"
      ADD COLUMN "recorded_attendance" int,
      ADD COLUMN "recorded_organizations" int,
      ADD CONSTRAINT "chk_events_recorded" CHECK (("recorded_attendance" IS NULL OR "recorded_attendance" >= 0) AND ("recorded_organizations" IS NULL OR "recorded_organizations" >= 0))`);

    await q.query(`CREATE TABLE "event_messages" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "event_id" uuid NOT NULL REFERENCES "events"("id") ON DELETE CASCADE,
      "audience" varchar(16) NOT NULL,
      "category_id" uuid REFERENCES "event_categories"("id"),
      "subject" varchar(200) NOT NULL,
      "body" text NOT NULL,
      "recipients" int NOT NULL,
      "sent_by" uuid REFERENCES "users"("id"),
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "chk_event_messages_audience" CHECK ("audience" IN ('all', 'category', 'waitlist')),
      CONSTRAINT "chk_event_messages_category" CHECK (("audience" = 'category') = ("category_id" IS NOT NULL)))`);
    await q.query(`CREATE INDEX "idx_event_messages_event" ON "event_messages" ("event_id", "created_at")`);

    await q.query(`CREATE TABLE "event_surveys" (
      "event_id" uuid PRIMARY KEY REFERENCES "events"("id") ON DELETE CASCADE,
      "questions" jsonb NOT NULL,
      "anonymous" boolean NOT NULL DEFAULT false,
      "created_by" uuid REFERENCES "users"("id"),
      "sent_at" timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE "event_survey_invitations" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "event_id" uuid NOT NULL REFERENCES "event_surveys"("event_id") ON DELETE CASCADE,
      "registration_id" uuid NOT NULL REFERENCES "event_registrations"("id"),
      "token_hash" varchar(64) NOT NULL,
      "responded_at" timestamptz,
      "created_at" timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX "uq_event_survey_invitations_token" ON "event_survey_invitations" ("token_hash")`);
    await q.query(`CREATE UNIQUE INDEX "uq_event_survey_invitations_registration" ON "event_survey_invitations" ("registration_id")`);
    await q.query(`CREATE TABLE "event_survey_responses" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "event_id" uuid NOT NULL REFERENCES "event_surveys"("event_id") ON DELETE CASCADE,
      "registration_id" uuid REFERENCES "event_registrations"("id"),
      "answers" jsonb NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX "idx_event_survey_responses_event" ON "event_survey_responses" ("event_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "event_survey_responses"`);
    await q.query(`DROP TABLE "event_survey_invitations"`);
    await q.query(`DROP TABLE "event_surveys"`);
    await q.query(`DROP TABLE "event_messages"`);
    await q.query(
      `ALTER TABLE "events" DROP CONSTRAINT "chk_events_recorded", DROP COLUMN "recorded_attendance", DROP COLUMN "recorded_organizations"`,
    );
  }
}
