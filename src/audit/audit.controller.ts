import { Controller, Get, Query, Render, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeController, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { sendCsv } from '../web/csv';
import type { KyosoRequest } from '../web/request';
import { validateForm } from '../web/validation';
import { AuditLogQuery } from './audit.dto';
import { AuditService } from './audit.service';

@ApiTags('subsidies')
@ApiBearerAuth()
@Controller('api/v1')
export class AuditApiController {
  constructor(private readonly audit: AuditService) {}

  /** The append-only audit log (secretariat); `?format=csv` exports it (UTF-8 with BOM). */
  @Can('audit:read')
  @Get('audit-log')
  async auditLog(
    @Query() q: AuditLogQuery,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (q.format === 'csv') return sendCsv(res, 'audit-log.csv', await this.audit.csv(p, q, req.ip));
    return this.audit.list(q);
  }
}

/** The audit log's page, under the secretariat's subsidy admin where it has always been linked from. */
@ApiExcludeController()
@Controller('subsidies/admin')
export class AuditPageController {
  constructor(private readonly audit: AuditService) {}

  @Can('audit:read')
  @Get('audit')
  @Render('subsidies/audit')
  async auditPage(@Query() query: Record<string, unknown>) {
    return { log: await this.audit.list(await validateForm(AuditLogQuery, query)) };
  }

  @Can('audit:read')
  @Get('audit.csv')
  async auditCsv(@CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res({ passthrough: true }) res: Response) {
    return sendCsv(res, 'audit-log.csv', await this.audit.csv(p, Object.assign(new AuditLogQuery(), {}), req.ip));
  }
}
