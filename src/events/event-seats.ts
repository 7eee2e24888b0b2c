import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError } from '../../libs/common';
import type { RegistrationQuestion } from './entities/event.entity';
import type { ActiveRegistrationStatus, EventRow } from './events.model';

export interface CategoryRow {
  id: string;
  event_id: string;
  key: string;
  label: string;
  capacity: number;
  seats_taken: number;
  online: boolean;
  sort_order: number;
}

export interface CategoryView {
  id: string;
  key: string;
  label: string;
  capacity: number;
  confirmedCount: number;
  seatsLeft: number;
  online: boolean;
}

export type Answers = Record<string, string | string[]>;

/**
 * Seats of an event and of its ticket categories (参加枠). PostgreSQL guards them: the caller holds the event row
 * lock, a seat is taken by a conditional update, and CHECKs keep seats_taken ≤ capacity on both rows. With
 * categories the event's capacity is the sum of theirs, so a category seat always fits the event.
 */
@Injectable()
export class EventSeats {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async categories(eventId: string, m: EntityManager = this.db.manager): Promise<CategoryRow[]> {
    return m.query(`SELECT * FROM event_categories WHERE event_id = $1 ORDER BY sort_order, key`, [eventId]);
  }

  view(c: CategoryRow): CategoryView {
    return {
      id: c.id,
      key: c.key,
      label: c.label,
      capacity: c.capacity,
      confirmedCount: c.seats_taken,
      seatsLeft: Math.max(0, c.capacity - c.seats_taken),
      online: c.online,
    };
  }

