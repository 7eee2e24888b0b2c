import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../../libs/common';
import { registerThesaurus } from '../../libs/japanese';
import { SearchService } from '../../libs/search';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { ThesaurusRecord } from './entities/thesaurus.entity';
import { normalize } from './text';
import { Thesaurus } from './thesaurus';
import { THESAURUS_SEED } from './thesaurus-seed';

export interface ThesaurusView {
  groups: string[][];
  version: number;
  updatedAt: Date | null;
}

const THESAURUS_CHECK_MS = 5_000;

/**
 * The matching thesaurus (secretariat-edited concept groups): seeded once, loaded from its row, re-read when its
 * version changes, and registered with the one analysis (libs/japanese) and Meilisearch's synonyms.
 */
@Injectable()
export class ThesaurusService implements OnModuleInit {
  private readonly log = new Logger(ThesaurusService.name);
  private thesaurus = new Thesaurus(THESAURUS_SEED);
  private thesaurusVersion = 0;
  private thesaurusCheckedAt = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly search: SearchService,
    private readonly audit: AuditService,
  ) {}

  async onModuleInit(): Promise<void> {
    // The seed is written once; from then on the row is the secretariat's.
    await this.db.query(`INSERT INTO matching_thesaurus (id, groups, version) VALUES (1, $1::jsonb, 1) ON CONFLICT (id) DO NOTHING`, [
      JSON.stringify(THESAURUS_SEED),
    ]);
    await this.reload(true);
  }

  /** Version of the thesaurus in use (its concepts are in the indexes and the cached representations). */
  get version(): number {
    return this.thesaurusVersion;
  }

  async getThesaurus(): Promise<ThesaurusView> {
    const row = await this.db.getRepository(ThesaurusRecord).findOneBy({ id: 1 });
    return { groups: row?.groups ?? [], version: row?.version ?? 0, updatedAt: row?.updatedAt ?? null };
  }

  /** Replaces the whole thesaurus (secretariat); takes effect for matching at once and for search when Meilisearch applied it. */
  async saveThesaurus(groups: string[][], p: Principal, ip?: string | null): Promise<ThesaurusView> {
    const clean = cleanGroups(groups);
    if (clean.length > 3000 || clean.some((g) => g.length > 60 || g.some((term) => term.length > 60))) {
      throw new AppError(400, 'validation.failed', {}, { groups: ['thesaurusLimits'] });
    }
    await this.db.transaction(async (m) => {
      const before = await m.getRepository(ThesaurusRecord).findOne({ where: { id: 1 }, lock: { mode: 'pessimistic_write' } });
      await m.query(
        `INSERT INTO matching_thesaurus (id, groups, version, updated_by, updated_at) VALUES (1, $1::jsonb, 1, $2, now())
         ON CONFLICT (id) DO UPDATE SET groups = EXCLUDED.groups, version = matching_thesaurus.version + 1,
           updated_by = EXCLUDED.updated_by, updated_at = now()`,
        [JSON.stringify(clean), p.userId],
      );
      await this.audit.record(
        {
          actorId: p.userId,
          action: 'thesaurus.update',
          subjectType: 'thesaurus',
          ip,
          data: { groupsBefore: before?.groups.length ?? 0, groupsAfter: clean.length },
        },
        m,
      );
    });
    await this.reload(true);
    return this.getThesaurus();
  }

  /** Re-reads the thesaurus when its version changed (checked at most every few seconds unless forced). */
  async reload(force = false): Promise<void> {
    if (!force && Date.now() - this.thesaurusCheckedAt < THESAURUS_CHECK_MS) return;
    this.thesaurusCheckedAt = Date.now();
    const rows: Array<{ version: number; groups: string[][] }> = await this.db.query(
      force
        ? 'SELECT version, groups FROM matching_thesaurus WHERE id = 1'
        : 'SELECT version, groups FROM matching_thesaurus WHERE id = 1 AND version <> $1',
      force ? [] : [this.thesaurusVersion],
    );
    if (rows.length === 0) return;
    this.thesaurus = new Thesaurus(rows[0].groups);
    this.thesaurusVersion = rows[0].version;
    // The one analysis (libs/japanese) knows the concepts from here: matching, search highlights and alerts alike.
    registerThesaurus(this.thesaurus.groups);
    const applied = await this.search.setSynonyms(synonymsOf(this.thesaurus.groups));
    if (!applied) this.log.warn('Thesaurus synonyms will reach Meilisearch when it is back');
  }
}

/** Trims terms, drops empty ones and duplicates within a group, and groups of fewer than two terms. */
export function cleanGroups(groups: string[][]): string[][] {
  const out: string[][] = [];
  for (const g of groups) {
    const seen = new Set<string>();
    const terms: string[] = [];
    for (const raw of g) {
      const term = raw.normalize('NFKC').trim().replace(/\s+/g, ' ');
      const k = normalize(term);
      if (!term || seen.has(k)) continue;
      seen.add(k);
      terms.push(term);
    }
    if (terms.length >= 2) out.push(terms);
  }
  return out;
}

/** Meilisearch synonyms of the thesaurus: every term of a group leads to the others (terms in several groups collect all). */
export function synonymsOf(groups: string[][]): Record<string, string[]> {
  // no prototype: a term may be any text, 「__proto__」 included
  const map: Record<string, string[]> = Object.create(null);
  for (const g of groups) {
    for (const term of g) {
      const set = new Set(map[term] ?? []);
      for (const other of g) if (other !== term) set.add(other);
      map[term] = [...set];
    }
  }
  return map;
}
