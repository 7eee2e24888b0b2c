import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { JobsService } from '../../libs/jobs';
import { AppError, fiscalYearRange, formatDate, hashToken, randomToken, t, toPage, type Page } from '../../libs/common';
import { recordTransition, transitionRow } from '../../libs/workflow';
import { AuditService } from '../audit/audit.service';
import { isSecretariat, type Principal } from '../auth/principal';
import { AppConfig } from '../../libs/config/app-config';
import { MailService } from '../mail/mail.service';
import type { CreateEventDto, EventListQuery, PresentationDto, UpdateEventDto } from './dto/event.dto';
import { EVENT_KINDS, EventKind, EventStatus, ForumEvent, PitchCriterion } from './entities/event.entity';
import { eventWorkflow } from './events.state';
import { buildCalendar, IcalEvent } from './ical';
import { toCsv } from '../../libs/common';

export const REMINDER_JOB = 'events.reminders';

export const DEFAULT_PITCH_CRITERIA: PitchCriterion[] = [
  { key: 'novelty', label: '新規性' },
  { key: 'feasibility', label: '実現性' },
  { key: 'contribution', label: '地域課題への貢献' },
];

export type RegistrationState = 'open' | 'notYetOpen' | 'closed' | 'cancelled' | 'draft';

export interface MyRegistrationView {
  id: string;
  status: 'confirmed' | 'waitlisted';
  waitlistPosition?: number;
  checkInCode?: string;
  checkedInAt: Date | null;
  registeredAt: Date;
}

export interface PresentationView {
  id: string;
  order: number;
  municipality: { code: string; name: string };
  title: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
  issues: { id: string; title: string }[];
}

export interface EventView {
  id: string;
  kind: EventKind;
  status: EventStatus;
  title: string;
  description: string;
  startsAt: Date;
  endsAt: Date;
  venue: string | null;
  /** only for confirmed registrants and the secretariat */
  onlineUrl?: string | null;
  online: boolean;
  capacity: number;
  confirmedCount: number;
  waitlistedCount: number;
  seatsLeft: number;
  registrationOpensAt: Date | null;
  registrationClosesAt: Date;
  registrationState: RegistrationState;
  visibility: 'members' | 'public';
  coverImageUrl: string | null;
  cancelReason: string | null;
  presentations: PresentationView[];
  criteria?: PitchCriterion[];
  awardsAnnouncedAt?: Date | null;
  past: boolean;
  myRegistration: MyRegistrationView | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface EventSummary {
  id: string;
  kind: EventKind;
  status: EventStatus;
  title: string;
  startsAt: Date;
  endsAt: Date;
  venue: string | null;
  online: boolean;
  capacity: number;
  confirmedCount: number;
  seatsLeft: number;
  visibility: 'members' | 'public';
  registrationState: RegistrationState;
}

export interface RegistrationRow {
  id: string;
  userId: string;
  name: string;
  email: string;
  organizationName: string | null;
  status: 'confirmed' | 'waitlisted' | 'cancelled';
  waitlistPosition: number | null;
  checkInCode: string;
  checkedInAt: Date | null;
  registeredAt: Date;
  cancelledAt: Date | null;
}

export interface KindFigures {
  held: number;
  registrations: number;
  attended: number;
  attendanceRate: number | null;
  municipalitiesPresenting: number;
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** A check-in code people can read out and type: 8 characters, no 0/O or 1/I. */
export function newCheckInCode(): string {
  const bytes = randomBytes(8);
  let s = '';
  for (const b of bytes) s += CODE_ALPHABET[b % CODE_ALPHABET.length];
  return s;
}
const normCode = (code: string) =>
  String(code ?? '')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');

const EVENT_COLUMNS = `e.*`;

interface EventRow {
  id: string;
  kind: EventKind;
  status: EventStatus;
  title: string;
  description: string;
  starts_at: Date;
  ends_at: Date;
  venue: string | null;
  online_url: string | null;
  capacity: number;
  seats_taken: number;
  registration_opens_at: Date | null;
  registration_closes_at: Date | null;
  visibility: 'members' | 'public';
  cover_image_url: string | null;
  pitch_criteria: PitchCriterion[];
  awards_announced_at: Date | null;
  cancel_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * Events: the secretariat's calendar of Meet-Ups, seminars, workshops and pitch days; registrations
 * with a waitlist whose seats PostgreSQL guards (event row lock + seats_taken ≤ capacity CHECK +
 * one active registration per person), check-in, calendars, reminders and the forum's figures.
 */
@Injectable()
export class EventsService implements OnModuleInit {
  private readonly logger = new Logger(EventsService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly mail: MailService,
    private readonly jobs: JobsService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.jobs.register(
      REMINDER_JOB,
      async () => {
        const n = await this.sendDueReminders(new Date());
        if (n) this.logger.log(`event reminders sent: ${n}`);
      },
      { cron: '*/15 * * * *', retryLimit: 2 },
    );
  }

  // ---------------------------------------------------------------- reading

  /** When registration closes: the given time, else when the event starts. */
  private closesAt(e: EventRow): Date {
    return e.registration_closes_at ?? e.starts_at;
  }

  private registrationState(e: EventRow, now = new Date()): RegistrationState {
    if (e.status === 'cancelled') return 'cancelled';
    if (e.status === 'draft') return 'draft';
    if (e.registration_opens_at && now < e.registration_opens_at) return 'notYetOpen';
    if (now >= this.closesAt(e)) return 'closed';
    return 'open';
  }

