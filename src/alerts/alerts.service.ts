import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { analyze, keySet, matchesQuery } from '../../libs/japanese';
import { JobsService } from '../../libs/jobs';
import { AppError, Page, t } from '../../libs/common';
import type { Principal } from '../auth/principal';
import { FieldsService } from '../fields/fields.service';
import { isUuid } from '../issues/issues.service';
import { AppConfig } from '../../libs/config/app-config';
import { MailService } from '../mail/mail.service';
import { cleanText } from '../marketplace/text';
import { MatchingService } from '../matching/matching.service';
import { MembersService } from '../members/members.service';
import type { CreateSavedSearchDto } from './dto/alerts.dto';
import type { NotificationKind } from './entities/notification.entity';
import type { SavedSearchKind } from './entities/saved-search.entity';
import { ALERTS_PUBLISHED_JOB, PublishedJob } from './publish-hook';

export const ALERTS_DIGEST_JOB = 'alerts.digest';

const MAX_SAVED_SEARCHES = 50;
/** For a new item: the organisations behind its top matches hear about it. */
const MATCH_TOP_N = 5;

export interface SavedSearchView {
  id: string;
  kind: SavedSearchKind;
  q: string;
  field: string[];
  municipality: string[];
  /** the search page with these conditions */
  href: string;
  createdAt: Date;
}

export interface NotificationView {
  id: string;
  kind: NotificationKind;
  title: string;
  link: string;
  subjectType: 'issue' | 'solution';
  createdAt: Date;
  readAt: Date | null;
}

interface PublishedItem {
  id: string;
  title: string;
  text: string;
  fieldSlugs: string[];
  municipalityCode: string | null;
  organizationId: string;
}

/**
 * Alerts: saved searches, in-app notifications when a newly published issue or solution matches a saved search or
 * one of the organisation's own published items (worked out by a job, never at request time), and the daily digest.
 */
@Injectable()
export class AlertsService implements OnModuleInit {
  private readonly log = new Logger(AlertsService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly jobs: JobsService,
    private readonly mail: MailService,
    private readonly fields: FieldsService,
    private readonly members: MembersService,
    private readonly matching: MatchingService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    void this.jobs.register<PublishedJob>(ALERTS_PUBLISHED_JOB, async (d) => void (await this.onPublished(d.kind, d.id)), {
      retryLimit: 5,
      retryDelay: 10,
    });
    void this.jobs.register(ALERTS_DIGEST_JOB, async () => void (await this.sendDigests(new Date())), { cron: '0 8 * * *', retryLimit: 3 });
  }

  // ---------------------------------------------------------------- saved searches

