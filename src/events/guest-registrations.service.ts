import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, formatDate, hashToken, randomToken } from '../../libs/common';
import { AuditService } from '../audit/audit.service';
import { MailService } from '../mail/mail.service';
import type { GuestRegistrationDto } from './dto/guest.dto';
import type { RegistrationQuestion } from './entities/event.entity';
import { EventRecords } from './event-records';
import { EventSeats, type CategoryView } from './event-seats';
import { newCheckInCode, type EventRow, type EventSummary } from './events.model';
import { registrationStage, type RegistrationStage } from './events.state';
import { RegistrationsService } from './registrations.service';

/** How many requests one address / one IP may make per hour. */
const PER_EMAIL_PER_HOUR = 5;
const PER_IP_PER_HOUR = 30;
/** How long the confirmation link stays valid. */
const CONFIRM_HOURS = 72;

export interface GuestRegistrationView {
  event: EventSummary;
  name: string;
  status: 'pending' | 'confirmed' | 'waitlisted' | 'cancelled' | 'expired';
  stage: RegistrationStage | 'pending' | 'expired';
  category: CategoryView | null;
  waitlistPosition: number | null;
  checkInCode: string | null;
  checkedInAt: Date | null;
  /** the venue / online URL, for a confirmed registrant of a category that needs it */
  venue: string | null;
  onlineUrl: string | null;
  /** cancelling is offered (not after check-in) */
  mayCancel: boolean;
}

/**
 * Guests (no account) register for public events: a request with hashed confirm and manage tokens is mailed; the
 * seat is taken only when the confirmation link is opened (same seat rules as members); the manage link cancels.
 * Requests are throttled per address and per IP.
 */
