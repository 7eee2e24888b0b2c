import { Injectable } from '@nestjs/common';
import { AppError } from '../../libs/common';
import { isSecretariat, type Principal } from '../auth/principal';
import { withForm } from '../web/form-error';
import { validateForm } from '../web/validation';
import { CancelEventDto, CheckInDto, CreateEventDto, EventFormDto, PresentationFormDto } from './dto/event.dto';
import { PitchApplyDto } from './dto/pitch.dto';
import { EVENT_KINDS } from './entities/event.entity';
import { EventCalendarService } from './calendar.service';
import { CheckInService } from './check-in.service';
import { EventMessageDto, RecordedAttendanceDto, SurveyDto } from './dto/follow-up.dto';
import { EventExtrasDto } from './dto/guest.dto';
import { categoryLines, parseCategoryLines, parseQuestionLines, questionLines } from './event-form-lines';
import { EventSeats } from './event-seats';
import { FollowUpService } from './follow-up.service';
import { answersOf } from './registration-answers';
import type { EventView } from './events.model';
import { EventsService } from './events.service';
import { PitchesService } from './pitches.service';
import { ProgrammesService } from './programmes.service';
import { RegistrationsService } from './registrations.service';

type Form = Record<string, string>;

/** 'YYYY-MM-DDTHH:mm' typed in Japan → ISO with +09:00 */
const fromLocal = (v: string | undefined) => (v ? `${v}:00+09:00` : undefined);
/** an instant → 'YYYY-MM-DDTHH:mm' in Asia/Tokyo, for datetime-local inputs */
const toLocal = (d: Date | string | null | undefined) =>
  d ? new Date(new Date(d).getTime() + 9 * 3600_000).toISOString().slice(0, 16) : '';
const toLocalDate = (d: Date | string) => toLocal(d).slice(0, 10);
/** the submitted values to show again in a form (without the CSRF token) */
const valuesOf = (body: Form | undefined) => {
  const { _csrf, ...values } = body ?? {};
  return values;
};

const toDto = (f: EventFormDto): CreateEventDto => ({
  title: f.title,
  kind: f.kind,
  description: f.description ?? '',
  startsAt: fromLocal(f.startsAt)!,
  endsAt: fromLocal(f.endsAt)!,
  venue: f.venue || undefined,
  onlineUrl: f.onlineUrl || undefined,
  capacity: Number(f.capacity),
  registrationOpensAt: fromLocal(f.registrationOpensAt),
  registrationClosesAt: fromLocal(f.registrationClosesAt),
  visibility: f.visibility,
  status: f.status,
});

/**
 * The events pages' view models and form handling: each page action parses its form, calls the section service,
 * and on a refused form renders the page again with the errors (`withForm`). The page controllers stay thin.
 */
@Injectable()
export class EventPages {
  constructor(
    private readonly events: EventsService,
    private readonly registrations: RegistrationsService,
    private readonly checkIns: CheckInService,
    private readonly programmes: ProgrammesService,
    private readonly calendar: EventCalendarService,
    private readonly pitches: PitchesService,
    private readonly seats: EventSeats,
    private readonly followUp: FollowUpService,
  ) {}

  // ---------------------------------------------------------------- list and detail

  async index(p: Principal | undefined, kind: string | undefined) {
    const k = kind && (EVENT_KINDS as readonly string[]).includes(kind) ? kind : '';
    const { upcoming, past } = await this.events.listForPage(p, k);
    return { kinds: EVENT_KINDS, kind: k, upcoming, past, canManage: isSecretariat(p) };
  }

  /** The event page: the event (with the caller's workflow actions), its pitches, judges and the caller's feed. */
  async show(id: string, p: Principal | undefined) {
    const event = await this.events.get(id, p);
    const pitch = event.kind === 'pitch';
    const canApply =
      pitch &&
      !!p?.organizationId &&
      p.organizationKind !== 'municipality' &&
      !isSecretariat(p) &&
      event.status === 'published' &&
      !event.past;
    return {
      event,
      canManage: isSecretariat(p),
      signedIn: !!p,
      pitches: pitch ? await this.pitches.list(id, p) : [],
      mySolutions: canApply && p ? await this.pitches.mySolutions(p) : [],
      canApply,
      isJudge: pitch && p ? await this.pitches.isJudge(id, p.userId) : false,
      judges: pitch && isSecretariat(p) ? await this.pitches.judges(id) : [],
      hasFeed: p ? await this.calendar.hasFeed(p.userId) : false,
    };
  }

  register(id: string, p: Principal, body?: Record<string, string | string[]>) {
    return this.onShow(id, p, { values: body ?? {} }, () =>
      this.registrations.register(id, p, undefined, {
        categoryId: typeof body?.categoryId === 'string' && body.categoryId ? body.categoryId : undefined,
        answers: answersOf(body),
      }),
    );
  }

