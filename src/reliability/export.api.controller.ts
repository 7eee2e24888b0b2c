import { Controller, Get, Param, ParseUUIDPipe, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import type { KyosoRequest } from '../web/request';
import { OrganizationExportService } from './export.service';

@ApiTags('organizations')
@ApiBearerAuth()
@Controller('api/v1/organizations')
export class OrganizationExportController {
  constructor(private readonly exports: OrganizationExportService) {}

  /** Everything Kyoso holds about the caller's organisation and its people, as JSON (no passwords or tokens). */
  @ApiOperation({ summary: "Export the organisation's own data (its administrators)" })
  @Can('organization:manage')
  @Get(':id/export')
  export(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.exports.export(id, p, req.ip);
  }
}
