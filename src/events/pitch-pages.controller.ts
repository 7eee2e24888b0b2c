import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppError } from '../../libs/common';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { flash, takeFlash } from '../web/flash';
import type { KyosoRequest } from '../web/request';
import { EventPages } from './event-pages.service';
import { PitchesService } from './pitches.service';

/** Pitch-day pages: applying, the secretariat's decisions, judges and awards, and the judges' scoring sheet. */
@ApiExcludeController()
@Controller('events')
export class PitchPagesController {
  constructor(
    private readonly pages: EventPages,
    private readonly pitches: PitchesService,
  ) {}

  @Can('events:pitch-apply')
  @Post(':id/pitch-applications')
  async applyPitch(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.pages.applyPitch(id, body, p);
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
    await this.pages.assignJudge(id, body, p);
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
    await this.pages.announceAwards(id, body, p, req.ip);
    flash(req, 'success', 'events.flash.awardsAnnounced');
    res.redirect(303, `/events/${id}`);
  }

  @Can('account:self')
  @Get(':id/judging')
  @Render('events/judging')
  async judging(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return { ...(await this.pages.judging(id, p)), flash: takeFlash(req) };
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
    await this.pages.score(id, aid, body, p);
    flash(req, 'success', 'events.flash.scored');
    res.redirect(303, `/events/${id}/judging`);
  }
}