  /** Replaces an event's categories (only before anyone registered); the event's capacity becomes their sum. */
  async writeCategories(
    m: EntityManager,
    eventId: string,
    categories: { key: string; label: string; capacity: number; online?: boolean }[],
  ): Promise<void> {
    const keys = new Set(categories.map((c) => c.key));
    if (keys.size !== categories.length)
      throw new AppError(400, 'events.duplicateCategory', {}, { categories: ['events.duplicateCategory'] });
    const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM event_registrations WHERE event_id = $1`, [eventId]);
    if (n > 0) throw new AppError(409, 'events.categoriesAfterRegistration');
    await m.query(`DELETE FROM event_categories WHERE event_id = $1`, [eventId]);
    let order = 0;
    for (const c of categories)
      await m.query(`INSERT INTO event_categories (event_id, key, label, capacity, online, sort_order) VALUES ($1, $2, $3, $4, $5, $6)`, [
        eventId,
        c.key,
        c.label.trim(),
        c.capacity,
        !!c.online,
        order++,
      ]);
    if (categories.length)
      await m.query(`UPDATE events SET capacity = $2 WHERE id = $1`, [eventId, categories.reduce((s, c) => s + c.capacity, 0)]);
  }

  /** The category a registration goes to: required when the event has categories (by id or key), none otherwise. */
  async resolveCategory(m: EntityManager, eventId: string, categoryId?: string): Promise<CategoryRow | null> {
    const cats = await this.categories(eventId, m);
    if (!cats.length) {
      if (categoryId) throw new AppError(400, 'events.unknownCategory', {}, { categoryId: ['events.unknownCategory'] });
      return null;
    }
    if (!categoryId) throw new AppError(400, 'events.categoryRequired', {}, { categoryId: ['events.categoryRequired'] });
    const c = cats.find((x) => x.id === categoryId || x.key === categoryId);
    if (!c) throw new AppError(400, 'events.unknownCategory', {}, { categoryId: ['events.unknownCategory'] });
    return c;
  }

  /** Takes a seat (category and event) if one is free; the caller holds the event lock. */
  async take(m: EntityManager, eventId: string, categoryId: string | null): Promise<ActiveRegistrationStatus> {
    if (categoryId) {
      const [, seated] = await m.query(
        `UPDATE event_categories SET seats_taken = seats_taken + 1 WHERE id = $1 AND event_id = $2 AND seats_taken < capacity`,
        [categoryId, eventId],
      );
      if (seated !== 1) return 'waitlisted';
    }
    const [, seated] = await m.query(`UPDATE events SET seats_taken = seats_taken + 1 WHERE id = $1 AND seats_taken < capacity`, [eventId]);
    if (seated !== 1 && categoryId) throw new AppError(409, 'events.full');
    return seated === 1 ? 'confirmed' : 'waitlisted';
  }

  /** Gives back n seats (category and event). */
  async release(m: EntityManager, eventId: string, categoryId: string | null, n = 1): Promise<void> {
    if (categoryId) await m.query(`UPDATE event_categories SET seats_taken = seats_taken - $2 WHERE id = $1`, [categoryId, n]);
    await m.query(`UPDATE events SET seats_taken = seats_taken - $2 WHERE id = $1`, [eventId, n]);
  }

  /**
   * Confirms waitlisted registrations while seats are free, per category (first come, first served within it).
   * Returns the rows promoted. The caller holds the event lock.
   */
  async promote(
    m: EntityManager,
    e: EventRow,
  ): Promise<
    { id: string; user_id: string | null; guest_email: string | null; guest_name: string | null; check_in_code: string; seq: string }[]
  > {
    const cats = await this.categories(e.id, m);
    const groups: (string | null)[] = cats.length ? cats.map((c) => c.id) : [null];
    const out: any[] = [];
    for (const cat of groups) {
      const free = cat
        ? `SELECT capacity - seats_taken AS n FROM event_categories WHERE id = $2`
        : `SELECT capacity - seats_taken AS n FROM events WHERE id = $1`;
      // UPDATE … RETURNING answers [rows, count] through TypeORM
      const [rows] = await m.query(
        `WITH free AS (${free}),
              next AS (SELECT id FROM event_registrations WHERE event_id = $1 AND status = 'waitlisted' AND category_id IS NOT DISTINCT FROM $2::uuid
                        ORDER BY seq LIMIT (SELECT GREATEST(n, 0) FROM free) FOR UPDATE)
         UPDATE event_registrations r SET status = 'confirmed', promoted_at = now(), updated_at = now()
           FROM next WHERE r.id = next.id
         RETURNING r.id, r.user_id, r.guest_email, r.guest_name, r.check_in_code, r.seq`,
        [e.id, cat],
      );
      if (!rows.length) continue;
      if (cat) await m.query(`UPDATE event_categories SET seats_taken = seats_taken + $2 WHERE id = $1`, [cat, rows.length]);
      await m.query(`UPDATE events SET seats_taken = seats_taken + $2 WHERE id = $1`, [e.id, rows.length]);
      out.push(...rows);
    }
    return out.sort((a, b) => Number(a.seq) - Number(b.seq));
  }

  /** Checks answers against the event's questions: required ones present, choices among the options, nothing unknown. */
  validateAnswers(questions: RegistrationQuestion[], input: Record<string, unknown> | undefined): Answers {
    const answers: Answers = {};
    const errors: Record<string, string[]> = {};
    const given = input ?? {};
    for (const k of Object.keys(given)) if (!questions.some((q) => q.key === k)) errors[`answers.${k}`] = ['events.unknownQuestion'];
    for (const q of questions) {
      const v = given[q.key];
      const empty = v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length);
      if (empty) {
        if (q.required) errors[`answers.${q.key}`] = ['events.answerRequired'];
        continue;
      }
      if (q.type === 'text') {
        if (typeof v !== 'string' || v.length > 2000) errors[`answers.${q.key}`] = ['events.answerInvalid'];
        else answers[q.key] = v.trim();
      } else if (q.type === 'single') {
        if (typeof v !== 'string' || !q.options?.includes(v)) errors[`answers.${q.key}`] = ['events.answerInvalid'];
        else answers[q.key] = v;
      } else {
        const list = Array.isArray(v) ? v : [v];
        if (!list.every((x) => typeof x === 'string' && q.options?.includes(x))) errors[`answers.${q.key}`] = ['events.answerInvalid'];
        else answers[q.key] = [...new Set(list as string[])];
      }
    }
    if (Object.keys(errors).length) throw new AppError(400, 'events.answersInvalid', {}, errors);
    return answers;
  }
}
