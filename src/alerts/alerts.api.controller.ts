import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { AlertsService } from './alerts.service';
import { CreateSavedSearchDto, NotificationListQuery } from './dto/alerts.dto';

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('api/v1')
export class AlertsApiController {
  constructor(private readonly alerts: AlertsService) {}

  /** Save a search; newly published items that match it become notifications (and the daily digest). */
  @Can('alerts:use')
  @Post('saved-searches')
  createSavedSearch(@Body() dto: CreateSavedSearchDto, @CurrentUser() p: Principal) {
    return this.alerts.createSavedSearch(p, dto);
  }

  @Can('alerts:use')
  @Get('saved-searches')
  listSavedSearches(@CurrentUser() p: Principal) {
    return this.alerts.listSavedSearches(p);
  }

  @Can('alerts:use')
  @Delete('saved-searches/:id')
  @HttpCode(204)
  async deleteSavedSearch(@Param('id') id: string, @CurrentUser() p: Principal) {
    await this.alerts.deleteSavedSearch(id, p);
  }

  /** Your notifications, newest first; `unread` = how many are unread. */
  @Can('alerts:use')
  @Get('notifications')
  notifications(@Query() q: NotificationListQuery, @CurrentUser() p: Principal) {
    return this.alerts.listNotifications(p, q.page, q.perPage, !!q.unread);
  }

  @Can('alerts:use')
  @Post('notifications/read-all')
  @HttpCode(200)
  readAll(@CurrentUser() p: Principal) {
    return this.alerts.markAllRead(p);
  }

  @Can('alerts:use')
  @Post('notifications/:id/read')
  @HttpCode(200)
  read(@Param('id') id: string, @CurrentUser() p: Principal) {
    return this.alerts.markRead(id, p);
  }
}
