import { MigrationInterface, QueryRunner } from 'typeorm';

/** Durable outbox of search index updates (libs/search), plus the bookkeeping of zero-downtime reindexes. */
export class SearchOutbox1763900000000 implements MigrationInterface {
  name = 'SearchOutbox1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "search_outbox" (
      "id" bigserial PRIMARY KEY,
      "index_name" text NOT NULL,
      "document_id" text NOT NULL,
      "enqueued_at" timestamptz NOT NULL DEFAULT now(),
      "attempts" int NOT NULL DEFAULT 0,
      "next_attempt_at" timestamptz NOT NULL DEFAULT now(),
      "last_error" text)`);
    await q.query(`CREATE INDEX "idx_search_outbox_next_attempt_at" ON "search_outbox" ("next_attempt_at", "id")`);
    // Wake the drainers at commit. Re-queued rows (next_attempt_at in the future) do not notify;
    // identical notifications of one transaction are delivered once.
    await q.query(`CREATE FUNCTION "search_outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('kyoso_search_outbox', '');
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER "trg_search_outbox_notify" AFTER INSERT ON "search_outbox"
      FOR EACH ROW WHEN (NEW.next_attempt_at <= now()) EXECUTE FUNCTION "search_outbox_notify"()`);
    // A running full reindex of an index (drainers log the ids they apply meanwhile; re-applied after the swap).
    await q.query(`CREATE TABLE "search_reindex" (
      "index_name" text PRIMARY KEY,
      "started_at" timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE "search_reindex_log" (
      "index_name" text NOT NULL,
      "document_id" text NOT NULL)`);
    await q.query(`CREATE INDEX "idx_search_reindex_log_index" ON "search_reindex_log" ("index_name")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS "search_reindex_log"`);
    await q.query(`DROP TABLE IF EXISTS "search_reindex"`);
    await q.query(`DROP TABLE IF EXISTS "search_outbox"`);
    await q.query(`DROP FUNCTION IF EXISTS "search_outbox_notify"()`);
  }
}
