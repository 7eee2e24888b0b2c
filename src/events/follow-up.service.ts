import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, hashToken, randomToken } from '../../libs/common';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { MailService } from '../mail/mail.service';
import { MembersDirectory } from '../members/directory.service';
import type { EventMessageDto, RecordedAttendanceDto, SurveyDto } from './dto/follow-up.dto';
import type { QuestionType, RegistrationQuestion } from './entities/event.entity';
import { EventRecords } from './event-records';
import { EventSeats } from './event-seats';
import type { EventRow } from './events.model';

interface RegistrantRow {
  id: string;
  user_id: string | null;
  guest_email: string | null;
  guest_name: string | null;
}

export interface QuestionResult {
  key: string;
  label: string;
  type: QuestionType;
  answered: number;
  /** choice questions: how many chose each option */
  counts?: Record<string, number>;
  /** text questions: the answers */
  texts?: string[];
}

/**
 * Around and after an event: messages to registrants (all, one category, the waitlist) through the mail queue and
 * kept in the event's log; attendance recorded by hand for events held before the platform; the survey mailed to
 * those who attended (answered once per invitation, optionally anonymous) and its results.
 */
@Injectable()
export class FollowUpService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly records: EventRecords,
    private readonly seats: EventSeats,
    private readonly members: MembersDirectory,
    private readonly mail: MailService,
    private readonly audit: AuditService,
  ) {}

  /** Names and addresses of registrations: members from the members directory, guests as they typed them. */
  private async people(m: EntityManager, rows: RegistrantRow[]): Promise<{ id: string; email: string; name: string }[]> {
    const users = await this.members.users(
      rows.filter((r) => r.user_id).map((r) => r.user_id!),
      m,
    );
    return rows
      .map((r) => {
        const u = r.user_id ? users.get(r.user_id) : undefined;
        return r.user_id
          ? u
            ? { id: r.id, email: u.email, name: u.displayName }
            : null
          : { id: r.id, email: r.guest_email!, name: r.guest_name! };
      })
      .filter((x): x is { id: string; email: string; name: string } => !!x);
  }

  // ---------------------------------------------------------------- messages

  async sendMessage(eventId: string, dto: EventMessageDto, actor: Principal): Promise<{ id: string; recipients: number }> {
    return this.db.transaction(async (m) => {
      const e = await this.records.visibleEvent(m, eventId, actor);
      let categoryId: string | null = null;
      if (dto.audience === 'category') {
        const cat = (await this.seats.categories(eventId, m)).find((c) => c.id === dto.categoryId);
        if (!cat) throw new AppError(400, 'events.unknownCategory', {}, { categoryId: ['events.unknownCategory'] });
        categoryId = cat.id;
      } else if (dto.categoryId) throw new AppError(400, 'events.unknownCategory', {}, { categoryId: ['events.unknownCategory'] });
      const statuses = dto.audience === 'waitlist' ? ['waitlisted'] : ['confirmed', 'waitlisted'];
      const rows: RegistrantRow[] = await m.query(
        `SELECT id, user_id, guest_email, guest_name FROM event_registrations
          WHERE event_id = $1 AND status = ANY($2::text[]) AND ($3::uuid IS NULL OR category_id = $3) ORDER BY seq`,
        [eventId, statuses, categoryId],
      );
      const people = await this.people(m, rows);
      for (const p of people)
        await this.mail.send(
          {
            to: p.email,
            template: 'eventMessage',
            params: { name: p.name, ...this.records.mailParams(e), subject: dto.subject.trim(), message: dto.body.trim() },
          },
          m,
        );
      const [row] = await m.query(
        `INSERT INTO event_messages (event_id, audience, category_id, subject, body, recipients, sent_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [eventId, dto.audience, categoryId, dto.subject.trim(), dto.body.trim(), people.length, actor.userId],
      );
      await this.audit.record(
        {
          actorId: actor.userId,
          action: 'event.message',
          subjectType: 'event',
          subjectId: eventId,
          data: { audience: dto.audience, recipients: people.length },
        },
        m,
      );
      return { id: row.id, recipients: people.length };
    });
  }

  /** The event's message log, newest first. */
  async messages(eventId: string, actor: Principal) {
    await this.records.visibleEvent(this.db.manager, eventId, actor);
    const rows = await this.db.query(
      `SELECT id, audience, category_id, subject, body, recipients, sent_by, created_at FROM event_messages WHERE event_id = $1 ORDER BY created_at DESC`,
      [eventId],
    );
    return rows.map((r: any) => ({
      id: r.id,
      audience: r.audience,
      categoryId: r.category_id,
      subject: r.subject,
      body: r.body,
      recipients: r.recipients,
      sentBy: r.sent_by,
      sentAt: r.created_at,
    }));
  }

  // ---------------------------------------------------------------- attendance recorded by hand

  async recordAttendance(eventId: string, dto: RecordedAttendanceDto, actor: Principal) {
    const e = await this.records.visibleEvent(this.db.manager, eventId, actor);
    this.assertHeld(e);
    await this.db.query(`UPDATE events SET recorded_attendance = $2, recorded_organizations = $3, updated_at = now() WHERE id = $1`, [
      eventId,
      dto.attended,
      dto.organizations ?? null,
    ]);
    await this.audit.record({
      actorId: actor.userId,
      action: 'event.attendance.record',
      subjectType: 'event',
      subjectId: eventId,
      data: { ...dto },
    });
    return { attended: dto.attended, organizations: dto.organizations ?? null };
  }

  private assertHeld(e: EventRow) {
    if (e.status !== 'published' || e.ends_at.getTime() > Date.now()) throw new AppError(409, 'events.notYetHeld');
  }

  // ---------------------------------------------------------------- survey

  /** Creates the survey and mails a personal link to everyone who attended (checked in). Once per event. */
  async createSurvey(eventId: string, dto: SurveyDto, actor: Principal): Promise<{ invited: number }> {
    const questions = dto.questions.map((q) => this.question(q));
    return this.db.transaction(async (m) => {
      const e = await this.records.visibleEvent(m, eventId, actor, true);
      this.assertHeld(e);
      const created = await m.query(
        `INSERT INTO event_surveys (event_id, questions, anonymous, created_by) VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
        [eventId, JSON.stringify(questions), !!dto.anonymous, actor.userId],
      );
      if (!created.length) throw new AppError(409, 'events.surveyExists');
      const rows: RegistrantRow[] = await m.query(
        `SELECT id, user_id, guest_email, guest_name FROM event_registrations WHERE event_id = $1 AND checked_in_at IS NOT NULL ORDER BY seq`,
        [eventId],
      );
      const people = await this.people(m, rows);
      for (const p of people) {
        const token = randomToken();
        await m.query(`INSERT INTO event_survey_invitations (event_id, registration_id, token_hash) VALUES ($1, $2, $3)`, [
          eventId,
          p.id,
          hashToken(token),
        ]);
        await this.mail.send(
          {
            to: p.email,
            template: 'eventSurvey',
            params: { name: p.name, ...this.records.mailParams(e), surveyLink: `/events/survey?token=${token}` },
          },
          m,
        );
      }
      return { invited: people.length };
    });
  }

  private question(q: { key: string; label: string; type: string; options?: string[]; required?: boolean }): RegistrationQuestion {
    const type = q.type as QuestionType;
    if (type !== 'text' && !q.options?.length)
      throw new AppError(400, 'events.questionNeedsOptions', {}, { questions: ['events.questionNeedsOptions'] });
    return { key: q.key, label: q.label.trim(), type, required: !!q.required, ...(type === 'text' ? {} : { options: q.options }) };
  }

  /** The survey an invitation link opens (404 for an unknown link). */
  async surveyByToken(token: string) {
    const [inv] = await this.db.query(
      `SELECT i.event_id, i.responded_at, s.questions, s.anonymous, e.title FROM event_survey_invitations i
         JOIN event_surveys s ON s.event_id = i.event_id JOIN events e ON e.id = i.event_id WHERE i.token_hash = $1`,
      [hashToken(String(token ?? ''))],
    );
    if (!inv) throw new AppError(404, 'events.guestTokenInvalid');
    return {
      eventId: inv.event_id,
      title: inv.title,
      questions: inv.questions as RegistrationQuestion[],
      anonymous: inv.anonymous,
      responded: !!inv.responded_at,
    };
  }

  /** Records an answer once per invitation (409 the second time); anonymous surveys do not keep who answered. */
  async respond(token: string, input: Record<string, unknown>): Promise<{ status: 'recorded' }> {
    return this.db.transaction(async (m) => {
      const [inv] = await m.query(
        `SELECT i.id, i.event_id, i.registration_id, s.questions, s.anonymous FROM event_survey_invitations i JOIN event_surveys s ON s.event_id = i.event_id
          WHERE i.token_hash = $1`,
        [hashToken(String(token ?? ''))],
      );
      if (!inv) throw new AppError(404, 'events.guestTokenInvalid');
      const answers = this.seats.validateAnswers(inv.questions, input);
      const [, n] = await m.query(`UPDATE event_survey_invitations SET responded_at = now() WHERE id = $1 AND responded_at IS NULL`, [
        inv.id,
      ]);
      if (n !== 1) throw new AppError(409, 'events.surveyAlreadyAnswered');
      await m.query(`INSERT INTO event_survey_responses (event_id, registration_id, answers) VALUES ($1, $2, $3)`, [
        inv.event_id,
        inv.anonymous ? null : inv.registration_id,
        JSON.stringify(answers),
      ]);
      return { status: 'recorded' as const };
    });
  }

  /** The results summary: invited, responses, and per question the choice counts or the texts. */
  async results(eventId: string, actor: Principal) {
    await this.records.visibleEvent(this.db.manager, eventId, actor);
    const [s] = await this.db.query(`SELECT questions, anonymous, sent_at FROM event_surveys WHERE event_id = $1`, [eventId]);
    if (!s) throw new AppError(404, 'events.noSurvey');
    const [{ invited }] = await this.db.query(`SELECT count(*)::int AS invited FROM event_survey_invitations WHERE event_id = $1`, [
      eventId,
    ]);
    const responses: { answers: Record<string, string | string[]> }[] = await this.db.query(
      `SELECT answers FROM event_survey_responses WHERE event_id = $1 ORDER BY created_at`,
      [eventId],
    );
    const questions: QuestionResult[] = (s.questions as RegistrationQuestion[]).map((q) => {
      const given = responses.map((r) => r.answers[q.key]).filter((v) => v !== undefined && v !== '');
      if (q.type === 'text') return { key: q.key, label: q.label, type: q.type, answered: given.length, texts: given as string[] };
      const counts: Record<string, number> = Object.fromEntries((q.options ?? []).map((o) => [o, 0]));
      for (const v of given) for (const o of Array.isArray(v) ? v : [v]) counts[o] = (counts[o] ?? 0) + 1;
      return { key: q.key, label: q.label, type: q.type, answered: given.length, counts };
    });
    return { anonymous: s.anonymous, sentAt: s.sent_at, invited, responses: responses.length, questions };
  }
}
