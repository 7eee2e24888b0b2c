import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppError } from '../../libs/common';
import { Can, CurrentUser, Public } from '../auth/decorators';
import { isSecretariat, type Principal } from '../auth/principal';
import { flash, takeFlash } from '../web/flash';
import { withForm } from '../web/form-error';
import type { KyosoRequest } from '../web/request';
import { validateForm } from '../web/validation';
import { CancelEventDto, CheckInDto, CreateEventDto, EventFormDto, PresentationFormDto } from './dto/event.dto';
import { PitchApplyDto } from './dto/pitch.dto';
import { EVENT_KINDS } from './entities/event.entity';
import { EventsService, EventView } from './events.service';
import { PitchesService } from './pitches.service';

/** 'YYYY-MM-DDTHH:mm' typed in Japan → ISO with +09:00 */
const fromLocal = (v: string | undefined) => (v ? `${v}:00+09:00` : undefined);
/** an instant → 'YYYY-MM-DDTHH:mm' in Asia/Tokyo, for datetime-local inputs */
const toLocal = (d: Date | string | null | undefined) =>
  d ? new Date(new Date(d).getTime() + 9 * 3600_000).toISOString().slice(0, 16) : '';
const toLocalDate = (d: Date | string) => toLocal(d).slice(0, 10);

@ApiExcludeController()
@Controller('events')
export class EventsController {
  constructor(
    private readonly events: EventsService,
    private readonly pitches: PitchesService,
  ) {}

  @Public()
  @Get()
  @Render('events/index')
  async index(@Query('kind') kind: string | undefined, @CurrentUser() p: Principal | undefined, @Req() req: KyosoRequest) {
    const k = kind && (EVENT_KINDS as readonly string[]).includes(kind) ? kind : '';
    const { upcoming, past } = await this.events.listForPage(p, k);
    return { kinds: EVENT_KINDS, kind: k, upcoming, past, canManage: isSecretariat(p), flash: takeFlash(req) };
  }

  // ---------------------------------------------------------------- create / edit (secretariat)

  private formModel(values: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    return { kinds: EVENT_KINDS, values, ...extra };
  }

  private toDto(f: EventFormDto): CreateEventDto {
    return {
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
    };
  }

  @Can('events:manage')
  @Get('new')
  @Render('events/form')
  newForm() {
    return this.formModel({ visibility: 'members', capacity: 50, status: 'published' }, { isNew: true });
  }

  @Can('events:manage')
  @Post()
  async create(@Body() body: Record<string, string>, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    const { _csrf, ...values } = body ?? {};
    const created = await withForm('events/form', this.formModel(values, { isNew: true }), async () => {
      const f = await validateForm(EventFormDto, body);
      return this.events.create(this.toDto(f), p, req.ip);
    });
    flash(req, 'success', 'events.flash.created');
    res.redirect(303, `/events/${created.id}`);
  }

  @Public()
  @Get('feed/:file')
  async feed(@Param('file') file: string, @Res() res: Response) {
    const token = String(file).replace(/\.ics$/, '');
    const body = await this.events.feedIcs(token);
    res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
    res.send(body);
  }

  @Can('account:self')
  @Post('calendar-feed')
  @Render('events/feed')
  async createFeed(@CurrentUser() p: Principal) {
    return this.events.createFeed(p.userId);
  }

  @Can('events:manage')
  @Get(':id/edit')
  @Render('events/form')
  async editForm(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.editModel(await this.events.get(id, p), undefined, req);
  }

