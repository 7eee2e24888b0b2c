import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, formatDate, t } from '../../libs/common';
import { isSecretariat, type Principal } from '../auth/principal';
import type { EventRow, EventSummary, MyRegistrationView, RegistrationState } from './events.model';
import { registrationStage, registrationWorkflow } from './events.state';

/**
 * The reads every section of the events module shares: an event row the caller may see, seat counts, the summary
 * view, a person's active registration. Only `events` and `event_registrations` are read here.
 */
@Injectable()
export class EventRecords {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** When registration closes: the given time, else when the event starts. */
  closesAt(e: EventRow): Date {
    return e.registration_closes_at ?? e.starts_at;
  }

  registrationState(e: EventRow, now = new Date()): RegistrationState {
    if (e.status === 'cancelled') return 'cancelled';
    if (e.status === 'draft') return 'draft';
    if (e.registration_opens_at && now < e.registration_opens_at) return 'notYetOpen';
    if (now >= this.closesAt(e)) return 'closed';
    return 'open';
  }

  /** The event if the caller may see it: drafts only for the secretariat (404), members-only needs sign-in (401). */
  async visibleEvent(m: EntityManager, id: string, p: Principal | undefined, lock = false): Promise<EventRow> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError(404, 'notFound');
    const [e] = await m.query(`SELECT e.* FROM events e WHERE e.id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!e) throw new AppError(404, 'notFound');
    if (e.status === 'draft' && !isSecretariat(p)) throw new AppError(404, 'notFound');
    if (e.visibility === 'members' && !p) throw new AppError(401, 'unauthorized');
    return e;
  }

  async counts(ids: string[], m: EntityManager = this.db.manager): Promise<Map<string, { confirmed: number; waitlisted: number }>> {
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

  async countsOf(id: string, m: EntityManager = this.db.manager): Promise<{ confirmed: number; waitlisted: number }> {
    return (await this.counts([id], m)).get(id) ?? { confirmed: 0, waitlisted: 0 };
  }

  summary(e: EventRow, c = { confirmed: 0, waitlisted: 0 }): EventSummary {
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

  /** Summaries with their seat counts, in the order given. */
  async summaries(rows: EventRow[]): Promise<EventSummary[]> {
    const counts = await this.counts(rows.map((r) => r.id));
    return rows.map((r) => this.summary(r, counts.get(r.id)));
  }

  /** A person's active (confirmed or waitlisted) registration, with what the registrant may do with it now. */
  async myRegistration(m: EntityManager, eventId: string, userId: string, p?: Principal): Promise<MyRegistrationView | null> {
    const [r] = await m.query(
      `SELECT r.id, r.status, r.check_in_code, r.checked_in_at, r.created_at, r.category_id,
              CASE WHEN r.status = 'waitlisted' THEN (SELECT count(*)::int FROM event_registrations w WHERE w.event_id = r.event_id AND w.status = 'waitlisted'
                AND w.category_id IS NOT DISTINCT FROM r.category_id AND w.seq <= r.seq) END AS position
         FROM event_registrations r WHERE r.event_id = $1 AND r.user_id = $2 AND r.status IN ('confirmed', 'waitlisted')`,
      [eventId, userId],
    );
    if (!r) return null;
    const stage = registrationStage({ status: r.status, checkedInAt: r.checked_in_at });
    return {
      id: r.id,
      status: r.status,
      ...(r.status === 'waitlisted' ? { waitlistPosition: r.position } : { checkInCode: r.check_in_code }),
      checkedInAt: r.checked_in_at,
      registeredAt: r.created_at,
      categoryId: r.category_id,
      actions: registrationWorkflow.available(stage, { principal: p, mayActFor: true }),
    };
  }

  /** What every event mail says about the event. */
  mailParams(e: EventRow) {
    return { title: e.title, date: formatDate(e.starts_at, 'ja'), venue: e.venue ?? t('ja', 'events.online'), link: `/events/${e.id}` };
  }
}