  /** The event if the caller may see it: drafts only for the secretariat (404), members-only needs sign-in (401). */
  private async visibleEvent(m: EntityManager, id: string, p: Principal | undefined, lock = false): Promise<EventRow> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError(404, 'notFound');
    const [e] = await m.query(`SELECT ${EVENT_COLUMNS} FROM events e WHERE e.id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!e) throw new AppError(404, 'notFound');
    if (e.status === 'draft' && !isSecretariat(p)) throw new AppError(404, 'notFound');
    if (e.visibility === 'members' && !p) throw new AppError(401, 'unauthorized');
    return e;
  }

  private async counts(m: EntityManager, ids: string[]): Promise<Map<string, { confirmed: number; waitlisted: number }>> {
    const out = new Map<string, { confirmed: number; waitlisted: number }>();
    if (!ids.length) return out;
    const rows = await m.query(
      `SELECT event_id, count(*) FILTER (WHERE status = 'confirmed')::int AS confirmed, count(*) FILTER (WHERE status = 'waitlisted')::int AS waitlisted
         FROM event_registrations WHERE event_id = ANY($1::uuid[]) GROUP BY event_id`,
      [ids],
    );
    for (const r of rows) out.set(r.event_id, { confirmed: r.confirmed, waitlisted: r.waitlisted });
    return out;
  }

  private summary(e: EventRow, c = { confirmed: 0, waitlisted: 0 }): EventSummary {
    return {
      id: e.id,
      kind: e.kind,
      status: e.status,
      title: e.title,
      startsAt: e.starts_at,
      endsAt: e.ends_at,
      venue: e.venue,
      online: !!e.online_url,
      capacity: e.capacity,
      confirmedCount: c.confirmed,
      seatsLeft: Math.max(0, e.capacity - c.confirmed),
      visibility: e.visibility,
      registrationState: this.registrationState(e),
    };
  }

  async list(q: EventListQuery, p: Principal | undefined): Promise<Page<EventSummary>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('$?', `$${params.length}`));
    };
    if (!isSecretariat(p)) where.push(`e.status <> 'draft'`);
    else if (q.status) add(`e.status = $?`, q.status);
    if (!p) where.push(`e.visibility = 'public'`);
    if (q.kind) add(`e.kind = $?`, q.kind);
    if (q.from) add(`e.ends_at >= $?`, new Date(q.from));
    if (q.to) add(`e.starts_at < $?`, new Date(q.to));
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM events e ${w}`, params);
    const rows: EventRow[] = await this.db.query(
      `SELECT ${EVENT_COLUMNS} FROM events e ${w} ORDER BY e.starts_at ASC, e.id LIMIT ${q.perPage} OFFSET ${(q.page - 1) * q.perPage}`,
      params,
    );
    const counts = await this.counts(
      this.db.manager,
      rows.map((r) => r.id),
    );
    return toPage(
      rows.map((r) => this.summary(r, counts.get(r.id))),
      n,
      q,
    );
  }

  /** /events: upcoming (soonest first) and past (latest first), optionally one kind. */
  async listForPage(p: Principal | undefined, kind?: string): Promise<{ upcoming: EventSummary[]; past: EventSummary[] }> {
    const params: unknown[] = [];
    const where: string[] = [`e.status <> 'draft'`];
    if (isSecretariat(p)) where.length = 0;
    if (!p) where.push(`e.visibility = 'public'`);
    if (kind && (EVENT_KINDS as readonly string[]).includes(kind)) {
      params.push(kind);
      where.push(`e.kind = $${params.length}`);
    }
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const upcoming: EventRow[] = await this.db.query(
      `SELECT ${EVENT_COLUMNS} FROM events e ${w}${w ? ' AND' : ' WHERE'} e.ends_at > now() ORDER BY e.starts_at ASC LIMIT 100`,
      params,
    );
    const past: EventRow[] = await this.db.query(
      `SELECT ${EVENT_COLUMNS} FROM events e ${w}${w ? ' AND' : ' WHERE'} e.ends_at <= now() ORDER BY e.starts_at DESC LIMIT 50`,
      params,
    );
    const counts = await this.counts(
      this.db.manager,
      [...upcoming, ...past].map((r) => r.id),
    );
    return { upcoming: upcoming.map((r) => this.summary(r, counts.get(r.id))), past: past.map((r) => this.summary(r, counts.get(r.id))) };
  }

  async get(id: string, p: Principal | undefined): Promise<EventView> {
    const e = await this.visibleEvent(this.db.manager, id, p);
    const c = (await this.counts(this.db.manager, [id])).get(id) ?? { confirmed: 0, waitlisted: 0 };
    const mine = p ? await this.myRegistration(this.db.manager, id, p.userId) : null;
    const showUrl = isSecretariat(p) || mine?.status === 'confirmed';
    return {
      ...this.summary(e, c),
      description: e.description,
      onlineUrl: showUrl ? e.online_url : undefined,
      waitlistedCount: c.waitlisted,
      registrationOpensAt: e.registration_opens_at,
      registrationClosesAt: this.closesAt(e),
      coverImageUrl: e.cover_image_url,
      cancelReason: e.cancel_reason,
      presentations: await this.presentations(this.db.manager, id),
      ...(e.kind === 'pitch' ? { criteria: e.pitch_criteria, awardsAnnouncedAt: e.awards_announced_at } : {}),
      past: e.ends_at.getTime() <= Date.now(),
      myRegistration: mine,
      createdAt: e.created_at,
      updatedAt: e.updated_at,
    };
  }

