import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OSPF projects and the project-promotion subsidy (programmes, applications, attachments, reviews,
 * in-app notices). A project's origin issue and solutions reference the marketplace tables.
 */
export class ProjectsSubsidies1764200000000 implements MigrationInterface {
  name = 'ProjectsSubsidies1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "projects" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "title" text NOT NULL,
      "field_slug" varchar(40) NOT NULL REFERENCES "fields"("slug"),
      "summary" text NOT NULL,
      "coordinator_organization_id" uuid NOT NULL REFERENCES "organizations"("id"),
      "origin_issue_id" uuid REFERENCES "issues"("id"),
      "stage" varchar(16) NOT NULL DEFAULT 'proposal',
      "stage_changed_at" timestamptz NOT NULL DEFAULT now(),
      "created_by" uuid REFERENCES "users"("id"),
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "chk_projects_stage" CHECK ("stage" IN ('proposal', 'demonstration', 'implementation', 'completed', 'discontinued')))`);
    await q.query(`CREATE INDEX "idx_projects_stage" ON "projects" ("stage")`);
    await q.query(`CREATE INDEX "idx_projects_field" ON "projects" ("field_slug")`);
    await q.query(`CREATE INDEX "idx_projects_coordinator" ON "projects" ("coordinator_organization_id")`);
    await q.query(`CREATE INDEX "idx_projects_origin_issue" ON "projects" ("origin_issue_id")`);

    await q.query(`CREATE TABLE "project_organizations" (
      "project_id" uuid NOT NULL REFERENCES "projects"("id") ON DELETE CASCADE,
      "organization_id" uuid NOT NULL REFERENCES "organizations"("id"),
      "role" varchar(16) NOT NULL,
      PRIMARY KEY ("project_id", "organization_id"),
      CONSTRAINT "chk_project_organizations_role" CHECK ("role" IN ('municipality', 'member')))`);
    await q.query(`CREATE INDEX "idx_project_organizations_organization" ON "project_organizations" ("organization_id")`);

    await q.query(`CREATE TABLE "project_solutions" (
      "project_id" uuid NOT NULL REFERENCES "projects"("id") ON DELETE CASCADE,
      "solution_id" uuid NOT NULL REFERENCES "solutions"("id"),
      PRIMARY KEY ("project_id", "solution_id"))`);
    await q.query(`CREATE INDEX "idx_project_solutions_solution" ON "project_solutions" ("solution_id")`);

    await q.query(`CREATE TABLE "subsidy_programs" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "title" text NOT NULL,
      "description" text NOT NULL DEFAULT '',
      "max_amount_per_project" integer NOT NULL DEFAULT 1000000,
      "subsidy_rate" numeric(7,6) NOT NULL,
      "budget_total" integer,
      "opens_at" timestamptz NOT NULL,
      "closes_at" timestamptz NOT NULL,
      "requires_municipal_partner" boolean NOT NULL DEFAULT true,
      "criteria" jsonb NOT NULL DEFAULT '[]',
      "fiscal_year" integer NOT NULL,
      "created_by" uuid REFERENCES "users"("id"),
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "chk_subsidy_programs_cap" CHECK ("max_amount_per_project" > 0),
      CONSTRAINT "chk_subsidy_programs_rate" CHECK ("subsidy_rate" > 0 AND "subsidy_rate" <= 1),
      CONSTRAINT "chk_subsidy_programs_budget" CHECK ("budget_total" IS NULL OR "budget_total" >= 0),
      CONSTRAINT "chk_subsidy_programs_window" CHECK ("closes_at" > "opens_at"))`);
    await q.query(`CREATE INDEX "idx_subsidy_programs_window" ON "subsidy_programs" ("opens_at", "closes_at")`);
    await q.query(`CREATE INDEX "idx_subsidy_programs_fiscal_year" ON "subsidy_programs" ("fiscal_year")`);

    await q.query(`CREATE TABLE "subsidy_applications" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "program_id" uuid NOT NULL REFERENCES "subsidy_programs"("id"),
      "organization_id" uuid NOT NULL REFERENCES "organizations"("id"),
      "created_by" uuid NOT NULL REFERENCES "users"("id"),
      "title" text NOT NULL,
      "summary" text NOT NULL,
      "requested_amount" integer NOT NULL,
      "total_cost" integer NOT NULL,
      "budget_items" jsonb NOT NULL DEFAULT '[]',
      "municipal_partner_organization_id" uuid REFERENCES "organizations"("id"),
      "project_id" uuid REFERENCES "projects"("id"),
      "status" varchar(20) NOT NULL DEFAULT 'draft',
      "granted_amount" integer,
      "confirmed_amount" integer,
      "actual_cost" integer,
      "outcome" text,
      "return_comment" text,
      "decision_comment" text,
      "submitted_at" timestamptz,
      "decided_at" timestamptz,
      "reported_at" timestamptz,
      "completed_at" timestamptz,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "chk_subsidy_applications_status" CHECK ("status" IN ('draft', 'submitted', 'returned', 'under_review', 'adopted', 'rejected', 'withdrawn', 'grant_decided', 'report_submitted', 'completed')),
      CONSTRAINT "chk_subsidy_applications_amounts" CHECK ("requested_amount" >= 0 AND "total_cost" >= 0 AND ("actual_cost" IS NULL OR "actual_cost" >= 0)),
      CONSTRAINT "chk_subsidy_applications_granted" CHECK ("granted_amount" IS NULL OR ("granted_amount" >= 0 AND "granted_amount" <= "requested_amount")),
      CONSTRAINT "chk_subsidy_applications_confirmed" CHECK ("confirmed_amount" IS NULL OR ("granted_amount" IS NOT NULL AND "confirmed_amount" >= 0 AND "confirmed_amount" <= "granted_amount")))`);
    await q.query(`CREATE INDEX "idx_subsidy_applications_program_status" ON "subsidy_applications" ("program_id", "status")`);
    await q.query(`CREATE INDEX "idx_subsidy_applications_organization" ON "subsidy_applications" ("organization_id")`);
    await q.query(`CREATE INDEX "idx_subsidy_applications_status" ON "subsidy_applications" ("status")`);
    await q.query(`CREATE INDEX "idx_subsidy_applications_project" ON "subsidy_applications" ("project_id")`);

    await q.query(`CREATE TABLE "subsidy_attachments" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "application_id" uuid NOT NULL REFERENCES "subsidy_applications"("id") ON DELETE CASCADE,
      "kind" varchar(16) NOT NULL DEFAULT 'application',
      "filename" text NOT NULL,
      "media_type" varchar(100) NOT NULL,
      "size_bytes" integer NOT NULL,
      "storage_key" varchar(64) NOT NULL,
      "sha256" varchar(64) NOT NULL,
      "uploaded_by" uuid NOT NULL REFERENCES "users"("id"),
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "chk_subsidy_attachments_kind" CHECK ("kind" IN ('application', 'report')),
      CONSTRAINT "chk_subsidy_attachments_size" CHECK ("size_bytes" > 0))`);
    await q.query(`CREATE INDEX "idx_subsidy_attachments_application" ON "subsidy_attachments" ("application_id")`);
    await q.query(`CREATE UNIQUE INDEX "uq_subsidy_attachments_storage_key" ON "subsidy_attachments" ("storage_key")`);

    await q.query(`CREATE TABLE "subsidy_reviewers" (
      "application_id" uuid NOT NULL REFERENCES "subsidy_applications"("id") ON DELETE CASCADE,
      "reviewer_id" uuid NOT NULL REFERENCES "users"("id"),
      "assigned_by" uuid NOT NULL REFERENCES "users"("id"),
      "assigned_at" timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY ("application_id", "reviewer_id"))`);
    await q.query(`CREATE INDEX "idx_subsidy_reviewers_reviewer" ON "subsidy_reviewers" ("reviewer_id")`);

    await q.query(`CREATE TABLE "subsidy_reviews" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "application_id" uuid NOT NULL REFERENCES "subsidy_applications"("id") ON DELETE CASCADE,
      "reviewer_id" uuid NOT NULL REFERENCES "users"("id"),
      "scores" jsonb NOT NULL,
      "weighted_score" double precision NOT NULL,
      "comment" text NOT NULL,
      "submitted_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "chk_subsidy_reviews_weighted" CHECK ("weighted_score" >= 1 AND "weighted_score" <= 5))`);
    // one review per reviewer per application, enforced by the database
    await q.query(`CREATE UNIQUE INDEX "uq_subsidy_reviews_reviewer" ON "subsidy_reviews" ("application_id", "reviewer_id")`);

    await q.query(`CREATE TABLE "subsidy_notifications" (
      "id" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
      "organization_id" uuid NOT NULL REFERENCES "organizations"("id") ON DELETE CASCADE,
      "application_id" uuid NOT NULL REFERENCES "subsidy_applications"("id") ON DELETE CASCADE,
      "status" varchar(20) NOT NULL,
      "comment" text,
      "read_at" timestamptz,
      "created_at" timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX "idx_subsidy_notifications_organization" ON "subsidy_notifications" ("organization_id", "created_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'subsidy_notifications',
      'subsidy_reviews',
      'subsidy_reviewers',
      'subsidy_attachments',
      'subsidy_applications',
      'subsidy_programs',
      'project_solutions',
      'project_organizations',
      'projects',
    ]) {
      await q.query(`DROP TABLE IF EXISTS "${t}"`);
    }
  }
}
