import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Can, CurrentUser, Public } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { flash, takeFlash } from '../web/flash';
import type { KyosoRequest } from '../web/request';
import { EventCalendarService } from './calendar.service';
import { EventPages } from './event-pages.service';

/** The events pages everyone uses: the list, an event, registering and cancelling, calendars. */
@ApiExcludeController()
@Controller('events')
export class EventsController {
  constructor(
    private readonly pages: EventPages,
    private readonly calendar: EventCalendarService,
  ) {}

  @Public()
  @Get()
  @Render('events/index')
  async index(@Query('kind') kind: string | undefined, @CurrentUser() p: Principal | undefined, @Req() req: KyosoRequest) {
    return { ...(await this.pages.index(p, kind)), flash: takeFlash(req) };
  }

  @Public()
  @Get('feed/:file')
  async feed(@Param('file') file: string, @Res() res: Response) {
    const body = await this.calendar.feedIcs(String(file).replace(/\.ics$/, ''));
    res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
    res.send(body);
  }

  @Can('account:self')
  @Post('calendar-feed')
  @Render('events/feed')
  async createFeed(@CurrentUser() p: Principal) {
    return this.calendar.createFeed(p.userId);
  }

  @Public()
  @Get(':id')
  @Render('events/show')
  async show(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal | undefined, @Req() req: KyosoRequest) {
    return { ...(await this.pages.show(id, p)), flash: takeFlash(req) };
  }

  @Public()
  @Get(':id/calendar.ics')
  async ics(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal | undefined, @Res() res: Response) {
    const body = await this.calendar.eventIcs(id, p);
    res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="event-${id}.ics"`);
    res.send(body);
  }

  @Can('account:self')
  @Post(':id/register')
  async register(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string | string[]>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const r = await this.pages.register(id, p, body);
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
    await this.pages.cancelRegistration(id, p);
    flash(req, 'success', 'events.flash.registrationCancelled');
    res.redirect(303, `/events/${id}`);
  }
}