  private async editModel(e: EventView, values?: Record<string, unknown>, req?: KyosoRequest) {
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
      },
      {
        event: e,
        municipalities: e.kind === 'meetup' ? await this.events.municipalities() : [],
        issueChoices: e.kind === 'meetup' ? await this.events.publishedIssuesFor([]) : [],
        eventDate: toLocalDate(e.startsAt),
        flash: req ? takeFlash(req) : undefined,
      },
    );
  }

  @Can('events:manage')
  @Post(':id/edit')
  async edit(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const { _csrf, ...values } = body ?? {};
    const e = await this.events.get(id, p);
    await withForm('events/form', await this.editModel(e, values), async () => {
      const f = await validateForm(EventFormDto, body);
      const { status: _s, ...dto } = this.toDto(f);
      await this.events.update(
        id,
        {
          ...dto,
          venue: f.venue || null,
          onlineUrl: f.onlineUrl || null,
          registrationOpensAt: fromLocal(f.registrationOpensAt) ?? null,
          registrationClosesAt: fromLocal(f.registrationClosesAt) ?? null,
        },
        p,
      );
    });
    flash(req, 'success', 'events.flash.saved');
    res.redirect(303, `/events/${id}`);
  }

  @Can('events:manage')
  @Post(':id/publish')
  async publish(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    await this.events.publish(id, p);
    flash(req, 'success', 'events.flash.published');
    res.redirect(303, `/events/${id}`);
  }

  @Can('events:manage')
  @Post(':id/cancel')
  async cancel(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await withForm('events/show', { ...(await this.showModel(id, p)), cancelling: true }, async () => {
      const f = await validateForm(CancelEventDto, body);
      await this.events.cancel(id, f.reason, p, req.ip);
    });
    flash(req, 'success', 'events.flash.cancelled');
    res.redirect(303, `/events/${id}`);
  }

  @Can('events:manage')
  @Post(':id/presentations')
  async addPresentation(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const e = await this.events.get(id, p);
    const { _csrf, ...values } = body ?? {};
    await withForm(
      'events/form',
      await this.editModel(e, undefined),
      async () => {
        const f = await validateForm(PresentationFormDto, body);
        const day = toLocalDate(e.startsAt);
        const ids = String(f.issueIds ?? '')
          .split(/[\s,]+/)
          .filter(Boolean);
        const picked = ([] as string[]).concat((body as any).issueId ?? []).filter(Boolean);
        await this.events.addPresentation(
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
    void values;
    flash(req, 'success', 'events.flash.presentationAdded');
    res.redirect(303, `/events/${id}/edit`);
  }

  @Can('events:manage')
  @Post(':id/presentations/:pid/delete')
  async removePresentation(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('pid', ParseUUIDPipe) pid: string,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.events.removePresentation(id, pid, p);
    flash(req, 'success', 'events.flash.presentationRemoved');
    res.redirect(303, `/events/${id}/edit`);
  }

  // ---------------------------------------------------------------- detail, register, cancel

  private async showModel(id: string, p: Principal | undefined) {
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
      hasFeed: p ? await this.events.hasFeed(p.userId) : false,
    };
  }

  @Public()
  @Get(':id')
  @Render('events/show')
  async show(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal | undefined, @Req() req: KyosoRequest) {
    return { ...(await this.showModel(id, p)), flash: takeFlash(req) };
  }

  @Public()
  @Get(':id/calendar.ics')
  async ics(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal | undefined, @Res() res: Response) {
    const body = await this.events.eventIcs(id, p);
    res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="event-${id}.ics"`);
    res.send(body);
  }

  @Can('account:self')
  @Post(':id/register')
  async register(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    const r = await withForm('events/show', await this.showModel(id, p), () => this.events.register(id, p));
    flash(req, 'success', r.status === 'confirmed' ? 'events.flash.registered' : 'events.flash.waitlisted');
    res.redirect(303, `/events/${id}`);
  }

  @Can('account:self')
  @Post(':id/cancel-registration')
  async cancelRegistration(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await withForm('events/show', await this.showModel(id, p), () => this.events.cancelRegistration(id, p));
    flash(req, 'success', 'events.flash.registrationCancelled');
    res.redirect(303, `/events/${id}`);
  }

  // ---------------------------------------------------------------- secretariat: registrations, check-in

  @Can('events:manage')
  @Get(':id/registrations')
  async registrations(
    @Param('id', ParseUUIDPipe) id: string,
    @Query('format') format: string | undefined,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    if (format === 'csv') {
      const csv = await this.events.registrationsCsv(id, p, req.lang, req.ip);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${csv.filename}"`);
      res.send(csv.body);
      return;
    }
    res.render('events/registrations', { ...(await this.events.registrations(id, p)), flash: takeFlash(req) });
  }

  @Can('events:manage')
  @Get(':id/check-in')
  @Render('events/check-in')
  async checkInPage(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    const r = await this.events.registrations(id, p);
    return { event: r.event, confirmed: r.confirmed, attended: r.attended, flash: takeFlash(req), values: {} };
  }

  @Can('events:manage')
  @Post(':id/check-in')
  async checkIn(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const r = await this.events.registrations(id, p);
    const model = { event: r.event, confirmed: r.confirmed, attended: r.attended, values: { code: body?.code } };
    const done = await withForm('events/check-in', model, async () => {
      const f = await validateForm(CheckInDto, body);
      return this.events.checkIn(id, f.code, p);
    });
    flash(req, 'success', 'events.flash.checkedIn', { name: done.name });
    res.redirect(303, `/events/${id}/check-in`);
  }

  // ---------------------------------------------------------------- pitch days

  @Can('events:pitch-apply')
  @Post(':id/pitch-applications')
  async applyPitch(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const { _csrf, ...values } = body ?? {};
    await withForm('events/show', { ...(await this.showModel(id, p)), values }, async () => {
      const f = await validateForm(PitchApplyDto, body);
      await this.pitches.apply(id, f, p);
    });
    flash(req, 'success', 'events.flash.pitchApplied');
    res.redirect(303, `/events/${id}`);
  }

  @Can('events:manage')
  @Post(':id/pitch-applications/:aid/:decision')
  async decidePitch(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('aid', ParseUUIDPipe) aid: string,
    @Param('decision') decision: string,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    if (decision !== 'select' && decision !== 'reject') throw new AppError(404, 'notFound');
    await this.pitches.decide(aid, decision === 'select' ? 'selected' : 'rejected', p, req.ip);
    flash(req, 'success', decision === 'select' ? 'events.flash.pitchSelected' : 'events.flash.pitchRejected');
    res.redirect(303, `/events/${id}`);
  }

  @Can('events:manage')
  @Post(':id/judges')
  async assignJudge(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await withForm('events/show', { ...(await this.showModel(id, p)), values: { judgeEmail: body?.judgeEmail } }, async () => {
      const userId = await this.pitches.userByEmail(String(body?.judgeEmail ?? ''));
      if (!userId) throw new AppError(400, 'events.unknownUser', {}, { judgeEmail: ['events.unknownUser'] });
      await this.pitches.assignJudge(id, userId, p);
    });
    flash(req, 'success', 'events.flash.judgeAssigned', { email: body.judgeEmail });
    res.redirect(303, `/events/${id}`);
  }

  @Can('events:manage')
  @Post(':id/judges/:uid/remove')
  async removeJudge(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('uid', ParseUUIDPipe) uid: string,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.pitches.removeJudge(id, uid, p);
    flash(req, 'success', 'events.flash.judgeRemoved');
    res.redirect(303, `/events/${id}`);
  }

  @Can('events:manage')
  @Post(':id/awards')
  async awards(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    // fields award_<applicationId> = award name (empty = none)
    const awards = Object.entries(body ?? {})
      .filter(([k, v]) => k.startsWith('award_') && String(v).trim())
      .map(([k, v]) => ({ applicationId: k.slice(6), award: String(v).trim().slice(0, 100) }));
    await withForm('events/judging', await this.pitches.judging(id, p), () => this.pitches.announceAwards(id, awards, p, req.ip));
    flash(req, 'success', 'events.flash.awardsAnnounced');
    res.redirect(303, `/events/${id}`);
  }

  @Can('account:self')
  @Get(':id/judging')
  @Render('events/judging')
  async judging(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return { ...(await this.pitches.judging(id, p)), canManage: isSecretariat(p), flash: takeFlash(req) };
  }

  @Can('account:self')
  @Post(':id/judging/:aid')
  async score(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('aid', ParseUUIDPipe) aid: string,
    @Body() body: Record<string, string>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const scores: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body ?? {})) if (k.startsWith('score_')) scores[k.slice(6)] = v === '' ? undefined : Number(v);
    await withForm('events/judging', { ...(await this.pitches.judging(id, p)), scoringId: aid }, () =>
      this.pitches.score(aid, scores, body?.comment, p),
    );
    flash(req, 'success', 'events.flash.scored');
    res.redirect(303, `/events/${id}/judging`);
  }
}