  private async myRegistration(m: EntityManager, eventId: string, userId: string): Promise<MyRegistrationView | null> {
    const [r] = await m.query(
      `SELECT r.id, r.status, r.check_in_code, r.checked_in_at, r.created_at,
              CASE WHEN r.status = 'waitlisted' THEN (SELECT count(*)::int FROM event_registrations w WHERE w.event_id = r.event_id AND w.status = 'waitlisted' AND w.seq <= r.seq) END AS position
         FROM event_registrations r WHERE r.event_id = $1 AND r.user_id = $2 AND r.status IN ('confirmed', 'waitlisted')`,
      [eventId, userId],
    );
    if (!r) return null;
    return {
      id: r.id,
      status: r.status,
      ...(r.status === 'waitlisted' ? { waitlistPosition: r.position } : { checkInCode: r.check_in_code }),
      checkedInAt: r.checked_in_at,
      registeredAt: r.created_at,
    };
  }

  private async presentations(m: EntityManager, eventId: string): Promise<PresentationView[]> {
    const rows = await m.query(
      `SELECT p.id, p.sort_order, p.municipality_code, mu.name AS municipality_name, p.title, p.starts_at, p.ends_at,
              COALESCE((SELECT json_agg(json_build_object('id', i.id, 'title', i.title) ORDER BY pi.sort_order)
                          FROM event_presentation_issues pi JOIN issues i ON i.id = pi.issue_id
                         WHERE pi.presentation_id = p.id AND i.status <> 'draft'), '[]') AS issues
         FROM event_presentations p JOIN municipalities mu ON mu.code = p.municipality_code
        WHERE p.event_id = $1 ORDER BY p.sort_order, p.starts_at NULLS LAST, p.created_at`,
      [eventId],
    );
    return rows.map((r: any) => ({
      id: r.id,
      order: r.sort_order,
      municipality: { code: r.municipality_code, name: r.municipality_name },
      title: r.title,
      startsAt: r.starts_at,
      endsAt: r.ends_at,
      issues: r.issues,
    }));
  }

  /** "Presented at …" for the issue page: the published/cancelled-not events where this issue was presented. */
  async presentationsForIssue(
    issueId: string,
  ): Promise<
    { eventId: string; title: string; kind: EventKind; startsAt: Date; endsAt: Date; municipality: { code: string; name: string } }[]
  > {
    const rows = await this.db.query(
      `SELECT e.id, e.title, e.kind, e.starts_at, e.ends_at, p.municipality_code, mu.name
         FROM event_presentation_issues pi
         JOIN event_presentations p ON p.id = pi.presentation_id
         JOIN events e ON e.id = p.event_id
         JOIN municipalities mu ON mu.code = p.municipality_code
        WHERE pi.issue_id = $1 AND e.status = 'published'
        ORDER BY e.starts_at DESC`,
      [issueId],
    );
    return rows.map((r: any) => ({
      eventId: r.id,
      title: r.title,
      kind: r.kind,
      startsAt: r.starts_at,
      endsAt: r.ends_at,
      municipality: { code: r.municipality_code, name: r.name },
    }));
  }

  /** Announced awards of a solution (for the solution page and, later, subsidy applications). */
  async awardsForSolution(
    solutionId: string,
  ): Promise<{ applicationId: string; award: string; eventId: string; eventTitle: string; startsAt: Date; announcedAt: Date }[]> {
    const rows = await this.db.query(
      `SELECT a.id, a.award, e.id AS event_id, e.title, e.starts_at, e.awards_announced_at
         FROM pitch_applications a JOIN events e ON e.id = a.event_id
        WHERE a.solution_id = $1 AND a.award IS NOT NULL AND e.awards_announced_at IS NOT NULL AND e.status = 'published'
        ORDER BY e.starts_at DESC`,
      [solutionId],
    );
    return rows.map((r: any) => ({
      applicationId: r.id,
      award: r.award,
      eventId: r.event_id,
      eventTitle: r.title,
      startsAt: r.starts_at,
      announcedAt: r.awards_announced_at,
    }));
  }

  /** "My events" on the member home: active registrations for events not yet over. */
  async myEvents(userId: string): Promise<
    {
      eventId: string;
      title: string;
      kind: EventKind;
      startsAt: Date;
      endsAt: Date;
      status: 'confirmed' | 'waitlisted';
      waitlistPosition: number | null;
      eventCancelled: boolean;
    }[]
  > {
    const rows = await this.db.query(
      `SELECT e.id, e.title, e.kind, e.starts_at, e.ends_at, e.status AS event_status, r.status,
              CASE WHEN r.status = 'waitlisted' THEN (SELECT count(*)::int FROM event_registrations w WHERE w.event_id = r.event_id AND w.status = 'waitlisted' AND w.seq <= r.seq) END AS position
         FROM event_registrations r JOIN events e ON e.id = r.event_id
        WHERE r.user_id = $1 AND r.status IN ('confirmed', 'waitlisted') AND e.ends_at > now() AND e.status <> 'draft'
        ORDER BY e.starts_at ASC LIMIT 20`,
      [userId],
    );
    return rows.map((r: any) => ({
      eventId: r.id,
      title: r.title,
      kind: r.kind,
      startsAt: r.starts_at,
      endsAt: r.ends_at,
      status: r.status,
      waitlistPosition: r.position ?? null,
      eventCancelled: r.event_status === 'cancelled',
    }));
  }

  // ---------------------------------------------------------------- writing (secretariat)

