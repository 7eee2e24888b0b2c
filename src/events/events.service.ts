import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError, toPage, type Page } from '../../libs/common';
import { recordTransition, transitionEntity } from '../../libs/workflow';
import { AuditService } from '../audit/audit.service';
import { isSecretariat, type Principal } from '../auth/principal';
import { MailService } from '../mail/mail.service';
import type { CreateEventDto, EventListQuery, UpdateEventDto } from './dto/event.dto';
import type { QuestionDto } from './dto/guest.dto';
import { EVENT_KINDS, EventKind, ForumEvent, type QuestionType, type RegistrationQuestion } from './entities/event.entity';
import { EventFiguresService } from './event-figures.service';
import { EventRecords } from './event-records';
import { EventSeats } from './event-seats';
import { checkInQr } from './check-in-qr';
import {
  DEFAULT_PITCH_CRITERIA,
  type ActiveRegistrationStatus,
  type EventRow,
  type EventSummary,
  type EventView,
  type KindFigures,
} from './events.model';
import { eventWorkflow, type EventStatus } from './events.state';
import { ProgrammesService } from './programmes.service';
import { RegistrationsService } from './registrations.service';

/**
 * Events: the secretariat's calendar of Meet-Ups, seminars, workshops and pitch days — listing, the detail view
 * (with the workflow actions the caller may take), create, edit, publish and cancel. Also the module's face for
 * other modules: a member's upcoming events, where an issue was presented, a solution's awards, the figures.
 */
/** A registration question as stored: choices only for choice questions. */
const questionOf = (q: QuestionDto): RegistrationQuestion => {
  const type = q.type as QuestionType;
  if (type !== 'text' && !q.options?.length)
    throw new AppError(400, 'events.questionNeedsOptions', {}, { questions: ['events.questionNeedsOptions'] });
  return { key: q.key, label: q.label.trim(), type, required: !!q.required, ...(type === 'text' ? {} : { options: q.options }) };
};

