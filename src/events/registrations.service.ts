import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, formatDate, t, toCsv } from '../../libs/common';
import { AuditService } from '../audit/audit.service';
import { isSecretariat, type Principal } from '../auth/principal';
import { MailService } from '../mail/mail.service';
import { MembersDirectory } from '../members/directory.service';
import { EventRecords } from './event-records';
import { EventSeats } from './event-seats';
import { newCheckInCode, type ActiveRegistrationStatus, type EventRow, type EventSummary, type RegistrationRow } from './events.model';
import type { RegistrationQuestion } from './entities/event.entity';
import { registrationStage, registrationWorkflow, type RegistrationStatus } from './events.state';

/**
 * Registrations with a waitlist whose seats PostgreSQL guards (event row lock + seats_taken ≤ capacity CHECK + one
 * active registration per person), cancellation with promotion from the waitlist, and the secretariat's list.
 * Names and e-mail addresses come from the members directory.
 */
@Injectable()
export class RegistrationsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly records: EventRecords,
    private readonly seats: EventSeats,
    private readonly members: MembersDirectory,
    private readonly mail: MailService,
    private readonly audit: AuditService,
  ) {}

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
    extra: { categoryId?: string; answers?: Record<string, unknown> } = {},
  ): Promise<{ id: string; status: ActiveRegistrationStatus; waitlistPosition?: number; created: boolean }> {
    const target = await this.targetUser(p, targetUserId);
    return this.db.transaction(async (m) => {
      const e = await this.records.visibleEvent(m, eventId, p, true);
      if (e.status === 'cancelled') throw new AppError(409, 'events.cancelled');
      if (e.status === 'draft') throw new AppError(409, 'events.notPublished');
      const existing = await this.records.myRegistration(m, eventId, target.id);
      if (existing)
        return {
          id: existing.id,
          status: existing.status,
          ...(existing.waitlistPosition ? { waitlistPosition: existing.waitlistPosition } : {}),
          created: false,
        };
      if (!isSecretariat(p)) {
        const state = this.records.registrationState(e);
        if (state === 'notYetOpen')
          throw new AppError(409, 'events.registrationNotOpen', { date: formatDate(e.registration_opens_at, 'ja') });
        if (state === 'closed') throw new AppError(409, 'events.registrationClosed');
      }
      const category = await this.seats.resolveCategory(m, eventId, extra.categoryId);
      const answers = this.seats.validateAnswers(e.questions ?? [], extra.answers);
      const status = await this.seats.take(m, eventId, category?.id ?? null);
      const [row] = await m.query(
        `INSERT INTO event_registrations (event_id, user_id, organization_id, registered_by, status, check_in_code, category_id, answers)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
        [eventId, target.id, target.organizationId, p.userId, status, newCheckInCode(), category?.id ?? null, JSON.stringify(answers)],
      );
      const mine = (await this.records.myRegistration(m, eventId, target.id))!;
      await this.mail.send(
        {
          to: target.email,
          template: status === 'confirmed' ? 'eventRegistered' : 'eventWaitlisted',
          params: {
            name: target.displayName,
            ...this.records.mailParams(e),
            position: mine.waitlistPosition ?? '',
            code: mine.checkInCode ?? '',
          },
        },
        m,
      );
      return { id: row.id, status, ...(status === 'waitlisted' ? { waitlistPosition: mine.waitlistPosition } : {}), created: true };
    });
  }

  /** The person a registration is for: the caller, a colleague (org admins) or anyone (the secretariat). */
  private async targetUser(
    p: Principal,
    userId?: string,
  ): Promise<{ id: string; email: string; displayName: string; organizationId: string | null }> {
    const id = userId ?? p.userId;
    const u = await this.members.user(id);
    if (!u || u.status !== 'active') throw new AppError(404, 'notFound');
    if (id !== p.userId && !isSecretariat(p)) {
      if (!p.roles.includes('org_admin')) throw new AppError(403, 'events.onlyOrgAdminRegistersOthers');
      if (!p.organizationId || u.organizationId !== p.organizationId) throw new AppError(404, 'notFound');
    }
    return { id: u.id, email: u.email, displayName: u.displayName, organizationId: u.organizationId };
  }

  /**
   * Cancels the caller's (or a colleague's) registration; a freed seat goes to the first waitlisted person.
   * After check-in the registration can no longer be cancelled (409 `events.checkedInCannotCancel`).
   */
  async cancelRegistration(
    eventId: string,
    p: Principal,
    targetUserId?: string,
  ): Promise<{ id: string; status: 'cancelled'; promoted: number }> {
    const target = await this.targetUser(p, targetUserId);
    return this.db.transaction(async (m) => {
      const e = await this.records.visibleEvent(m, eventId, p, true);
      const [reg] = await m.query(
        `SELECT id FROM event_registrations WHERE event_id = $1 AND user_id = $2 AND status IN ('confirmed', 'waitlisted')`,
        [eventId, target.id],
      );
      if (!reg) throw new AppError(404, 'events.notRegistered');
      const promoted = await this.cancelById(m, e, reg.id, p);
      return { id: reg.id, status: 'cancelled' as const, promoted };
    });
  }

  /**
   * Cancels one active registration (the caller holds the event lock and has decided who may): not after check-in
   * (409); a freed seat of its category goes to the first waitlisted person of that category.
   */
  async cancelById(m: EntityManager, e: EventRow, registrationId: string, p?: Principal): Promise<number> {
    const [reg] = await m.query(`SELECT id, status, checked_in_at, category_id FROM event_registrations WHERE id = $1 FOR UPDATE`, [
      registrationId,
    ]);
    if (!reg || reg.status === 'cancelled') throw new AppError(404, 'events.notRegistered');
    const from: RegistrationStatus = reg.status;
    const stage = registrationStage({ status: from, checkedInAt: reg.checked_in_at });
    if (stage === 'checkedIn') throw new AppError(409, 'events.checkedInCannotCancel', { time: formatDate(reg.checked_in_at, 'ja') });
    registrationWorkflow.assertAction('cancel', stage, { principal: p, mayActFor: true });
    const [, n] = await m.query(
      `UPDATE event_registrations SET status = 'cancelled', cancelled_at = now(), updated_at = now() WHERE id = $1 AND status = $2 AND checked_in_at IS NULL`,
      [reg.id, from],
    );
    if (n !== 1) throw new AppError(409, 'workflow.staleState', { from, to: 'cancelled' });
    if (from !== 'confirmed') return 0;
    await this.seats.release(m, e.id, reg.category_id);
    return this.promoteWaitlisted(m, e);
  }

  /** Fills free seats from the waitlist, first come first served, and tells each person promoted. Caller holds the event lock. */
  async promoteWaitlisted(m: EntityManager, e: EventRow): Promise<number> {
    if (e.status !== 'published' || e.ends_at.getTime() <= Date.now()) return 0;
    const rows = await this.seats.promote(m, e);
    if (!rows.length) return 0;
    const people = await this.members.users(
      rows.filter((r) => r.user_id).map((r) => r.user_id!),
      m,
    );
    for (const r of rows) {
      const u = r.user_id ? people.get(r.user_id) : { email: r.guest_email!, displayName: r.guest_name! };
      if (!u) continue;
      await this.mail.send(
        { to: u.email, template: 'eventPromoted', params: { name: u.displayName, ...this.records.mailParams(e), code: r.check_in_code } },
        m,
      );
    }
    return rows.length;
  }

  // ---------------------------------------------------------------- the secretariat's list

  async registrations(
    eventId: string,
    actor: Principal,
  ): Promise<{ event: EventSummary; items: RegistrationRow[]; confirmed: number; waitlisted: number; attended: number }> {
    const e = await this.records.visibleEvent(this.db.manager, eventId, actor);
    const rows = await this.db.query(
      `SELECT r.id, r.user_id, r.organization_id, r.status, r.check_in_code, r.checked_in_at, r.created_at, r.cancelled_at,
              r.category_id, r.guest_name, r.guest_email, r.guest_organization, r.answers,
              CASE WHEN r.status = 'waitlisted' THEN row_number() OVER (PARTITION BY r.status, r.category_id ORDER BY r.seq) END AS position
         FROM event_registrations r
        WHERE r.event_id = $1
        ORDER BY CASE r.status WHEN 'confirmed' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END, r.seq`,
      [eventId],
    );
    const members = rows.filter((r: any) => r.user_id);
    const [people, orgs, cats] = await Promise.all([
      this.members.users(members.map((r: any) => r.user_id)),
      this.members.organizations(members.map((r: any) => r.organization_id)),
      this.seats.categories(eventId),
    ]);
    const items: RegistrationRow[] = rows
      .filter((r: any) => !r.user_id || people.has(r.user_id))
      .map((r: any) => ({
        id: r.id,
        userId: r.user_id,
        guest: !r.user_id,
        categoryId: r.category_id,
        categoryLabel: cats.find((c) => c.id === r.category_id)?.label ?? null,
        answers: r.answers ?? {},
        name: r.user_id ? people.get(r.user_id)!.displayName : r.guest_name,
        email: r.user_id ? people.get(r.user_id)!.email : r.guest_email,
        organizationName: r.user_id ? (orgs.get(r.organization_id)?.name ?? null) : r.guest_organization,
        status: r.status,
        waitlistPosition: r.position === null || r.position === undefined ? null : Number(r.position),
        checkInCode: r.check_in_code,
        checkedInAt: r.checked_in_at,
        registeredAt: r.created_at,
        cancelledAt: r.cancelled_at,
      }));
    const c = await this.records.countsOf(eventId);
    return {
      event: this.records.summary(e, c),
      items,
      confirmed: c.confirmed,
      waitlisted: c.waitlisted,
      attended: items.filter((i) => i.checkedInAt).length,
    };
  }

  /** The registrations as CSV for Excel (UTF-8 with BOM); the export is audited. */
  async registrationsCsv(eventId: string, actor: Principal, lang = 'ja', ip?: string): Promise<{ filename: string; body: string }> {
    const { event, items } = await this.registrations(eventId, actor);
    const [e] = await this.db.query(`SELECT questions FROM events WHERE id = $1`, [eventId]);
    const questions: RegistrationQuestion[] = e?.questions ?? [];
    const hasCategories = items.some((r) => r.categoryId);
    const h = (k: string) => t(lang, `events.csv.${k}`);
    const answer = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(' / ') : (v ?? ''));
    const body = toCsv(
      [
        h('name'),
        h('email'),
        h('organization'),
        ...(hasCategories ? [h('category')] : []),
        h('status'),
        h('waitlistPosition'),
        h('registeredAt'),
        h('checkedInAt'),
        h('code'),
        ...questions.map((q) => q.label),
      ],
      items.map((r) => [
        r.name,
        r.email,
        r.organizationName,
        ...(hasCategories ? [r.categoryLabel] : []),
        t(lang, `events.registrationStatus.${r.status}`),
        r.waitlistPosition,
        formatDate(r.registeredAt, lang),
        r.checkedInAt ? formatDate(r.checkedInAt, lang) : '',
        r.checkInCode,
        ...questions.map((q) => answer(r.answers[q.key])),
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

  /** Everyone with an active registration (for the cancellation notice). */
  async activeRegistrants(m: EntityManager, eventId: string): Promise<{ email: string; displayName: string }[]> {
    const rows = await m.query(
      `SELECT user_id, guest_email, guest_name FROM event_registrations WHERE event_id = $1 AND status IN ('confirmed', 'waitlisted')`,
      [eventId],
    );
    const people = await this.members.users(
      rows.filter((r: any) => r.user_id).map((r: any) => r.user_id),
      m,
    );
    return rows
      .map((r: any) => (r.user_id ? people.get(r.user_id) : { email: r.guest_email, displayName: r.guest_name }))
      .filter((u: any): u is { email: string; displayName: string } => !!u);
  }
}