  private parseDates(
    dto: { startsAt?: string; endsAt?: string; registrationOpensAt?: string | null; registrationClosesAt?: string | null },
    current?: EventRow,
  ) {
    const d = (v: string | null | undefined, fallback: Date | null) => (v === undefined ? fallback : v === null ? null : new Date(v));
    const startsAt = d(dto.startsAt, current?.starts_at ?? null)!;
    const endsAt = d(dto.endsAt, current?.ends_at ?? null)!;
    const opensAt = d(dto.registrationOpensAt, current?.registration_opens_at ?? null);
    const closesAt = d(dto.registrationClosesAt, current?.registration_closes_at ?? null);
    if (endsAt.getTime() <= startsAt.getTime()) throw new AppError(400, 'events.endBeforeStart', {}, { endsAt: ['events.endBeforeStart'] });
    if (opensAt && closesAt && opensAt.getTime() >= closesAt.getTime())
      throw new AppError(400, 'events.closeBeforeOpen', {}, { registrationClosesAt: ['events.closeBeforeOpen'] });
    return { startsAt, endsAt, opensAt, closesAt };
  }

  /** Issue ids → published issues with their municipality (400 if one is unknown or not published). */
  private async publishedIssues(m: EntityManager, ids: string[]): Promise<Map<string, { id: string; municipalityCode: string }>> {
    const unique = [...new Set(ids)];
    const out = new Map<string, { id: string; municipalityCode: string }>();
    if (!unique.length) return out;
    const rows = await m.query(`SELECT id, municipality_code FROM issues WHERE id = ANY($1::uuid[]) AND status = 'published'`, [unique]);
    for (const r of rows) out.set(r.id, { id: r.id, municipalityCode: r.municipality_code });
    if (out.size !== unique.length) throw new AppError(400, 'events.unknownIssues', {}, { issueIds: ['events.unknownIssues'] });
    return out;
  }

  /** Replaces the Meet-Up programme. Top-level issueIds become one presentation per municipality. */
  private async writeProgramme(
    m: EntityManager,
    eventId: string,
    presentations: PresentationDto[] | undefined,
    issueIds: string[] | undefined,
  ): Promise<void> {
    const items: PresentationDto[] = [...(presentations ?? [])];
    if (issueIds?.length) {
      const issues = await this.publishedIssues(m, issueIds);
      for (const id of issueIds) {
        const code = issues.get(id)!.municipalityCode;
        let p = items.find((x) => x.municipalityCode === code);
        if (!p) items.push((p = { municipalityCode: code, issueIds: [] }));
        if (!p.issueIds!.includes(id)) p.issueIds = [...(p.issueIds ?? []), id];
      }
    }
    await m.query(`DELETE FROM event_presentations WHERE event_id = $1`, [eventId]);
    let order = 0;
    for (const p of items) await this.insertPresentation(m, eventId, p, (order += 10));
  }

