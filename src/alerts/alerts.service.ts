import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { analyze, keySet, matchesQuery } from '../../libs/japanese';
import { JobsService } from '../../libs/jobs';
import { AppError, Page, t } from '../../libs/common';
import type { Principal } from '../auth/principal';
import { FieldsService } from '../fields/fields.service';
import { IssuesDirectory } from '../issues/issues.directory';
import { isUuid } from '../issues/issues.service';
import { AppConfig } from '../../libs/config/app-config';
import { MailService } from '../mail/mail.service';
import { cleanText } from '../catalog/text';
import { MatchingService } from '../matching/matching.service';
import { MembersDirectory } from '../members/directory.service';
import { SolutionsDirectory } from '../solutions/solutions.directory';
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

/** An item as read for matching (text parts named as the keyword matching composes them). */
interface PublishedRow {
  id: string;
  title: string;
  text1: string;
  text2: string;
  tags: string[] | null;
  field_slugs: string[];
  municipality_code: string | null;
  organization_id: string;
  extra: string;
  field_names: string;
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
    private readonly members: MembersDirectory,
    private readonly issues: IssuesDirectory,
    private readonly solutions: SolutionsDirectory,
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
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('alerts.saved_searches'), hashtext($1))`, [p.userId]);
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
    const candidates: Array<{ user_id: string; q: string }> = await this.savedSearchCandidates(kind, item);
    const itemKeys = candidates.some((c) => c.q?.trim()) ? keySet(analyze(item.text)) : new Set<string>();
    const searchUsers = [...new Set(candidates.filter((c) => keywordsMatch(c.q, itemKeys)).map((c) => c.user_id))];
    const savedSearch = await this.insertNotifications(searchUsers, 'saved_search', kind, item, link);

    // 2. organisations whose own published items are among the new item's best matches
    let orgIds: string[];
    if (kind === 'issue') {
      const { items } = await this.matching.forIssue(id, null, MATCH_TOP_N);
      const solIds = items.filter((m) => m.score > 0).map((m) => m.solution.id);
      const rows = [...(await this.solutions.solutions(solIds)).values()].filter((s) => s.status === 'published');
      orgIds = [...new Set(rows.map((r) => r.organizationId))];
    } else {
      const { items } = await this.matching.forSolution(id, null, MATCH_TOP_N);
      const issueIds = items.filter((m) => m.score > 0).map((m) => m.issue.id);
      const rows = [...(await this.issues.issues(issueIds)).values()].filter((i) => i.status === 'published');
      orgIds = [...new Set(rows.map((r) => r.organizationId))];
    }
    orgIds = orgIds.filter((o) => o !== item.organizationId);
    const users = await this.members.usersOfOrganizations(orgIds);
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

  /** Saved searches of the item's kind whose filters (fields, municipalities) admit it, of active users outside its organisation. */
  private async savedSearchCandidates(kind: 'issue' | 'solution', item: PublishedItem): Promise<Array<{ user_id: string; q: string }>> {
    const rows: Array<{ user_id: string; q: string }> = await this.db.query(
      `SELECT s.user_id, s.q FROM saved_searches s
       WHERE s.kind = $1
         AND (cardinality(s.field_slugs) = 0 OR s.field_slugs && $2::text[])
         AND (cardinality(s.municipality_codes) = 0 OR $3::text = ANY(s.municipality_codes))`,
      [kind === 'issue' ? 'issues' : 'solutions', item.fieldSlugs, item.municipalityCode],
    );
    const users = await this.members.users(rows.map((r) => r.user_id));
    return rows.filter((r) => {
      const u = users.get(r.user_id);
      return u?.status === 'active' && u.organizationId !== item.organizationId;
    });
  }

  private async loadPublished(kind: 'issue' | 'solution', id: string): Promise<PublishedItem | null> {
    if (!isUuid(id)) return null;
    const r = kind === 'issue' ? await this.publishedIssue(id) : await this.publishedSolution(id);
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

  /** A published issue's text parts: title, body, tags, its fields' names and its municipality's name. */
  private async publishedIssue(id: string): Promise<PublishedRow | null> {
    const x = await this.issues.publishedWithBody(id);
    if (!x) return null;
    const extra = (await this.members.municipalityNames()).get(x.municipalityCode);
    if (extra === undefined) return null;
    return {
      id: x.id,
      title: x.title,
      text1: x.body,
      text2: '',
      tags: x.tags,
      field_slugs: x.fieldSlugs,
      municipality_code: x.municipalityCode,
      organization_id: x.organizationId,
      extra,
      field_names: await this.fieldNames(x.fieldSlugs),
    };
  }

  /** A published solution's text parts: title, summary, body, tags, its fields' names and its provider's name. */
  private async publishedSolution(id: string): Promise<PublishedRow | null> {
    const x = await this.solutions.publishedWithBody(id);
    const org = x && (await this.members.organization(x.organizationId));
    if (!x || !org) return null;
    return {
      id: x.id,
      title: x.title,
      text1: x.summary,
      text2: x.body,
      tags: x.tags,
      field_slugs: x.fieldSlugs,
      municipality_code: null,
      organization_id: x.organizationId,
      extra: org.name,
      field_names: await this.fieldNames(x.fieldSlugs),
    };
  }

  /** The Japanese and English names of the fields, space-separated. */
  private async fieldNames(slugs: string[]): Promise<string> {
    return (await this.fields.bySlugs(slugs ?? [])).map((f) => `${f.nameJa} ${f.nameEn ?? ''}`).join(' ');
  }

  // ---------------------------------------------------------------- daily digest

  /**
   * One e-mail per user with digests on, listing their unread notifications not yet sent in a digest; those are then
   * marked as digested in the same transaction as the queued mail, so they are never sent twice.
   */
  async sendDigests(now: Date = new Date()): Promise<{ users: number; notifications: number }> {
    return this.db.transaction(async (m) => {
      // the users with something to send who want digests, then their notifications (locked, so sent once)
      const pending: Array<{ user_id: string }> = await m.query(
        `SELECT DISTINCT user_id FROM notifications WHERE read_at IS NULL AND digested_at IS NULL AND created_at <= $1`,
        [now],
      );
      const users = await this.members.users(
        pending.map((r) => r.user_id),
        m,
      );
      const recipients = [...users.values()].filter((u) => u.digestEnabled && u.status === 'active').map((u) => u.id);
      const rows: any[] = recipients.length
        ? (
            await m.query(
              `SELECT n.id, n.user_id, n.kind, n.title, n.link, n.subject_type
               FROM notifications n
               WHERE n.read_at IS NULL AND n.digested_at IS NULL AND n.created_at <= $1 AND n.user_id = ANY($2::uuid[])
               ORDER BY n.user_id, n.created_at, n.id
               FOR UPDATE OF n SKIP LOCKED`,
              [now, recipients],
            )
          ).map((r: any) => ({ ...r, email: users.get(r.user_id)!.email, display_name: users.get(r.user_id)!.displayName }))
        : [];
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
