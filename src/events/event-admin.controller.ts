import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { flash, takeFlash } from '../web/flash';
import type { KyosoRequest } from '../web/request';
import { EventPages } from './event-pages.service';
import { EventsService } from './events.service';
import { ProgrammesService } from './programmes.service';
import { RegistrationsService } from './registrations.service';

/** The secretariat's events pages: create, edit, publish, cancel, the Meet-Up programme, registrations, check-in. */
@ApiExcludeController()
@Controller('events')
export class EventAdminController {
  constructor(
    private readonly pages: EventPages,
    private readonly events: EventsService,
    private readonly programmes: ProgrammesService,
    private readonly registrations: RegistrationsService,
  ) {}

  @Can('events:manage')
  @Get('new')
  @Render('events/form')
  newForm() {
    return this.pages.newForm();
  }

  @Can('events:manage')
  @Post()
  async create(@Body() body: Record<string, string>, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    const created = await this.pages.create(body, p, req.ip);
    flash(req, 'success', 'events.flash.created');
    res.redirect(303, `/events/${created.id}`);
  }

  @Can('events:manage')
  @Get(':id/edit')
  @Render('events/form')
  async editForm(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return { ...(await this.pages.editForm(id, p)), flash: takeFlash(req) };
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
    await this.pages.edit(id, body, p);
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
    await this.pages.cancel(id, body, p, req.ip);
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
    await this.pages.addPresentation(id, body, p);
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
    await this.programmes.removePresentation(id, pid, p);
    flash(req, 'success', 'events.flash.presentationRemoved');
    res.redirect(303, `/events/${id}/edit`);
  }

  @Can('events:manage')
  @Get(':id/registrations')
  async registrationList(
    @Param('id', ParseUUIDPipe) id: string,
    @Query('format') format: string | undefined,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    if (format === 'csv') {
      const csv = await this.registrations.registrationsCsv(id, p, req.lang, req.ip);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${csv.filename}"`);
      res.send(csv.body);
      return;
    }
    res.render('events/registrations', { ...(await this.pages.registrationsPage(id, p)), flash: takeFlash(req) });
  }

  @Can('events:manage')
  @Post(':id/messages')
  async message(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const sent = await this.pages.sendMessage(id, body, p);
    flash(req, 'success', 'events.flash.messageSent', { n: sent.recipients });
    res.redirect(303, `/events/${id}/registrations`);
  }

  @Can('events:manage')
  @Post(':id/survey')
  async survey(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const sent = await this.pages.sendSurvey(id, body, p);
    flash(req, 'success', 'events.flash.surveySent', { n: sent.invited });
    res.redirect(303, `/events/${id}/registrations`);
  }

  @Can('events:manage')
  @Post(':id/attendance')
  async attendance(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.pages.recordAttendance(id, body, p);
    flash(req, 'success', 'events.flash.attendanceRecorded');
    res.redirect(303, `/events/${id}/registrations`);
  }

  @Can('events:manage')
  @Get(':id/check-in')
  @Render('events/check-in')
  async checkInPage(
    @Param('id', ParseUUIDPipe) id: string,
    @Query('q') q: string | undefined,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
  ) {
    return { ...(await this.pages.checkInPage(id, p, {}, q)), flash: takeFlash(req) };
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
    const done = await this.pages.checkIn(id, body, p);
    flash(req, 'success', 'events.flash.checkedIn', { name: done.name });
    res.redirect(303, `/events/${id}/check-in`);
  }
}