  private async insertPresentation(m: EntityManager, eventId: string, p: PresentationDto, defaultOrder: number): Promise<string> {
    const [muni] = await m.query(`SELECT code FROM municipalities WHERE code = $1`, [p.municipalityCode]);
    if (!muni)
      throw new AppError(
        400,
        'events.unknownMunicipality',
        { code: p.municipalityCode },
        { municipalityCode: ['events.unknownMunicipality'] },
      );
    const issues = await this.publishedIssues(m, p.issueIds ?? []);
    for (const i of issues.values())
      if (i.municipalityCode !== p.municipalityCode)
        throw new AppError(400, 'events.issueOfOtherMunicipality', {}, { issueIds: ['events.issueOfOtherMunicipality'] });
    const startsAt = p.startsAt ? new Date(p.startsAt) : null;
    const endsAt = p.endsAt ? new Date(p.endsAt) : null;
    if (startsAt && endsAt && endsAt <= startsAt)
      throw new AppError(400, 'events.endBeforeStart', {}, { slotEnd: ['events.endBeforeStart'] });
    const [row] = await m.query(
      `INSERT INTO event_presentations (event_id, municipality_code, title, sort_order, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [eventId, p.municipalityCode, p.title?.trim() || null, p.order ?? defaultOrder, startsAt, endsAt],
    );
    let i = 0;
    for (const issueId of [...new Set(p.issueIds ?? [])])
      await m.query(`INSERT INTO event_presentation_issues (presentation_id, issue_id, sort_order) VALUES ($1, $2, $3)`, [
        row.id,
        issueId,
        i++,
      ]);
    return row.id;
  }

  async create(dto: CreateEventDto, actor: Principal, ip?: string): Promise<EventView> {
    const { startsAt, endsAt, opensAt, closesAt } = this.parseDates(dto);
    const status: EventStatus = dto.status === 'draft' ? 'draft' : 'published';
    const id = await this.db.transaction(async (m) => {
      const e = await m.save(
        m.create(ForumEvent, {
          kind: dto.kind as EventKind,
          status,
          title: dto.title.trim(),
          description: dto.description ?? '',
          startsAt,
          endsAt,
          venue: dto.venue?.trim() || null,
          onlineUrl: dto.onlineUrl || null,
          capacity: dto.capacity,
          registrationOpensAt: opensAt,
          registrationClosesAt: closesAt,
          visibility: (dto.visibility as 'members' | 'public') ?? 'members',
          coverImageUrl: dto.coverImageUrl || null,
          pitchCriteria:
            dto.kind === 'pitch'
              ? dto.criteria?.length
                ? dto.criteria.map((c) => ({ key: c.key, label: c.label }))
                : DEFAULT_PITCH_CRITERIA
              : [],
          createdBy: actor.userId,
        }),
      );
      if (dto.presentations?.length || dto.issueIds?.length) await this.writeProgramme(m, e.id, dto.presentations, dto.issueIds);
      await recordTransition(m, eventWorkflow, { subjectId: e.id, from: null, to: status, actorId: actor.userId });
      await this.audit.record(
        {
          actorId: actor.userId,
          action: 'event.create',
          subjectType: 'event',
          subjectId: e.id,
          ip,
          data: { title: e.title, kind: e.kind },
        },
        m,
      );
      return e.id;
    });
    return this.get(id, actor);
  }

  async update(id: string, dto: UpdateEventDto, actor: Principal): Promise<EventView> {
    const promoted = await this.db.transaction(async (m) => {
      const e = await this.visibleEvent(m, id, actor, true);
      if (e.status === 'cancelled') throw new AppError(409, 'events.cancelled');
      const { startsAt, endsAt, opensAt, closesAt } = this.parseDates(dto, e);
      const capacity = dto.capacity ?? e.capacity;
      if (capacity < e.seats_taken)
        throw new AppError(
          409,
          'events.capacityBelowConfirmed',
          { confirmed: e.seats_taken },
          { capacity: ['events.capacityBelowConfirmed'] },
        );
      const kind = (dto.kind as EventKind) ?? e.kind;
      const criteria = dto.criteria?.length
        ? dto.criteria.map((c) => ({ key: c.key, label: c.label }))
        : kind === 'pitch' && !e.pitch_criteria.length
          ? DEFAULT_PITCH_CRITERIA
          : e.pitch_criteria;
      await m.update(
        ForumEvent,
        { id },
        {
          title: dto.title?.trim() ?? e.title,
          kind,
          description: dto.description ?? e.description,
          startsAt,
          endsAt,
          venue: dto.venue === undefined ? e.venue : dto.venue?.trim() || null,
          onlineUrl: dto.onlineUrl === undefined ? e.online_url : dto.onlineUrl || null,
          capacity,
          registrationOpensAt: opensAt,
          registrationClosesAt: closesAt,
          visibility: (dto.visibility as 'members' | 'public') ?? e.visibility,
          coverImageUrl: dto.coverImageUrl === undefined ? e.cover_image_url : dto.coverImageUrl || null,
          pitchCriteria: criteria,
        },
      );
      if (dto.presentations !== undefined || dto.issueIds !== undefined) await this.writeProgramme(m, id, dto.presentations, dto.issueIds);
      return capacity > e.capacity ? this.promoteWaitlisted(m, { ...e, capacity, ends_at: endsAt }) : 0;
    });
    if (promoted) this.logger.log(`event ${id}: ${promoted} promoted after a capacity change`);
    return this.get(id, actor);
  }

  async publish(id: string, actor: Principal): Promise<EventView> {
    await this.db.transaction(async (m) => {
      const e = await this.visibleEvent(m, id, actor, true);
      await transitionRow(
        m,
        eventWorkflow,
        { table: 'events', id, set: { updated_at: new Date() } },
        { from: e.status, to: 'published', actorId: actor.userId },
      );
    });
    return this.get(id, actor);
  }

  /** Cancels the event; every registrant (confirmed or waitlisted) is told by e-mail. */
  async cancel(id: string, reason: string, actor: Principal, ip?: string): Promise<EventView> {
    await this.db.transaction(async (m) => {
      const e = await this.visibleEvent(m, id, actor, true);
      await transitionRow(
        m,
        eventWorkflow,
        { table: 'events', id, set: { cancel_reason: reason, updated_at: new Date() } },
        { from: e.status, to: 'cancelled', actorId: actor.userId, comment: reason },
      );
      const people = await m.query(
        `SELECT u.email, u.display_name FROM event_registrations r JOIN users u ON u.id = r.user_id WHERE r.event_id = $1 AND r.status IN ('confirmed', 'waitlisted')`,
        [id],
      );
      for (const u of people)
        await this.mail.send(
          { to: u.email, template: 'eventCancelled', params: { name: u.display_name, ...this.mailParams(e), reason } },
          m,
        );
      await this.audit.record(
        {
          actorId: actor.userId,
          action: 'event.cancel',
          subjectType: 'event',
          subjectId: id,
          ip,
          data: { reason, notified: people.length },
        },
        m,
      );
    });
    return this.get(id, actor);
  }

  // ---------------------------------------------------------------- Meet-Up programme (pages)

  async addPresentation(eventId: string, p: PresentationDto, actor: Principal): Promise<void> {
    await this.db.transaction(async (m) => {
      const e = await this.visibleEvent(m, eventId, actor, true);
      if (e.status === 'cancelled') throw new AppError(409, 'events.cancelled');
      const [{ max }] = await m.query(`SELECT COALESCE(max(sort_order), 0)::int AS max FROM event_presentations WHERE event_id = $1`, [
        eventId,
      ]);
      await this.insertPresentation(m, eventId, p, max + 10);
    });
  }

  async removePresentation(eventId: string, presentationId: string, actor: Principal): Promise<void> {
    await this.visibleEvent(this.db.manager, eventId, actor);
    const [, n] = await this.db.query(`DELETE FROM event_presentations WHERE id = $1 AND event_id = $2`, [presentationId, eventId]);
    if (!n) throw new AppError(404, 'notFound');
  }

  /** Published issues a Meet-Up may present (for the programme form). */
  async publishedIssuesFor(codes: string[]): Promise<{ id: string; title: string; municipalityCode: string }[]> {
    const rows = await this.db.query(
      `SELECT id, title, municipality_code FROM issues WHERE status = 'published' ${codes.length ? 'AND municipality_code = ANY($1)' : ''} ORDER BY published_at DESC LIMIT 200`,
      codes.length ? [codes] : [],
    );
    return rows.map((r: any) => ({ id: r.id, title: r.title, municipalityCode: r.municipality_code }));
  }

  async municipalities(): Promise<{ code: string; name: string }[]> {
    return this.db.query(`SELECT code, name FROM municipalities ORDER BY code`);
  }

  // ---------------------------------------------------------------- registration

  private mailParams(e: EventRow) {
    return { title: e.title, date: formatDate(e.starts_at, 'ja'), venue: e.venue ?? t('ja', 'events.online'), link: `/events/${e.id}` };
  }

  /**
   * Registers the caller (or, for an org admin, a colleague; for the secretariat, anyone). The event row is
   * locked for the whole decision; a seat is taken with a conditional update that the CHECK constraint
   * (seats_taken ≤ capacity) backs up; the partial unique index keeps one active registration per person.
   * Registering again returns the existing registration (created: false).
   */
  async register(
    eventId: string,
    p: Principal,
    targetUserId?: string,
  ): Promise<{ id: string; status: 'confirmed' | 'waitlisted'; waitlistPosition?: number; created: boolean }> {
    const target = await this.targetUser(p, targetUserId);
    return this.db.transaction(async (m) => {
      const e = await this.visibleEvent(m, eventId, p, true);
      if (e.status === 'cancelled') throw new AppError(409, 'events.cancelled');
      if (e.status === 'draft') throw new AppError(409, 'events.notPublished');
      const existing = await this.myRegistration(m, eventId, target.id);
      if (existing)
        return {
          id: existing.id,
          status: existing.status,
          ...(existing.waitlistPosition ? { waitlistPosition: existing.waitlistPosition } : {}),
          created: false,
        };
      if (!isSecretariat(p)) {
        const state = this.registrationState(e);
        if (state === 'notYetOpen')
          throw new AppError(409, 'events.registrationNotOpen', { date: formatDate(e.registration_opens_at, p ? 'ja' : 'ja') });
        if (state === 'closed') throw new AppError(409, 'events.registrationClosed');
      }
      const [, seated] = await m.query(`UPDATE events SET seats_taken = seats_taken + 1 WHERE id = $1 AND seats_taken < capacity`, [
        eventId,
      ]);
      const status = seated === 1 ? 'confirmed' : 'waitlisted';
      const [row] = await m.query(
        `INSERT INTO event_registrations (event_id, user_id, organization_id, registered_by, status, check_in_code) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [eventId, target.id, target.organizationId, p.userId, status, newCheckInCode()],
      );
      const mine = (await this.myRegistration(m, eventId, target.id))!;
      await this.mail.send(
        {
          to: target.email,
          template: status === 'confirmed' ? 'eventRegistered' : 'eventWaitlisted',
          params: { name: target.displayName, ...this.mailParams(e), position: mine.waitlistPosition ?? '', code: mine.checkInCode ?? '' },
        },
        m,
      );
      return { id: row.id, status, ...(status === 'waitlisted' ? { waitlistPosition: mine.waitlistPosition } : {}), created: true };
    });
  }