@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly records: EventRecords,
    private readonly programmes: ProgrammesService,
    private readonly registrationsService: RegistrationsService,
    private readonly figuresService: EventFiguresService,
    private readonly seats: EventSeats,
    private readonly mail: MailService,
    private readonly audit: AuditService,
  ) {}

  // ---------------------------------------------------------------- reading

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
      `SELECT e.* FROM events e ${w} ORDER BY e.starts_at ASC, e.id LIMIT ${q.perPage} OFFSET ${(q.page - 1) * q.perPage}`,
      params,
    );
    return toPage(await this.records.summaries(rows), n, q);
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
      `SELECT e.* FROM events e ${w}${w ? ' AND' : ' WHERE'} e.ends_at > now() ORDER BY e.starts_at ASC LIMIT 100`,
      params,
    );
    const past: EventRow[] = await this.db.query(
      `SELECT e.* FROM events e ${w}${w ? ' AND' : ' WHERE'} e.ends_at <= now() ORDER BY e.starts_at DESC LIMIT 50`,
      params,
    );
    const all = await this.records.summaries([...upcoming, ...past]);
    return { upcoming: all.slice(0, upcoming.length), past: all.slice(upcoming.length) };
  }

  async get(id: string, p: Principal | undefined): Promise<EventView> {
    const e = await this.records.visibleEvent(this.db.manager, id, p);
    const c = await this.records.countsOf(id);
    const mine = p ? await this.records.myRegistration(this.db.manager, id, p.userId, p) : null;
    const categories = await this.seats.categories(id);
    const myCategory = categories.find((x) => x.id === mine?.categoryId);
    // the online URL only for the secretariat and confirmed registrants of a category that needs it
    const showUrl = isSecretariat(p) || (mine?.status === 'confirmed' && (!myCategory || myCategory.online));
    if (mine?.checkInCode) mine.checkInQr = await checkInQr(mine.checkInCode);
    return {
      ...this.records.summary(e, c),
      description: e.description,
      onlineUrl: showUrl ? e.online_url : undefined,
      waitlistedCount: c.waitlisted,
      registrationOpensAt: e.registration_opens_at,
      registrationClosesAt: this.records.closesAt(e),
      coverImageUrl: e.cover_image_url,
      cancelReason: e.cancel_reason,
      presentations: await this.programmes.presentations(id),
      ...(e.kind === 'pitch' ? { criteria: e.pitch_criteria, awardsAnnouncedAt: e.awards_announced_at } : {}),
      categories: categories.map((x) => this.seats.view(x)),
      questions: e.questions ?? [],
      past: e.ends_at.getTime() <= Date.now(),
      myRegistration: mine,
      actions: eventWorkflow.available(e.status, { principal: p }),
      createdAt: e.created_at,
      updatedAt: e.updated_at,
    };
  }

  /** "My events" on the member home: active registrations for events not yet over. */
  async myEvents(userId: string): Promise<
    {
      eventId: string;
      title: string;
      kind: EventKind;
      startsAt: Date;
      endsAt: Date;
      status: ActiveRegistrationStatus;
      waitlistPosition: number | null;
      eventCancelled: boolean;
      /** a confirmed registrant's check-in code and its QR (SVG data URL) */
      checkInCode?: string;
      checkInQr?: string;
    }[]
  > {
    const rows = await this.db.query(
      `SELECT e.id, e.title, e.kind, e.starts_at, e.ends_at, e.status AS event_status, r.status, r.check_in_code, r.checked_in_at,
              CASE WHEN r.status = 'waitlisted' THEN (SELECT count(*)::int FROM event_registrations w WHERE w.event_id = r.event_id AND w.status = 'waitlisted' AND w.seq <= r.seq) END AS position
         FROM event_registrations r JOIN events e ON e.id = r.event_id
        WHERE r.user_id = $1 AND r.status IN ('confirmed', 'waitlisted') AND e.ends_at > now() AND e.status <> 'draft'
        ORDER BY e.starts_at ASC LIMIT 20`,
      [userId],
    );
    const items = rows.map((r: any) => ({
      eventId: r.id,
      title: r.title,
      kind: r.kind,
      startsAt: r.starts_at,
      endsAt: r.ends_at,
      status: r.status,
      waitlistPosition: r.position ?? null,
      eventCancelled: r.event_status === 'cancelled',
      ...(r.status === 'confirmed' && !r.checked_in_at ? { checkInCode: r.check_in_code as string } : {}),
    }));
    for (const i of items) if (i.checkInCode) Object.assign(i, { checkInQr: await checkInQr(i.checkInCode) });
    return items;
  }

  /** "Presented at …" for the issue page: the published events where this issue was presented. */
  presentationsForIssue(issueId: string) {
    return this.programmes.presentationsForIssue(issueId);
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

  /** The forum's event figures per kind (for the secretariat's reports). */
  figures(fiscalYear?: number): Promise<{ byKind: Record<EventKind, KindFigures> }> {
    return this.figuresService.figures(fiscalYear);
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
          questions: (dto.questions ?? []).map(questionOf),
          createdBy: actor.userId,
        }),
      );
      if (dto.categories?.length) await this.seats.writeCategories(m, e.id, dto.categories);
      if (dto.presentations?.length || dto.issueIds?.length) await this.programmes.writeProgramme(m, e.id, dto.presentations, dto.issueIds);
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
      const e = await this.records.visibleEvent(m, id, actor, true);
      if (e.status === 'cancelled') throw new AppError(409, 'events.cancelled');
      const { startsAt, endsAt, opensAt, closesAt } = this.parseDates(dto, e);
      // with ticket categories the event's capacity is the sum of theirs (changed through the categories)
      const hasCategories = (await this.seats.categories(id, m)).length > 0;
      const capacity = hasCategories ? e.capacity : (dto.capacity ?? e.capacity);
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
      if (dto.presentations !== undefined || dto.issueIds !== undefined)
        await this.programmes.writeProgramme(m, id, dto.presentations, dto.issueIds);
      if (dto.questions !== undefined) await m.update(ForumEvent, { id }, { questions: dto.questions.map(questionOf) });
      if (dto.categories !== undefined) {
        await this.seats.writeCategories(m, id, dto.categories);
        return 0;
      }
      return capacity > e.capacity ? this.registrationsService.promoteWaitlisted(m, { ...e, capacity, ends_at: endsAt }) : 0;
    });
    if (promoted) this.logger.log(`event ${id}: ${promoted} promoted after a capacity change`);
    return this.get(id, actor);
  }

  async publish(id: string, actor: Principal): Promise<EventView> {
    await this.db.transaction(async (m) => {
      const e = await this.records.visibleEvent(m, id, actor, true);
      const to = eventWorkflow.assertAction('publish', e.status, { principal: actor });
      await transitionEntity(
        m,
        eventWorkflow,
        ForumEvent,
        id,
        { from: e.status, to, actorId: actor.userId },
        { set: { updatedAt: new Date() } },
      );
    });
    return this.get(id, actor);
  }

  /** Cancels the event; every registrant (confirmed or waitlisted) is told by e-mail. */
  async cancel(id: string, reason: string, actor: Principal, ip?: string): Promise<EventView> {
    await this.db.transaction(async (m) => {
      const e = await this.records.visibleEvent(m, id, actor, true);
      const to = eventWorkflow.assertAction('cancel', e.status, { principal: actor });
      await transitionEntity(
        m,
        eventWorkflow,
        ForumEvent,
        id,
        { from: e.status, to, actorId: actor.userId, comment: reason },
        { set: { cancelReason: reason, updatedAt: new Date() } },
      );
      const people = await this.registrationsService.activeRegistrants(m, id);
      for (const u of people)
        await this.mail.send(
          { to: u.email, template: 'eventCancelled', params: { name: u.displayName, ...this.records.mailParams(e), reason } },
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
}