@Injectable()
export class GuestRegistrationsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly records: EventRecords,
    private readonly seats: EventSeats,
    private readonly registrations: RegistrationsService,
    private readonly mail: MailService,
    private readonly audit: AuditService,
  ) {}

  /** A public, published event open for registration, or 404/409. */
  private async publicEvent(m: EntityManager, eventId: string, lock = false): Promise<EventRow> {
    const e = await this.records.visibleEvent(m, eventId, undefined, lock).catch(() => {
      throw new AppError(404, 'notFound');
    });
    if (e.visibility !== 'public') throw new AppError(404, 'notFound');
    return e;
  }

  async request(eventId: string, dto: GuestRegistrationDto, ip: string | undefined): Promise<{ status: 'pending' }> {
    const email = dto.email.trim().toLowerCase();
    const e = await this.publicEvent(this.db.manager, eventId);
    if (e.status === 'cancelled') throw new AppError(409, 'events.cancelled');
    const state = this.records.registrationState(e);
    if (state === 'notYetOpen') throw new AppError(409, 'events.registrationNotOpen', { date: formatDate(e.registration_opens_at, 'ja') });
    if (state === 'closed') throw new AppError(409, 'events.registrationClosed');
    const category = await this.seats.resolveCategory(this.db.manager, eventId, dto.categoryId);
    const answers = this.seats.validateAnswers((e as EventRow & { questions: RegistrationQuestion[] }).questions ?? [], dto.answers);
    const [{ byEmail, byIp }] = await this.db.query(
      `SELECT count(*) FILTER (WHERE lower(email) = $1)::int AS "byEmail", count(*) FILTER (WHERE ip = $2)::int AS "byIp"
         FROM event_guest_requests WHERE created_at > now() - interval '1 hour' AND (lower(email) = $1 OR ip = $2)`,
      [email, ip ?? ''],
    );
    if (byEmail >= PER_EMAIL_PER_HOUR || byIp >= PER_IP_PER_HOUR) throw new AppError(429, 'events.guestTooManyRequests');
    const confirm = randomToken();
    const manage = randomToken();
    await this.db.transaction(async (m) => {
      await m.query(
        `INSERT INTO event_guest_requests (event_id, category_id, name, email, organization_name, answers, ip, confirm_token_hash, manage_token_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(hours => $10))`,
        [
          eventId,
          category?.id ?? null,
          dto.name.trim(),
          email,
          dto.organizationName?.trim() || null,
          JSON.stringify(answers),
          ip ?? null,
          hashToken(confirm),
          hashToken(manage),
          CONFIRM_HOURS,
        ],
      );
      await this.mail.send(
        {
          to: email,
          template: 'eventGuestConfirm',
          params: {
            name: dto.name.trim(),
            ...this.records.mailParams(e),
            category: category?.label ?? '',
            hours: CONFIRM_HOURS,
            confirmLink: `/events/guest/confirm?token=${confirm}`,
            manageLink: `/events/guest/manage?token=${manage}`,
          },
        },
        m,
      );
    });
    return { status: 'pending' };
  }

  /** Opens the confirmation link: takes a seat (or a waitlist place) once; opening it again answers the same. */
  async confirm(token: string): Promise<{ id: string; status: 'confirmed' | 'waitlisted'; waitlistPosition?: number }> {
    const result = await this.db.transaction(async (m) => {
      const [req] = await m.query(`SELECT * FROM event_guest_requests WHERE confirm_token_hash = $1 FOR UPDATE`, [
        hashToken(String(token)),
      ]);
      if (!req) throw new AppError(404, 'events.guestTokenInvalid');
      if (req.registration_id) return { id: req.registration_id as string, created: false };
      if (req.cancelled_at) throw new AppError(409, 'events.guestRequestCancelled');
      if (req.expires_at.getTime() < Date.now()) throw new AppError(404, 'events.guestTokenInvalid');
      const e = await this.publicEvent(m, req.event_id, true);
      if (e.status !== 'published') throw new AppError(409, 'events.cancelled');
      if (this.records.registrationState(e) === 'closed') throw new AppError(409, 'events.registrationClosed');
      const [existing] = await m.query(
        `SELECT id FROM event_registrations WHERE event_id = $1 AND user_id IS NULL AND lower(guest_email) = $2 AND status IN ('confirmed', 'waitlisted')`,
        [req.event_id, req.email],
      );
      let id: string = existing?.id;
      if (!id) {
        const status = await this.seats.take(m, req.event_id, req.category_id);
        const [row] = await m.query(
          `INSERT INTO event_registrations (event_id, user_id, status, check_in_code, category_id, guest_name, guest_email, guest_organization, answers)
           VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
          [
            req.event_id,
            status,
            newCheckInCode(),
            req.category_id,
            req.name,
            req.email,
            req.organization_name,
            JSON.stringify(req.answers),
          ],
        );
        id = row.id;
      }
      await m.query(`UPDATE event_guest_requests SET registration_id = $2, confirmed_at = now() WHERE id = $1`, [req.id, id]);
      const v = await this.viewOf(m, id);
      await this.mail.send(
        {
          to: req.email,
          template: v.status === 'confirmed' ? 'eventGuestConfirmed' : 'eventWaitlisted',
          params: {
            name: req.name,
            ...this.records.mailParams(e),
            code: v.checkInCode ?? '',
            position: v.waitlistPosition ?? '',
            link: `/events/guest/confirm?token=${token}`,
          },
        },
        m,
      );
      return { id, created: true };
    });
    const v = await this.viewOf(this.db.manager, result.id);
    const status = v.status === 'waitlisted' ? 'waitlisted' : 'confirmed';
    return { id: result.id, status, ...(status === 'waitlisted' && v.waitlistPosition ? { waitlistPosition: v.waitlistPosition } : {}) };
  }

  /** The manage link cancels: an unconfirmed request is voided; a registration is cancelled (not after check-in). */
  async cancel(token: string): Promise<{ status: 'cancelled'; promoted: number }> {
    return this.db.transaction(async (m) => {
      const [req] = await m.query(`SELECT * FROM event_guest_requests WHERE manage_token_hash = $1 FOR UPDATE`, [hashToken(String(token))]);
      if (!req) throw new AppError(404, 'events.guestTokenInvalid');
      await m.query(`UPDATE event_guest_requests SET cancelled_at = coalesce(cancelled_at, now()) WHERE id = $1`, [req.id]);
      if (!req.registration_id) return { status: 'cancelled' as const, promoted: 0 };
      const e = await this.publicEvent(m, req.event_id, true);
      return { status: 'cancelled' as const, promoted: await this.registrations.cancelById(m, e, req.registration_id) };
    });
  }

  /** What the confirm or manage page shows, by its token. */
  async viewByToken(kind: 'confirm' | 'manage', token: string): Promise<GuestRegistrationView> {
    const col = kind === 'confirm' ? 'confirm_token_hash' : 'manage_token_hash';
    const [req] = await this.db.query(`SELECT * FROM event_guest_requests WHERE ${col} = $1`, [hashToken(String(token ?? ''))]);
    if (!req) throw new AppError(404, 'events.guestTokenInvalid');
    if (req.registration_id) return this.viewOf(this.db.manager, req.registration_id);
    const e = await this.publicEvent(this.db.manager, req.event_id);
    const cat = req.category_id ? (await this.seats.categories(e.id)).find((c) => c.id === req.category_id) : undefined;
    const status = req.cancelled_at ? 'cancelled' : req.expires_at.getTime() < Date.now() ? 'expired' : 'pending';
    return {
      event: this.records.summary(e, await this.records.countsOf(e.id)),
      name: req.name,
      status,
      stage: status,
      category: cat ? this.seats.view(cat) : null,
      waitlistPosition: null,
      checkInCode: null,
      checkedInAt: null,
      venue: null,
      onlineUrl: null,
      mayCancel: status === 'pending',
    };
  }

  private async viewOf(m: EntityManager, registrationId: string): Promise<GuestRegistrationView> {
    const [r] = await m.query(
      `SELECT r.*, CASE WHEN r.status = 'waitlisted' THEN (SELECT count(*)::int FROM event_registrations w WHERE w.event_id = r.event_id
              AND w.status = 'waitlisted' AND w.category_id IS NOT DISTINCT FROM r.category_id AND w.seq <= r.seq) END AS position
         FROM event_registrations r WHERE r.id = $1`,
      [registrationId],
    );
    const [e]: EventRow[] = await m.query(`SELECT * FROM events WHERE id = $1`, [r.event_id]);
    const cat = r.category_id ? (await this.seats.categories(e.id, m)).find((c) => c.id === r.category_id) : undefined;
    const stage = registrationStage({ status: r.status, checkedInAt: r.checked_in_at });
    const confirmed = r.status === 'confirmed';
    return {
      event: this.records.summary(e, await this.records.countsOf(e.id, m)),
      name: r.guest_name,
      status: r.status,
      stage,
      category: cat ? this.seats.view(cat) : null,
      waitlistPosition: r.position ?? null,
      checkInCode: confirmed ? r.check_in_code : null,
      checkedInAt: r.checked_in_at,
      venue: confirmed && !cat?.online ? e.venue : null,
      onlineUrl: confirmed && (!cat || cat.online) ? e.online_url : null,
      mayCancel: stage === 'confirmed' || stage === 'waitlisted',
    };
  }
}
