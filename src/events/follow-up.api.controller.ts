import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Can, CurrentUser, Public } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { EventMessageDto, RecordedAttendanceDto, SurveyDto, SurveyResponseDto } from './dto/follow-up.dto';
import { FollowUpService } from './follow-up.service';

/** Messages to registrants, attendance recorded by hand, the survey after the event. */
@ApiTags('events')
@ApiBearerAuth()
@Controller('api/v1')
export class FollowUpApiController {
  constructor(private readonly followUp: FollowUpService) {}

  @Can('events:manage')
  @Post('events/:id/messages')
  message(@Param('id', ParseUUIDPipe) id: string, @Body() dto: EventMessageDto, @CurrentUser() p: Principal) {
    return this.followUp.sendMessage(id, dto, p);
  }

  @Can('events:manage')
  @Get('events/:id/messages')
  async messages(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal) {
    const items = await this.followUp.messages(id, p);
    return { items, total: items.length, page: 1, perPage: items.length };
  }

  /** Attendance recorded by hand for a past event (e.g. held before the platform). */
  @Can('events:manage')
  @Post('events/:id/attendance')
  @HttpCode(200)
  attendance(@Param('id', ParseUUIDPipe) id: string, @Body() dto: RecordedAttendanceDto, @CurrentUser() p: Principal) {
    return this.followUp.recordAttendance(id, dto, p);
  }

  /** Creates the survey and mails it to those who attended. */
  @Can('events:manage')
  @Post('events/:id/survey')
  survey(@Param('id', ParseUUIDPipe) id: string, @Body() dto: SurveyDto, @CurrentUser() p: Principal) {
    return this.followUp.createSurvey(id, dto, p);
  }

  @Can('events:manage')
  @Get('events/:id/survey/results')
  results(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal) {
    return this.followUp.results(id, p);
  }

  /** An attendee answers the survey through the mailed link's token (no account needed). */
  @Public()
  @Post('survey-responses')
  respond(@Body() dto: SurveyResponseDto) {
    return this.followUp.respond(dto.token, dto.answers);
  }
}