  cancelRegistration(id: string, p: Principal) {
    return this.onShow(id, p, {}, () => this.registrations.cancelRegistration(id, p));
  }

  /** Runs an action of the event page; a refusal renders the page again with the message. */
  private async onShow<T>(id: string, p: Principal, extra: Record<string, unknown>, action: () => Promise<T>): Promise<T> {
    return withForm('events/show', { ...(await this.show(id, p)), ...extra }, action);
  }

  // ---------------------------------------------------------------- create / edit (secretariat)

  private formModel(values: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    return { kinds: EVENT_KINDS, values, ...extra };
  }

  newForm() {
    return this.formModel({ visibility: 'members', capacity: 50, status: 'published' }, { isNew: true });
  }

  create(body: Form, p: Principal, ip?: string): Promise<EventView> {
    return withForm('events/form', this.formModel(valuesOf(body), { isNew: true }), async () => {
      const f = await validateForm(EventFormDto, body);
      const extras = await this.extrasOf(body);
      return this.events.create({ ...toDto(f), ...extras }, p, ip);
    });
  }

  /** The categories and questions typed one per line, validated like the API's. */
  private async extrasOf(body: Form, current?: EventView) {
    const categories = parseCategoryLines(body?.categoriesText);
    const unchanged =
      current &&
      categoryLines(current.categories) === categoryLines(categories.map((c) => ({ ...c, id: '', confirmedCount: 0, seatsLeft: 0 })));
    const extras = await validateForm(EventExtrasDto, {
      ...(categories.length && !unchanged ? { categories } : {}),
      questions: parseQuestionLines(body?.questionsText),
    });
    return { ...(extras.categories ? { categories: extras.categories } : {}), questions: extras.questions ?? [] };
  }

  async editForm(id: string, p: Principal) {
    return this.editModel(await this.events.get(id, p));
  }

  private async editModel(e: EventView, values?: Record<string, unknown>) {
    return this.formModel(
      values ?? {
        title: e.title,
        kind: e.kind,
        description: e.description,
        startsAt: toLocal(e.startsAt),
        endsAt: toLocal(e.endsAt),
        venue: e.venue ?? '',
        onlineUrl: e.onlineUrl ?? '',
        capacity: e.capacity,
        registrationOpensAt: toLocal(e.registrationOpensAt),
        registrationClosesAt: toLocal(e.registrationClosesAt),
        visibility: e.visibility,
        categoriesText: categoryLines(e.categories),
        questionsText: questionLines(e.questions),
      },
      {
        event: e,
        municipalities: e.kind === 'meetup' ? await this.programmes.municipalities() : [],
        issueChoices: e.kind === 'meetup' ? await this.programmes.publishedIssuesFor([]) : [],
        eventDate: toLocalDate(e.startsAt),
      },
    );
  }

  async edit(id: string, body: Form, p: Principal): Promise<void> {
    const e = await this.events.get(id, p);
    await withForm('events/form', await this.editModel(e, valuesOf(body)), async () => {
      const f = await validateForm(EventFormDto, body);
      const { status: _s, ...dto } = toDto(f);
      const extras = await this.extrasOf(body, e);
      await this.events.update(
        id,
        {
          ...dto,
          ...extras,
          venue: f.venue || null,
          onlineUrl: f.onlineUrl || null,
          registrationOpensAt: fromLocal(f.registrationOpensAt) ?? null,
          registrationClosesAt: fromLocal(f.registrationClosesAt) ?? null,
        },
        p,
      );
    });
  }

  cancel(id: string, body: Form, p: Principal, ip?: string) {
    return this.onShow(id, p, { cancelling: true }, async () => {
      const f = await validateForm(CancelEventDto, body);
      await this.events.cancel(id, f.reason, p, ip);
    });
  }

  async addPresentation(id: string, body: Form, p: Principal): Promise<void> {
    const e = await this.events.get(id, p);
    await withForm(
      'events/form',
      await this.editModel(e),
      async () => {
        const f = await validateForm(PresentationFormDto, body);
        const day = toLocalDate(e.startsAt);
        const ids = String(f.issueIds ?? '')
          .split(/[\s,]+/)
          .filter(Boolean);
        const picked = ([] as string[]).concat((body as any).issueId ?? []).filter(Boolean);
        await this.programmes.addPresentation(
          id,
          {
            municipalityCode: f.municipalityCode,
            title: f.title || undefined,
            issueIds: [...new Set([...ids, ...picked])],
            startsAt: f.slotStart ? `${day}T${f.slotStart}:00+09:00` : undefined,
            endsAt: f.slotEnd ? `${day}T${f.slotEnd}:00+09:00` : undefined,
          },
          p,
        );
      },
      { issueIds: 'issueIds', endsAt: 'slotEnd' },
    );
  }

  // ---------------------------------------------------------------- registrations, messages, survey (secretariat)

