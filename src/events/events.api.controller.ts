import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { Request, Response } from 'express';
import { Can, CurrentUser, Public } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import type { KyosoRequest } from '../web/request';
import {
  CancelEventDto,
  CheckInDto,
  CreateEventDto,
  EventListQuery,
  RegisterDto,
  RegistrationsQuery,
  UpdateEventDto,
} from './dto/event.dto';
import { GuestRegistrationDto, GuestTokenDto } from './dto/guest.dto';
import { AnnounceAwardsDto, AssignJudgeDto, PitchApplyDto, PitchDecisionDto, ScoreDto } from './dto/pitch.dto';
import { EventCalendarService } from './calendar.service';
import { CheckInService } from './check-in.service';
import { EventsService } from './events.service';
import { GuestRegistrationsService } from './guest-registrations.service';
import { PitchesService } from './pitches.service';
import { RegistrationsService } from './registrations.service';

export class FiguresQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(2000)
  @Max(2100)
  fiscalYear?: number;
}

@ApiTags('events')
@ApiBearerAuth()
@Controller('api/v1')
export class EventsApiController {
  constructor(
    private readonly events: EventsService,
    private readonly registrationsService: RegistrationsService,
    private readonly checkIns: CheckInService,
    private readonly calendar: EventCalendarService,
    private readonly pitches: PitchesService,
    private readonly guests: GuestRegistrationsService,
  ) {}

  @Can('events:manage')
  @Post('events')
  create(@Body() dto: CreateEventDto, @CurrentUser() p: Principal, @Req() req: Request) {
    return this.events.create(dto, p, req.ip);
  }

  @Public()
  @Get('events')
  list(@Query() q: EventListQuery, @CurrentUser() p?: Principal) {
    return this.events.list(q, p);
  }

  @Can('account:self')
  @Get('events/mine')
  async mine(@CurrentUser() p: Principal) {
    const items = await this.events.myEvents(p.userId);
    return { items, total: items.length, page: 1, perPage: items.length };
  }

  @Can('events:manage')
  @Get('events/figures')
  figures(@Query() q: FiguresQuery) {
    return this.events.figures(q.fiscalYear);
  }

  @Can('account:self')
  @Post('events/calendar-feed')
  feed(@CurrentUser() p: Principal) {
    return this.calendar.createFeed(p.userId);
  }

  @Public()
  @Get('events/:id')
  get(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p?: Principal) {
    return this.events.get(id, p);
  }