  private async targetUser(
    p: Principal,
    userId?: string,
  ): Promise<{ id: string; email: string; displayName: string; organizationId: string | null }> {
    const id = userId ?? p.userId;
    const [u] = await this.db.query(`SELECT id, email, display_name, organization_id, status FROM users WHERE id = $1`, [id]);
    if (!u || u.status !== 'active') throw new AppError(404, 'notFound');
    if (id !== p.userId && !isSecretariat(p)) {
      if (!p.roles.includes('org_admin')) throw new AppError(403, 'events.onlyOrgAdminRegistersOthers');
      if (!p.organizationId || u.organization_id !== p.organizationId) throw new AppError(404, 'notFound');
    }
    return { id: u.id, email: u.email, displayName: u.display_name, organizationId: u.organization_id };
  }

  /** Cancels the caller's (or a colleague's) registration; a freed seat goes to the first waitlisted person. */
  async cancelRegistration(
    eventId: string,
    p: Principal,
    targetUserId?: string,
  ): Promise<{ id: string; status: 'cancelled'; promoted: number }> {
    const target = await this.targetUser(p, targetUserId);
    return this.db.transaction(async (m) => {
      const e = await this.visibleEvent(m, eventId, p, true);
      const [reg] = await m.query(
        `SELECT id, status FROM event_registrations WHERE event_id = $1 AND user_id = $2 AND status IN ('confirmed', 'waitlisted') FOR UPDATE`,
        [eventId, target.id],
      );
      if (!reg) throw new AppError(404, 'events.notRegistered');
      await m.query(`UPDATE event_registrations SET status = 'cancelled', cancelled_at = now(), updated_at = now() WHERE id = $1`, [
        reg.id,
      ]);
      let promoted = 0;
      if (reg.status === 'confirmed') {
        await m.query(`UPDATE events SET seats_taken = seats_taken - 1 WHERE id = $1`, [eventId]);
        promoted = await this.promoteWaitlisted(m, { ...e, seats_taken: e.seats_taken - 1 });
      }
      return { id: reg.id, status: 'cancelled' as const, promoted };
    });
  }

  /** Fills free seats from the waitlist, first come first served, and tells each person promoted. Caller holds the event lock. */
  private async promoteWaitlisted(m: EntityManager, e: EventRow): Promise<number> {
    if (e.status !== 'published' || e.ends_at.getTime() <= Date.now()) return 0;
    // UPDATE … RETURNING answers [rows, count] through TypeORM
    const [rows] = await m.query(
      `WITH free AS (SELECT capacity - seats_taken AS n FROM events WHERE id = $1),
            next AS (SELECT id FROM event_registrations WHERE event_id = $1 AND status = 'waitlisted' ORDER BY seq LIMIT (SELECT GREATEST(n, 0) FROM free) FOR UPDATE)
       UPDATE event_registrations r SET status = 'confirmed', promoted_at = now(), updated_at = now()
         FROM next, users u WHERE r.id = next.id AND u.id = r.user_id
       RETURNING r.id, r.check_in_code, u.email, u.display_name`,
      [e.id],
    );
    if (!rows.length) return 0;
    await m.query(`UPDATE events SET seats_taken = seats_taken + $2 WHERE id = $1`, [e.id, rows.length]);
    for (const r of rows)
      await this.mail.send(
        { to: r.email, template: 'eventPromoted', params: { name: r.display_name, ...this.mailParams(e), code: r.check_in_code } },
        m,
      );
    return rows.length;
  }

