import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { AppError } from '../../libs/common';
import { Field } from './field.entity';

export interface FieldView {
  slug: string;
  name: string;
  nameJa: string;
  nameEn: string | null;
}

/** How long a process reuses the field list (every search and list page needs it; the secretariat rarely edits it). */
const LIST_TTL_MS = 5000;

@Injectable()
export class FieldsService implements OnApplicationBootstrap {
  private cached: { rows: Promise<Field[]>; until: number } | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.list().catch(() => undefined); // warm: the first request under load need not wait for it
  }

  private load(): Promise<Field[]> {
    return this.db.getRepository(Field).find({ order: { sortOrder: 'ASC', slug: 'ASC' } });
  }

  /**
   * Every field in display order; read at most every few seconds per process (another instance sees a new field
   * within LIST_TTL_MS). A stale list is served while it is re-read in the background: callers are often inside a
   * transaction, and waiting there for a second pool connection starves the pool under load.
   */
  async list(lang = 'ja'): Promise<FieldView[]> {
    const now = Date.now();
    if (!this.cached) {
      const rows = this.load();
      this.cached = { rows, until: now + LIST_TTL_MS };
      rows.catch(() => (this.cached = undefined));
    } else if (this.cached.until <= now && !this.refreshing) {
      this.refreshing = this.load()
        .then((rows) => void (this.cached = { rows: Promise.resolve(rows), until: Date.now() + LIST_TTL_MS }))
        .catch(() => undefined)
        .finally(() => (this.refreshing = undefined));
    }
    return (await this.cached.rows).map((f) => toFieldView(f, lang));
  }

  async create(slug: string, name: string, nameEn?: string): Promise<FieldView> {
    const exists = await this.db.getRepository(Field).exists({ where: { slug } });
    if (exists) throw new AppError(409, 'fields.slugTaken', { slug });
    const [{ max }] = await this.db.query(`SELECT coalesce(max(sort_order), 0)::int AS max FROM fields`);
    const f = await this.db.getRepository(Field).save({ slug, nameJa: name, nameEn: nameEn ?? null, sortOrder: max + 1 });
    this.cached = undefined;
    return toFieldView(f, 'ja');
  }

  /** The fields with these slugs, in display order (the cached list answers; the database only for a slug it lacks). */
  async bySlugs(slugs: string[], lang = 'ja'): Promise<FieldView[]> {
    const wanted = new Set(slugs);
    if (!wanted.size) return [];
    const found = (await this.list(lang)).filter((f) => wanted.has(f.slug));
    if (found.length === wanted.size) return found;
    const known = new Set(found.map((f) => f.slug));
    const missing = [...wanted].filter((s) => !known.has(s));
    const rows = await this.db.getRepository(Field).find({ where: { slug: In(missing) }, order: { sortOrder: 'ASC', slug: 'ASC' } });
    return [...found, ...rows.map((f) => toFieldView(f, lang))];
  }

  /** Throws 400 unless every slug is a known field (the cached list answers; the database only for a slug it lacks). */
  async assertKnown(slugs: string[]): Promise<void> {
    const unique = [...new Set(slugs)];
    const known = new Set((await this.list().catch(() => [] as FieldView[])).map((f) => f.slug));
    if (unique.every((s) => known.has(s))) return;
    const n = await this.db.getRepository(Field).count({ where: { slug: In(unique) } });
    if (n !== unique.length) throw new AppError(400, 'fields.unknown', {}, { fieldSlugs: ['fields.unknown'] });
  }
}

export const toFieldView = (f: Field, lang: string): FieldView => ({
  slug: f.slug,
  name: lang === 'en' && f.nameEn ? f.nameEn : f.nameJa,
  nameJa: f.nameJa,
  nameEn: f.nameEn,
});
