import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { sendCsv } from '../web/csv';
import type { KyosoRequest } from '../web/request';
import {
  ConflictDto,
  ChangeRequestDto,
  DecisionCommentDto,
  LedgerQuery,
  PaidDto,
  PartnerConfirmationDto,
  ScheduleDto,
} from './dto/subsidy-after.dto';
import { SubsidyLedgerService } from './subsidy-ledger.service';
import { SubsidyConflictsService } from './subsidy-conflicts.service';
import { SubsidyAfterGrantService } from './subsidy-after-grant.service';
import { SubsidyPartnerService } from './subsidy-partner.service';

/** The JSON API of "Subsidies after the grant (交付決定の後)": the partner's answer, changes, report return, payment. */
@ApiTags('subsidies')
@ApiBearerAuth()
@Controller('api/v1')
export class SubsidiesAfterApiController {
  constructor(
    private readonly partner: SubsidyPartnerService,
    private readonly after: SubsidyAfterGrantService,
    private readonly ledgers: SubsidyLedgerService,
    private readonly conflicts: SubsidyConflictsService,
  ) {}

  /** A reviewer declares a conflict of interest (利益相反) with an organisation: never assigned to, nor reviewing, its applications. */
  @Can('account:self')
  @Post('subsidy-conflicts')
  declareConflict(@Body() dto: ConflictDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.conflicts.declare(p, dto, req.ip);
  }

  @Can('account:self')
  @Get('subsidy-conflicts')
  async myConflicts(@CurrentUser() p: Principal) {
    const items = await this.conflicts.mine(p);
    return { items, total: items.length, page: 1, perPage: Math.max(items.length, 1) };
  }

  /** Secretariat: the programme's ledger (granted, confirmed, paid, released); `?format=csv` for Excel (UTF-8 with BOM). */
  @Can('subsidies:manage')
  @Get('subsidy-programs/:id/ledger')
  async ledger(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: LedgerQuery,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (q.format === 'csv') return sendCsv(res, 'subsidy-ledger.csv', await this.ledgers.ledgerCsv(p, id, req.ip));
    return this.ledgers.ledger(id);
  }

  /** The named municipal partner: `{ confirmed, comment? }` once the application is submitted. */
  @Can('account:self')
  @Post('subsidy-applications/:id/partner-confirmation')
  @HttpCode(200)
  partnerConfirmation(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: PartnerConfirmationDto,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
  ) {
    return this.partner.answer(p, id, dto, req.ip);
  }

  @Can('subsidies:apply')
  @Post('subsidy-applications/:id/change-requests')
  changeRequest(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ChangeRequestDto,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
  ) {
    return this.after.requestChange(p, id, dto, req.ip);
  }

  @Can('subsidies:manage')
  @Post('subsidy-change-requests/:cid/approve')
  @HttpCode(200)
  approveChange(
    @Param('cid', ParseUUIDPipe) cid: string,
    @Body() dto: DecisionCommentDto,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
  ) {
    return this.after.decideChange(p, cid, true, dto.comment, req.ip);
  }

  @Can('subsidies:manage')
  @Post('subsidy-change-requests/:cid/reject')
  @HttpCode(200)
  rejectChange(
    @Param('cid', ParseUUIDPipe) cid: string,
    @Body() dto: DecisionCommentDto,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
  ) {
    return this.after.decideChange(p, cid, false, dto.comment, req.ip);
  }

  @Can('subsidies:manage')
  @Post('subsidy-applications/:id/return-report')
  @HttpCode(200)
  returnReport(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: DecisionCommentDto,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
  ) {
    return this.after.returnReport(p, id, dto.comment, req.ip);
  }

  @Can('subsidies:apply')
  @Post('subsidy-applications/:id/payment-claim')
  @HttpCode(200)
  paymentClaim(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.after.claimPayment(p, id, req.ip);
  }

  @Can('subsidies:manage')
  @Post('subsidy-applications/:id/paid')
  @HttpCode(200)
  paid(@Param('id', ParseUUIDPipe) id: string, @Body() dto: PaidDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.after.pay(p, id, dto, req.ip);
  }

  /** Secretariat: the project period and the report deadline `{ projectStartsOn?, projectEndsOn?, reportDueOn }`. */
  @Can('subsidies:manage')
  @Post('subsidy-applications/:id/schedule')
  @HttpCode(200)
  schedule(@Param('id', ParseUUIDPipe) id: string, @Body() dto: ScheduleDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.after.schedule(p, id, dto, req.ip);
  }
}
