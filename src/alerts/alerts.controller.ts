import { Body, Controller, Get, Param, Post, Query, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { FieldsService } from '../fields/fields.service';
import { pagination } from '../catalog/page-model';
import { MembersDirectory } from '../members/directory.service';
import { flash, takeFlash } from '../web/flash';
import type { KyosoRequest } from '../web/request';
import { validateForm } from '../web/validation';
import { AlertsService } from './alerts.service';
import { CreateSavedSearchDto, NotificationListQuery } from './dto/alerts.dto';

@ApiExcludeController()
@Controller()
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly fields: FieldsService,
    private readonly members: MembersDirectory,
  ) {}

  @Can('alerts:use')
  @Get('notifications')
  @Render('alerts/notifications')
  async notifications(@Query() raw: Record<string, unknown>, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    const q = await validateForm(NotificationListQuery, { page: raw.page });
    const result = await this.alerts.listNotifications(p, q.page, q.perPage);
    return { flash: takeFlash(req), ...result, pagination: pagination('/notifications', {}, result.total, result.page, result.perPage) };
  }

  @Can('alerts:use')
  @Post('notifications/read-all')
  async readAll(@CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    await this.alerts.markAllRead(p);
    flash(req, 'success', 'alerts.flash.allRead');
    res.redirect(303, '/notifications');
  }

  /** Marks one notification read and opens the item. */
  @Can('alerts:use')
  @Post('notifications/:id/open')
  async open(@Param('id') id: string, @CurrentUser() p: Principal, @Res() res: Response) {
    const n = await this.alerts.markRead(id, p);
    res.redirect(303, n.link);
  }

  @Can('alerts:use')
  @Get('saved-searches')
  @Render('alerts/saved-searches')
  async savedSearches(@CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    const [list, fields, munis] = await Promise.all([
      this.alerts.listSavedSearches(p),
      this.fields.list(req.lang),
      this.members.municipalities(),
    ]);
    const fieldName = new Map(fields.map((f) => [f.slug, f.name]));
    const muniName = new Map(munis.map((m) => [m.code, m.name]));
    return {
      flash: takeFlash(req),
      items: list.items.map((s) => ({
        ...s,
        fieldNames: s.field.map((f) => fieldName.get(f) ?? f),
        municipalityNames: s.municipality.map((c) => muniName.get(c) ?? c),
      })),
    };
  }

  /** 「この条件を保存」 on /issues and /solutions. */
  @Can('alerts:use')
  @Post('saved-searches')
  async save(@Body() body: Record<string, unknown>, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    const f = await validateForm(CreateSavedSearchDto, {
      kind: body?.kind,
      q: body?.q || undefined,
      field: body?.field,
      municipality: body?.municipality,
    });
    await this.alerts.createSavedSearch(p, f);
    flash(req, 'success', 'alerts.flash.saved');
    res.redirect(303, '/saved-searches');
  }

  @Can('alerts:use')
  @Post('saved-searches/:id/delete')
  async remove(@Param('id') id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    await this.alerts.deleteSavedSearch(id, p);
    flash(req, 'success', 'alerts.flash.deleted');
    res.redirect(303, '/saved-searches');
  }
}
