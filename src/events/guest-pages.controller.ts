import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppError } from '../../libs/common';
import { Public } from '../auth/decorators';
import { flash, takeFlash } from '../web/flash';
import { withForm } from '../web/form-error';
import type { KyosoRequest } from '../web/request';
import { validateForm } from '../web/validation';
import { checkInQr } from './check-in-qr';
import { GuestRegistrationDto } from './dto/guest.dto';
import { EventPages } from './event-pages.service';
import { FollowUpService } from './follow-up.service';
import { GuestRegistrationsService } from './guest-registrations.service';
import { answersOf } from './registration-answers';

type Form = Record<string, string | string[]>;

/** Guests (no account) on public events: the registration form's target, the confirmation and manage pages. */
@ApiExcludeController()
@Controller('events')
export class GuestPagesController {
  constructor(
    private readonly guests: GuestRegistrationsService,
    private readonly pages: EventPages,
    private readonly followUp: FollowUpService,
  ) {}

  @Public()
  @Post(':id/guest-register')
  async register(@Param('id', ParseUUIDPipe) id: string, @Body() body: Form, @Req() req: KyosoRequest, @Res() res: Response) {
    const model = { ...(await this.pages.show(id, req.principal)), values: body };
    await withForm('events/show', model, async () => {
      const f = await validateForm(GuestRegistrationDto, {
        name: body?.name,
        email: body?.email,
        organizationName: body?.organizationName || undefined,
        categoryId: body?.categoryId || undefined,
        agreeToTerms: body?.agreeToTerms === 'true' || undefined,
      });
      return this.guests.request(id, { ...f, answers: answersOf(body) }, req.ip);
    });
    flash(req, 'success', 'events.guest.mailSent');
    res.redirect(303, `/events/${id}`);
  }

  @Public()
  @Get('guest/confirm')
  @Render('events/guest')
  async confirmPage(@Query('token') token: string | undefined, @Req() req: KyosoRequest) {
    return this.model('confirm', token, req);
  }

  @Public()
  @Post('guest/confirm')
  async confirm(@Body() body: Form, @Req() req: KyosoRequest, @Res() res: Response) {
    const token = String(body?.token ?? '');
    const model = await this.model('confirm', token, req);
    await withForm('events/guest', model, () => this.guests.confirm(token));
    res.redirect(303, `/events/guest/confirm?token=${encodeURIComponent(token)}`);
  }

  @Public()
  @Get('guest/manage')
  @Render('events/guest')
  async managePage(@Query('token') token: string | undefined, @Req() req: KyosoRequest) {
    return this.model('manage', token, req);
  }

  @Public()
  @Post('guest/cancel')
  async cancel(@Body() body: Form, @Req() req: KyosoRequest, @Res() res: Response) {
    const token = String(body?.token ?? '');
    const model = await this.model('manage', token, req);
    await withForm('events/guest', model, () => this.guests.cancel(token));
    flash(req, 'success', 'events.flash.registrationCancelled');
    res.redirect(303, `/events/guest/manage?token=${encodeURIComponent(token)}`);
  }

  @Public()
  @Get('survey')
  @Render('events/survey')
  async surveyPage(@Query('token') token: string | undefined, @Query('done') done: string | undefined) {
    if (!token || token.length > 200) throw new AppError(404, 'events.guestTokenInvalid');
    return { token, survey: await this.followUp.surveyByToken(token), done: done === '1' };
  }

  @Public()
  @Post('survey')
  async survey(@Body() body: Form, @Res() res: Response) {
    const token = String(body?.token ?? '');
    if (!token || token.length > 200) throw new AppError(404, 'events.guestTokenInvalid');
    const model = { token, survey: await this.followUp.surveyByToken(token), values: body };
    await withForm('events/survey', model, () => this.followUp.respond(token, answersOf(body)));
    res.redirect(303, `/events/survey?token=${encodeURIComponent(token)}&done=1`);
  }

  private async model(kind: 'confirm' | 'manage', token: string | undefined, req: KyosoRequest) {
    if (!token || token.length > 200) throw new AppError(404, 'events.guestTokenInvalid');
    const view = await this.guests.viewByToken(kind, token);
    return {
      kind,
      titleKey: `events.guest.${kind}Title`,
      stageKey: `events.guest.stage.${view.stage}`,
      token,
      view,
      qr: view.checkInCode && !view.checkedInAt ? await checkInQr(view.checkInCode) : null,
      canConfirm: kind === 'confirm' && view.status === 'pending',
      canCancel: kind === 'manage' && view.mayCancel,
      flash: takeFlash(req),
    };
  }
}