  // ---------------------------------------------------------------- secretariat: registrations, check-in

  async registrations(
    eventId: string,
    actor: Principal,
  ): Promise<{ event: EventSummary; items: RegistrationRow[]; confirmed: number; waitlisted: number; attended: number }> {
    const e = await this.visibleEvent(this.db.manager, eventId, actor);
    const rows = await this.db.query(
      `SELECT r.id, r.user_id, u.display_name, u.email, o.name AS org_name, r.status, r.check_in_code, r.checked_in_at, r.created_at, r.cancelled_at,
              CASE WHEN r.status = 'waitlisted' THEN row_number() OVER (PARTITION BY r.status ORDER BY r.seq) END AS position
         FROM event_registrations r JOIN users u ON u.id = r.user_id LEFT JOIN organizations o ON o.id = r.organization_id
        WHERE r.event_id = $1
        ORDER BY CASE r.status WHEN 'confirmed' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END, r.seq`,
      [eventId],
    );
    const items: RegistrationRow[] = rows.map((r: any) => ({
      id: r.id,
      userId: r.user_id,
      name: r.display_name,
      email: r.email,
      organizationName: r.org_name,
      status: r.status,
      waitlistPosition: r.position === null || r.position === undefined ? null : Number(r.position),
      checkInCode: r.check_in_code,
      checkedInAt: r.checked_in_at,
      registeredAt: r.created_at,
      cancelledAt: r.cancelled_at,
    }));
    const c = (await this.counts(this.db.manager, [eventId])).get(eventId) ?? { confirmed: 0, waitlisted: 0 };
    return {
      event: this.summary(e, c),
      items,
      confirmed: c.confirmed,
      waitlisted: c.waitlisted,
      attended: items.filter((i) => i.checkedInAt).length,
    };
  }

  /** The registrations as CSV for Excel (UTF-8 with BOM); the export is audited. */
  async registrationsCsv(eventId: string, actor: Principal, lang = 'ja', ip?: string): Promise<{ filename: string; body: string }> {
    const { event, items } = await this.registrations(eventId, actor);
    const h = (k: string) => t(lang, `events.csv.${k}`);
    const body = toCsv(
      [h('name'), h('email'), h('organization'), h('status'), h('waitlistPosition'), h('registeredAt'), h('checkedInAt'), h('code')],
      items.map((r) => [
        r.name,
        r.email,
        r.organizationName,
        t(lang, `events.registrationStatus.${r.status}`),
        r.waitlistPosition,
        formatDate(r.registeredAt, lang),
        r.checkedInAt ? formatDate(r.checkedInAt, lang) : '',
        r.checkInCode,
      ]),
    );
    await this.audit.record({
      actorId: actor.userId,
      action: 'event.registrations.export',
      subjectType: 'event',
      subjectId: eventId,
      ip,
      data: { rows: items.length },
    });
    return { filename: `event-${event.id}-registrations.csv`, body };
  }

  /** Records attendance by check-in code, once: a second check-in answers 409 "already checked in". */
  async checkIn(
    eventId: string,
    code: string,
    actor: Principal,
  ): Promise<{ registrationId: string; name: string; organizationName: string | null; checkedInAt: Date }> {
    await this.visibleEvent(this.db.manager, eventId, actor);
    const c = normCode(code);
    return this.db.transaction(async (m) => {
      const [r] = await m.query(
        `SELECT r.id, r.status, r.checked_in_at, u.display_name, o.name AS org_name FROM event_registrations r JOIN users u ON u.id = r.user_id
           LEFT JOIN organizations o ON o.id = r.organization_id WHERE r.event_id = $1 AND r.check_in_code = $2 FOR UPDATE OF r`,
        [eventId, c],
      );
      if (!r) throw new AppError(404, 'events.unknownCode', { code: c }, { code: ['events.unknownCode'] });
      if (r.status !== 'confirmed') throw new AppError(409, 'events.notConfirmed', { name: r.display_name });
      if (r.checked_in_at)
        throw new AppError(409, 'events.alreadyCheckedIn', { name: r.display_name, time: formatDate(r.checked_in_at, 'ja') });
      const [[u]] = await m.query(
        `UPDATE event_registrations SET checked_in_at = now(), checked_in_by = $2, updated_at = now() WHERE id = $1 RETURNING checked_in_at`,
        [r.id, actor.userId],
      );
      return { registrationId: r.id, name: r.display_name, organizationName: r.org_name, checkedInAt: u.checked_in_at };
    });
  }

  // ---------------------------------------------------------------- calendars

  private icalOf(e: EventRow, withOnlineUrl: boolean): IcalEvent {
    const link = `${this.config.baseUrl}/events/${e.id}`;
    const parts = [e.description];
    if (withOnlineUrl && e.online_url) parts.push(`${t('ja', 'events.onlineUrl')}: ${e.online_url}`);
    parts.push(link);
    return {
      uid: `event-${e.id}@kyoso`,
      title: e.title,
      description: parts.filter(Boolean).join('\n\n'),
      startsAt: e.starts_at,
      endsAt: e.ends_at,
      location: e.venue ?? (e.online_url ? t('ja', 'events.online') : null),
      url: link,
      status: e.status === 'cancelled' ? 'CANCELLED' : 'CONFIRMED',
      updatedAt: e.updated_at,
    };
  }