  /** The registrations page: registrants (with category and answers), the message form and log, the survey results. */
  async registrationsPage(id: string, p: Principal) {
    const r = await this.registrations.registrations(id, p);
    const event = await this.events.get(id, p);
    const survey = await this.followUp.results(id, p).catch(() => null);
    return {
      ...r,
      past: event.past,
      categories: event.categories,
      questions: event.questions,
      messages: await this.followUp.messages(id, p),
      survey,
    };
  }

  /** The message form: audience "all", "waitlist" or "category:<id>". */
  async sendMessage(id: string, body: Form, p: Principal) {
    return withForm('events/registrations', await this.registrationsPage(id, p), async () => {
      const [audience, categoryId] = String(body?.audience ?? '').split(':');
      const f = await validateForm(EventMessageDto, {
        audience,
        categoryId: categoryId || undefined,
        subject: body?.subject,
        body: body?.body,
      });
      return this.followUp.sendMessage(id, f, p);
    });
  }

  /** The survey form (questions one per line) on the registrations page of a past event. */
  async sendSurvey(id: string, body: Form, p: Principal) {
    return withForm('events/registrations', await this.registrationsPage(id, p), async () => {
      const f = await validateForm(SurveyDto, { questions: parseQuestionLines(body?.questionsText), anonymous: !!body?.anonymous });
      return this.followUp.createSurvey(id, f, p);
    });
  }

  async recordAttendance(id: string, body: Form, p: Principal) {
    return withForm('events/registrations', await this.registrationsPage(id, p), async () => {
      const f = await validateForm(RecordedAttendanceDto, {
        attended: body?.attended === '' ? undefined : Number(body?.attended),
        ...(body?.organizations ? { organizations: Number(body.organizations) } : {}),
      });
      return this.followUp.recordAttendance(id, f, p);
    });
  }

  // ---------------------------------------------------------------- check-in (secretariat)

  /** The door: the camera scanner (QR of the check-in code), the code form, and a name search as fallback. */
  async checkInPage(id: string, p: Principal, values: Record<string, unknown> = {}, q?: string) {
    const r = await this.registrations.registrations(id, p);
    const day = (d: Date) => new Date(new Date(d).getTime() + 9 * 3600_000).toISOString().slice(0, 10);
    const today = day(new Date());
    const eventDay = today >= day(r.event.startsAt) && today <= day(r.event.endsAt);
    const needle = String(q ?? '')
      .trim()
      .toLowerCase()
      .slice(0, 100);
    const found = needle
      ? r.items
          .filter((i) => i.status === 'confirmed')
          .filter((i) => [i.name, i.organizationName ?? ''].some((v) => v.toLowerCase().includes(needle)))
          .slice(0, 30)
      : [];
    return { event: r.event, confirmed: r.confirmed, attended: r.attended, values, q: needle, found, searched: !!needle, eventDay };
  }

  async checkIn(id: string, body: Form, p: Principal) {
    return withForm('events/check-in', await this.checkInPage(id, p, { code: body?.code }), async () => {
      const f = await validateForm(CheckInDto, { code: body?.code });
      return this.checkIns.checkIn(id, f.code, p, !!body?.override);
    });
  }

  // ---------------------------------------------------------------- pitch days

  applyPitch(id: string, body: Form, p: Principal) {
    return this.onShow(id, p, { values: valuesOf(body) }, async () => {
      const f = await validateForm(PitchApplyDto, body);
      await this.pitches.apply(id, f, p);
    });
  }

  assignJudge(id: string, body: Form, p: Principal) {
    return this.onShow(id, p, { values: { judgeEmail: body?.judgeEmail } }, async () => {
      const userId = await this.pitches.userByEmail(String(body?.judgeEmail ?? ''));
      if (!userId) throw new AppError(400, 'events.unknownUser', {}, { judgeEmail: ['events.unknownUser'] });
      await this.pitches.assignJudge(id, userId, p);
    });
  }

  /** Fields award_<applicationId> = award name (empty = none). */
  async announceAwards(id: string, body: Form, p: Principal, ip?: string) {
    const awards = Object.entries(body ?? {})
      .filter(([k, v]) => k.startsWith('award_') && String(v).trim())
      .map(([k, v]) => ({ applicationId: k.slice(6), award: String(v).trim().slice(0, 100) }));
    return withForm('events/judging', await this.pitches.judging(id, p), () => this.pitches.announceAwards(id, awards, p, ip));
  }

  async judging(id: string, p: Principal) {
    return { ...(await this.pitches.judging(id, p)), canManage: isSecretariat(p) };
  }

  /** Fields score_<criterion> = 1–5, and a comment. */
  async score(id: string, applicationId: string, body: Form, p: Principal) {
    const scores: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body ?? {})) if (k.startsWith('score_')) scores[k.slice(6)] = v === '' ? undefined : Number(v);
    return withForm('events/judging', { ...(await this.pitches.judging(id, p)), scoringId: applicationId }, () =>
      this.pitches.score(applicationId, scores, body?.comment, p),
    );
  }
}