  @Can('events:manage')
  @Patch('events/:id')
  update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateEventDto, @CurrentUser() p: Principal) {
    return this.events.update(id, dto, p);
  }

  @Can('events:manage')
  @Post('events/:id/publish')
  @HttpCode(200)
  publish(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal) {
    return this.events.publish(id, p);
  }

  @Can('events:manage')
  @Post('events/:id/cancel')
  @HttpCode(200)
  cancel(@Param('id', ParseUUIDPipe) id: string, @Body() dto: CancelEventDto, @CurrentUser() p: Principal, @Req() req: Request) {
    return this.events.cancel(id, dto.reason, p, req.ip);
  }

  /** 201 with the new registration; 200 with the existing one when already registered. */
  @Can('account:self')
  @Post('events/:id/registrations')
  async register(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: RegisterDto,
    @CurrentUser() p: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { created, ...reg } = await this.registrationsService.register(id, p, dto.userId, {
      categoryId: dto.categoryId,
      answers: dto.answers,
    });
    res.status(created ? 201 : 200);
    return reg;
  }

  @Can('account:self')
  @Delete('events/:id/registrations/mine')
  cancelMine(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal) {
    return this.registrationsService.cancelRegistration(id, p);
  }

  /** An org admin cancels a colleague's registration (the secretariat anyone's). */
  @Can('account:self')
  @Delete('events/:id/registrations/users/:userId')
  cancelFor(@Param('id', ParseUUIDPipe) id: string, @Param('userId', ParseUUIDPipe) userId: string, @CurrentUser() p: Principal) {
    return this.registrationsService.cancelRegistration(id, p, userId);
  }

  @Can('events:manage')
  @Get('events/:id/registrations')
  async registrations(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: RegistrationsQuery,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (q.format === 'csv') {
      const csv = await this.registrationsService.registrationsCsv(id, p, req.lang, req.ip);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${csv.filename}"`);
      res.send(csv.body);
      return;
    }
    const r = await this.registrationsService.registrations(id, p);
    return {
      items: r.items,
      total: r.items.length,
      page: 1,
      perPage: r.items.length,
      confirmed: r.confirmed,
      waitlisted: r.waitlisted,
      attended: r.attended,
    };
  }

  @Can('events:manage')
  @Post('events/:id/check-ins')
  checkIn(@Param('id', ParseUUIDPipe) id: string, @Body() dto: CheckInDto, @CurrentUser() p: Principal) {
    return this.checkIns.checkIn(id, dto.code, p, dto.override);
  }

  // ---- guests (no account) for public events

  /** 202: a mail with the confirmation link follows; the seat counts only once the link is opened. */
  @Public()
  @Post('events/:id/guest-registrations')
  @HttpCode(202)
  guestRegister(@Param('id', ParseUUIDPipe) id: string, @Body() dto: GuestRegistrationDto, @Req() req: Request) {
    return this.guests.request(id, dto, req.ip);
  }

  @Public()
  @Post('guest-registrations/confirm')
  @HttpCode(200)
  guestConfirm(@Body() dto: GuestTokenDto) {
    return this.guests.confirm(dto.token);
  }

  @Public()
  @Post('guest-registrations/cancel')
  @HttpCode(200)
  guestCancel(@Body() dto: GuestTokenDto) {
    return this.guests.cancel(dto.token);
  }

  @Public()
  @Get('events/:id/calendar.ics')
  async ics(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal | undefined, @Res() res: Response) {
    const body = await this.calendar.eventIcs(id, p);
    res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="event-${id}.ics"`);
    res.send(body);
  }

  // ---- pitch days

  @Can('events:pitch-apply')
  @Post('events/:id/pitch-applications')
  apply(@Param('id', ParseUUIDPipe) id: string, @Body() dto: PitchApplyDto, @CurrentUser() p: Principal) {
    return this.pitches.apply(id, dto, p);
  }

  @Can('account:self')
  @Get('events/:id/pitch-applications')
  async pitchList(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal) {
    await this.events.get(id, p);
    const items = await this.pitches.list(id, p);
    return { items, total: items.length, page: 1, perPage: items.length };
  }

  @Can('events:manage')
  @Post('pitch-applications/:id/decision')
  @HttpCode(200)
  decide(@Param('id', ParseUUIDPipe) id: string, @Body() dto: PitchDecisionDto, @CurrentUser() p: Principal, @Req() req: Request) {
    return this.pitches.decide(id, dto.decision as 'selected' | 'rejected', p, req.ip);
  }

  @Can('events:manage')
  @Get('events/:id/judges')
  async judges(@Param('id', ParseUUIDPipe) id: string) {
    const items = await this.pitches.judges(id);
    return { items, total: items.length, page: 1, perPage: items.length };
  }

  @Can('events:manage')
  @Post('events/:id/judges')
  @HttpCode(204)
  async assignJudge(@Param('id', ParseUUIDPipe) id: string, @Body() dto: AssignJudgeDto, @CurrentUser() p: Principal) {
    await this.pitches.assignJudge(id, dto.userId, p);
  }

  @Can('events:manage')
  @Delete('events/:id/judges/:userId')
  @HttpCode(204)
  async removeJudge(@Param('id', ParseUUIDPipe) id: string, @Param('userId', ParseUUIDPipe) userId: string, @CurrentUser() p: Principal) {
    await this.pitches.removeJudge(id, userId, p);
  }

  @Can('account:self')
  @Get('events/:id/judging')
  judging(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal) {
    return this.pitches.judging(id, p);
  }

  @Can('account:self')
  @Post('pitch-applications/:id/scores')
  score(@Param('id', ParseUUIDPipe) id: string, @Body() dto: ScoreDto, @CurrentUser() p: Principal) {
    return this.pitches.score(id, dto.scores, dto.comment, p);
  }

  @Can('events:manage')
  @Post('events/:id/awards')
  @HttpCode(200)
  async awards(@Param('id', ParseUUIDPipe) id: string, @Body() dto: AnnounceAwardsDto, @CurrentUser() p: Principal, @Req() req: Request) {
    const items = await this.pitches.announceAwards(id, dto.awards, p, req.ip);
    return { items, total: items.length, page: 1, perPage: items.length };
  }
}