  async createSavedSearch(p: Principal, dto: CreateSavedSearchDto): Promise<SavedSearchView> {
    const q = cleanText(dto.q ?? '').replace(/\s+/g, ' ');
    const field = [...new Set(dto.field ?? [])];
    const municipality = [...new Set(dto.municipality ?? [])];
    if (field.length) await this.fields.assertKnown(field);
    if (municipality.length) {
      if (dto.kind !== 'issues')
        throw new AppError(400, 'alerts.municipalityIssuesOnly', {}, { municipality: ['alerts.municipalityIssuesOnly'] });
      const known = new Set((await this.members.municipalities()).map((m) => m.code));
      if (municipality.some((c) => !known.has(c)))
        throw new AppError(400, 'alerts.unknownMunicipality', {}, { municipality: ['alerts.unknownMunicipality'] });
    }
    if (!q && !field.length && !municipality.length) throw new AppError(400, 'alerts.emptySearch');
    return this.db.transaction(async (m) => {
      // serialise per user so the cap holds under concurrent saves
      await m.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [p.userId]);
      const [{ n }] = await m.query('SELECT count(*)::int AS n FROM saved_searches WHERE user_id = $1', [p.userId]);
      if (n >= MAX_SAVED_SEARCHES) throw new AppError(409, 'alerts.tooManySavedSearches', { max: MAX_SAVED_SEARCHES });
      const [same] = await m.query(
        `SELECT * FROM saved_searches WHERE user_id = $1 AND kind = $2 AND q = $3 AND field_slugs = $4::text[] AND municipality_codes = $5::text[]`,
        [p.userId, dto.kind, q, field.sort(), municipality.sort()],
      );
      if (same) return toSavedSearchView(same);
      const [row] = await m.query(
        `INSERT INTO saved_searches (user_id, kind, q, field_slugs, municipality_codes) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [p.userId, dto.kind, q, field, municipality],
      );
      return toSavedSearchView(row);
    });
  }

  async listSavedSearches(p: Principal): Promise<Page<SavedSearchView>> {
    const rows: any[] = await this.db.query('SELECT * FROM saved_searches WHERE user_id = $1 ORDER BY created_at DESC, id', [p.userId]);
    return { items: rows.map(toSavedSearchView), total: rows.length, page: 1, perPage: Math.max(rows.length, 1) };
  }

  async deleteSavedSearch(id: string, p: Principal): Promise<void> {
    if (!isUuid(id)) throw new AppError(404, 'notFound');
    const res = returned(await this.db.query('DELETE FROM saved_searches WHERE id = $1 AND user_id = $2 RETURNING id', [id, p.userId]));
    if (!res.length) throw new AppError(404, 'notFound');
  }

  // ---------------------------------------------------------------- notifications

  async listNotifications(p: Principal, page = 1, perPage = 20, unreadOnly = false): Promise<Page<NotificationView> & { unread: number }> {
    const filter = unreadOnly ? 'AND read_at IS NULL' : '';
    const [{ n, unread }] = await this.db.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE read_at IS NULL)::int AS unread FROM notifications WHERE user_id = $1`,
      [p.userId],
    );
    const rows: any[] = await this.db.query(
      `SELECT * FROM notifications WHERE user_id = $1 ${filter} ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`,
      [p.userId, perPage, (page - 1) * perPage],
    );
    return { items: rows.map(toNotificationView), total: unreadOnly ? unread : n, page, perPage, unread };
  }

  async markRead(id: string, p: Principal): Promise<NotificationView> {
    if (!isUuid(id)) throw new AppError(404, 'notFound');
    const rows = returned(
      await this.db.query(`UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2 RETURNING *`, [
        id,
        p.userId,
      ]),
    );
    if (!rows.length) throw new AppError(404, 'notFound');
    return toNotificationView(rows[0]);
  }

  async markAllRead(p: Principal): Promise<{ updated: number }> {
    const [, updated] = await this.db.query(`UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL`, [p.userId]);
    return { updated: Number(updated) || 0 };
  }

  // ---------------------------------------------------------------- the publish job

  /** Job body: notifications for a newly published item (idempotent: one notification per user and item). */
  async onPublished(kind: 'issue' | 'solution', id: string): Promise<{ savedSearch: number; match: number }> {
    const item = await this.loadPublished(kind, id);
    if (!item) return { savedSearch: 0, match: 0 };
    const link = `/${kind === 'issue' ? 'issues' : 'solutions'}/${id}`;

    // 1. saved searches: filters in SQL, keywords against the item's text (every word must occur)
    const candidates: Array<{ user_id: string; q: string }> = await this.db.query(
      `SELECT s.user_id, s.q FROM saved_searches s JOIN users u ON u.id = s.user_id
       WHERE s.kind = $1 AND u.status = 'active' AND u.organization_id IS DISTINCT FROM $2
         AND (cardinality(s.field_slugs) = 0 OR s.field_slugs && $3::text[])
         AND (cardinality(s.municipality_codes) = 0 OR $4::text = ANY(s.municipality_codes))`,
      [kind === 'issue' ? 'issues' : 'solutions', item.organizationId, item.fieldSlugs, item.municipalityCode],
    );
    const itemKeys = candidates.some((c) => c.q?.trim()) ? keySet(analyze(item.text)) : new Set<string>();
    const searchUsers = [...new Set(candidates.filter((c) => keywordsMatch(c.q, itemKeys)).map((c) => c.user_id))];
    const savedSearch = await this.insertNotifications(searchUsers, 'saved_search', kind, item, link);

    // 2. organisations whose own published items are among the new item's best matches
    let orgIds: string[];
    if (kind === 'issue') {
      const { items } = await this.matching.forIssue(id, null, MATCH_TOP_N);
      const solIds = items.filter((m) => m.score > 0).map((m) => m.solution.id);
      const rows: any[] = solIds.length
        ? await this.db.query(`SELECT DISTINCT organization_id FROM solutions WHERE id = ANY($1::uuid[]) AND status = 'published'`, [
            solIds,
          ])
        : [];
      orgIds = rows.map((r) => r.organization_id);
    } else {
      const { items } = await this.matching.forSolution(id, null, MATCH_TOP_N);
      const issueIds = items.filter((m) => m.score > 0).map((m) => m.issue.id);
      const rows: any[] = issueIds.length
        ? await this.db.query(`SELECT DISTINCT organization_id FROM issues WHERE id = ANY($1::uuid[]) AND status = 'published'`, [issueIds])
        : [];
      orgIds = rows.map((r) => r.organization_id);
    }
    orgIds = orgIds.filter((o) => o !== item.organizationId);
    const users: any[] = orgIds.length
      ? await this.db.query(`SELECT id FROM users WHERE organization_id = ANY($1::uuid[]) AND status = 'active'`, [orgIds])
      : [];
    const match = await this.insertNotifications(
      users.map((u) => u.id),
      'match',
      kind,
      item,
      link,
    );
    if (savedSearch + match) this.log.log(`alerts for ${kind} ${id}: ${savedSearch} saved-search, ${match} match notifications`);
    return { savedSearch, match };
  }

  private async insertNotifications(
    userIds: string[],
    nkind: NotificationKind,
    kind: 'issue' | 'solution',
    item: PublishedItem,
    link: string,
  ): Promise<number> {
    if (!userIds.length) return 0;
    const rows: any[] = await this.db.query(
      `INSERT INTO notifications (user_id, kind, title, link, subject_type, subject_id)
       SELECT u, $2, $3, $4, $5, $6 FROM unnest($1::uuid[]) AS u
       ON CONFLICT (user_id, subject_type, subject_id) DO NOTHING RETURNING id`,
      [userIds, nkind, item.title, link, kind, item.id],
    );
    return rows.length;
  }

  private async loadPublished(kind: 'issue' | 'solution', id: string): Promise<PublishedItem | null> {
    if (!isUuid(id)) return null;
    const fieldNames = `coalesce((SELECT string_agg(f.name_ja || ' ' || coalesce(f.name_en, ''), ' ') FROM fields f WHERE f.slug = ANY(x.field_slugs)), '')`;
    const [r] =
      kind === 'issue'
        ? await this.db.query(
            `SELECT x.id, x.title, x.body AS text1, '' AS text2, x.tags, x.field_slugs, x.municipality_code, x.organization_id,
                    m.name AS extra, ${fieldNames} AS field_names
             FROM issues x JOIN municipalities m ON m.code = x.municipality_code WHERE x.id = $1 AND x.status = 'published'`,
            [id],
          )
        : await this.db.query(
            `SELECT x.id, x.title, x.summary AS text1, x.body AS text2, x.tags, x.field_slugs, NULL AS municipality_code, x.organization_id,
                    o.name AS extra, ${fieldNames} AS field_names
             FROM solutions x JOIN organizations o ON o.id = x.organization_id WHERE x.id = $1 AND x.status = 'published'`,
            [id],
          );
    if (!r) return null;
    return {
      id: r.id,
      title: r.title,
      text: normalize([r.title, r.text1, r.text2, (r.tags ?? []).join(' '), r.field_names, r.extra].join(' ')),
      fieldSlugs: r.field_slugs,
      municipalityCode: r.municipality_code,
      organizationId: r.organization_id,
    };
  }

  // ---------------------------------------------------------------- daily digest

  /**
   * One e-mail per user with digests on, listing their unread notifications not yet sent in a digest; those are then
   * marked as digested in the same transaction as the queued mail, so they are never sent twice.
   */
  async sendDigests(now: Date = new Date()): Promise<{ users: number; notifications: number }> {
    return this.db.transaction(async (m) => {
      const rows: any[] = await m.query(
        `SELECT n.id, n.user_id, n.kind, n.title, n.link, n.subject_type, u.email, u.display_name
         FROM notifications n JOIN users u ON u.id = n.user_id
         WHERE n.read_at IS NULL AND n.digested_at IS NULL AND n.created_at <= $1
           AND u.digest_enabled AND u.status = 'active'
         ORDER BY n.user_id, n.created_at, n.id
         FOR UPDATE OF n SKIP LOCKED`,
        [now],
      );
      const byUser = new Map<string, any[]>();
      for (const r of rows) byUser.set(r.user_id, [...(byUser.get(r.user_id) ?? []), r]);
      for (const list of byUser.values()) {
        const lang = 'ja';
        const lines = list.map(
          (r) => `・${t(lang, `alerts.kindLabel.${r.kind}.${r.subject_type}`)}：${r.title}\n  ${this.config.baseUrl}${r.link}`,
        );
        await this.mail.send(
          {
            to: list[0].email,
            template: 'alertsDigest',
            lang,
            params: { name: list[0].display_name, count: list.length, items: lines.join('\n') },
          },
          m,
        );
      }
      if (rows.length) await m.query(`UPDATE notifications SET digested_at = $2 WHERE id = ANY($1::uuid[])`, [rows.map((r) => r.id), now]);
      return { users: byUser.size, notifications: rows.length };
    });
  }
}

/** Rows of an UPDATE/DELETE … RETURNING (TypeORM answers [rows, affected] for those). */
function returned(res: unknown): any[] {
  if (Array.isArray(res) && res.length === 2 && Array.isArray(res[0]) && typeof res[1] === 'number') return res[0];
  return Array.isArray(res) ? res : [];
}

/** NFKC, lower case, collapsed spaces: full-width and half-width forms compare equal. */
function normalize(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ');
}

/**
 * Every term of the saved keyword is found in the item's text the way search finds it (libs/japanese: readings,
 * spelling variants, synonyms, whole words only); an empty keyword matches.
 */
export function keywordsMatch(q: string, text: string | ReadonlySet<string>): boolean {
  return matchesQuery(q ?? '', text);
}

function toSavedSearchView(r: any): SavedSearchView {
  const params = new URLSearchParams();
  if (r.q) params.set('q', r.q);
  for (const f of r.field_slugs ?? []) params.append('field', f);
  for (const c of r.municipality_codes ?? []) params.append('municipality', c);
  const qs = params.toString();
  return {
    id: r.id,
    kind: r.kind,
    q: r.q,
    field: r.field_slugs ?? [],
    municipality: r.municipality_codes ?? [],
    href: `/${r.kind}${qs ? `?${qs}` : ''}`,
    createdAt: r.created_at,
  };
}

function toNotificationView(r: any): NotificationView {
  return { id: r.id, kind: r.kind, title: r.title, link: r.link, subjectType: r.subject_type, createdAt: r.created_at, readAt: r.read_at };
}