  async eventIcs(id: string, p: Principal | undefined): Promise<string> {
    const e = await this.visibleEvent(this.db.manager, id, p);
    const mine = p ? await this.myRegistration(this.db.manager, id, p.userId) : null;
    return buildCalendar([this.icalOf(e, mine?.status === 'confirmed')]);
  }

  /** A new secret feed URL (the previous one stops working). Only the token's hash is stored. */
  async createFeed(userId: string): Promise<{ url: string }> {
    const token = randomToken(24);
    await this.db.query(
      `INSERT INTO calendar_feeds (user_id, token_hash) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = now()`,
      [userId, hashToken(token)],
    );
    return { url: `${this.config.baseUrl}/events/feed/${token}.ics` };
  }

  async hasFeed(userId: string): Promise<boolean> {
    const [r] = await this.db.query(`SELECT 1 FROM calendar_feeds WHERE user_id = $1`, [userId]);
    return !!r;
  }

  async feedIcs(token: string): Promise<string> {
    const [f] = await this.db.query(
      `SELECT f.user_id FROM calendar_feeds f JOIN users u ON u.id = f.user_id WHERE f.token_hash = $1 AND u.status = 'active'`,
      [hashToken(String(token))],
    );
    if (!f) throw new AppError(404, 'notFound');
    const rows: (EventRow & { reg_status: string })[] = await this.db.query(
      `SELECT e.*, r.status AS reg_status FROM event_registrations r JOIN events e ON e.id = r.event_id
        WHERE r.user_id = $1 AND r.status IN ('confirmed', 'waitlisted') AND e.status <> 'draft' AND e.ends_at > now() - interval '180 days'
        ORDER BY e.starts_at`,
      [f.user_id],
    );
    return buildCalendar(
      rows.map((e) => this.icalOf(e, e.reg_status === 'confirmed')),
      { name: t('ja', 'events.feedName') },
    );
  }

  // ---------------------------------------------------------------- reminders

  /**
   * The reminder job body: confirmed registrants of events starting within 24 hours who have not been
   * reminded are marked and mailed in one transaction — running it twice (or on two instances) sends nothing twice.
   */
  async sendDueReminders(now: Date = new Date()): Promise<number> {
    return this.db.transaction(async (m) => {
      const [rows] = await m.query(
        `UPDATE event_registrations r SET reminder_sent_at = $1, updated_at = now()
           FROM events e, users u
          WHERE e.id = r.event_id AND u.id = r.user_id AND r.status = 'confirmed' AND r.reminder_sent_at IS NULL
            AND e.status = 'published' AND e.starts_at > $1 AND e.starts_at <= $1::timestamptz + interval '24 hours'
        RETURNING r.id, r.check_in_code, u.email, u.display_name, e.id AS event_id, e.title, e.starts_at, e.venue`,
        [now],
      );
      for (const r of rows)
        await this.mail.send(
          {
            to: r.email,
            template: 'eventReminder',
            params: {
              name: r.display_name,
              title: r.title,
              date: formatDate(r.starts_at, 'ja'),
              venue: r.venue ?? t('ja', 'events.online'),
              link: `/events/${r.event_id}`,
              code: r.check_in_code,
            },
          },
          m,
        );
      return rows.length;
    });
  }

  // ---------------------------------------------------------------- figures

  /**
   * The forum's event figures per kind (Japanese fiscal year, or all time): events held (ended, not
   * cancelled), confirmed registrations, attendance (checked in), and distinct municipalities presenting.
   */
  async figures(fiscalYear?: number): Promise<{ byKind: Record<EventKind, KindFigures> }> {
    const params: unknown[] = [];
    let range = '';
    if (fiscalYear !== undefined) {
      const [from, to] = fiscalYearRange(fiscalYear);
      params.push(from, to);
      range = `AND e.starts_at >= $1 AND e.starts_at < $2`;
    }
    const rows = await this.db.query(
      `WITH held AS (SELECT e.id, e.kind FROM events e WHERE e.status = 'published' AND e.ends_at <= now() ${range})
       SELECT h.kind,
              count(DISTINCT h.id)::int AS held,
              (SELECT count(*)::int FROM event_registrations r JOIN held h2 ON h2.id = r.event_id WHERE h2.kind = h.kind AND r.status = 'confirmed') AS registrations,
              (SELECT count(*)::int FROM event_registrations r JOIN held h2 ON h2.id = r.event_id WHERE h2.kind = h.kind AND r.checked_in_at IS NOT NULL) AS attended,
              (SELECT count(DISTINCT p.municipality_code)::int FROM event_presentations p JOIN held h2 ON h2.id = p.event_id WHERE h2.kind = h.kind) AS municipalities
         FROM held h GROUP BY h.kind`,
      params,
    );
    const byKind = {} as Record<EventKind, KindFigures>;
    for (const k of EVENT_KINDS) byKind[k] = { held: 0, registrations: 0, attended: 0, attendanceRate: null, municipalitiesPresenting: 0 };
    for (const r of rows) {
      byKind[r.kind as EventKind] = {
        held: r.held,
        registrations: r.registrations,
        attended: r.attended,
        attendanceRate: r.registrations ? Math.round((r.attended / r.registrations) * 1000) / 1000 : null,
        municipalitiesPresenting: r.municipalities,
      };
    }
    return { byKind };
  }
}
