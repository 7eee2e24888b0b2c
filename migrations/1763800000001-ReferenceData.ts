import { MigrationInterface, QueryRunner } from 'typeorm';
import municipalities from './data/osaka-municipalities.json';
import fields from './data/fields.json';

/** Reference data every database has, whatever SEED_DEMO says: the 43 Osaka municipalities and the default fields. */
export class ReferenceData1763800000001 implements MigrationInterface {
  name = 'ReferenceData1763800000001';

  async up(q: QueryRunner): Promise<void> {
    for (const m of municipalities.municipalities) {
      await q.query(
        `INSERT INTO "municipalities" ("code", "name", "kana", "kind") VALUES ($1, $2, $3, $4) ON CONFLICT ("code") DO NOTHING`,
        [m.code, m.name, m.kana, m.kind],
      );
    }
    for (const f of fields) {
      await q.query(
        `INSERT INTO "fields" ("slug", "name_ja", "name_en", "sort_order") VALUES ($1, $2, $3, $4) ON CONFLICT ("slug") DO NOTHING`,
        [f.slug, f.nameJa, f.nameEn, f.sortOrder],
      );
    }
    await q.query(
      `INSERT INTO "organizations" ("id", "name", "kind") VALUES ('00000000-0000-4000-8000-000000000001', '事務局', 'secretariat') ON CONFLICT DO NOTHING`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM "fields"`);
    await q.query(`DELETE FROM "municipalities"`);
  }
}
