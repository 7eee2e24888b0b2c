import { Injectable } from '@nestjs/common';
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

@Injectable()
export class FieldsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(lang = 'ja'): Promise<FieldView[]> {
    const rows = await this.db.getRepository(Field).find({ order: { sortOrder: 'ASC', slug: 'ASC' } });
    return rows.map((f) => toFieldView(f, lang));
  }

  async create(slug: string, name: string, nameEn?: string): Promise<FieldView> {
    const exists = await this.db.getRepository(Field).exists({ where: { slug } });
    if (exists) throw new AppError(409, 'fields.slugTaken', { slug });
    const [{ max }] = await this.db.query(`SELECT coalesce(max(sort_order), 0)::int AS max FROM fields`);
    const f = await this.db.getRepository(Field).save({ slug, nameJa: name, nameEn: nameEn ?? null, sortOrder: max + 1 });
    return toFieldView(f, 'ja');
  }

  /** Throws 400 unless every slug is a known field. */
  async assertKnown(slugs: string[]): Promise<void> {
    const unique = [...new Set(slugs)];
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
