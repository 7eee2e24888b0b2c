import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { sendCsv } from '../web/csv';
import { flash } from '../web/flash';
import { withForm } from '../web/form-error';
import type { KyosoRequest } from '../web/request';
import { validateForm } from '../web/validation';
import { ChangeRequestDto, DecisionCommentDto, PaidDto, PartnerConfirmationDto, ScheduleDto } from './dto/subsidy-after.dto';
import { SubsidyAfterGrantService } from './subsidy-after-grant.service';
import { SubsidyLedgerService } from './subsidy-ledger.service';
import { SubsidyPartnerService } from './subsidy-partner.service';
import { SubsidyProgramsService } from './subsidy-programs.service';
import { SubsidyApplicationsReader } from './subsidy-reader.service';
import { num, parseApplicationForm, str } from './subsidy.forms';
import type { FormBody } from './subsidy.forms';
import { applicationPageModel } from './subsidy.page-model';

/**
 * Pages: the steps after submission and after the grant on the application page (the forms come from `app.actions`):
 * the partner's answer, change requests and their decision, the report returned, the payment claim and the payment,
 * the project period and report deadline. Each POST parses its form, calls one service method, and goes back.
 */
@ApiExcludeController()
@Controller('subsidies')
export class SubsidyAfterGrantController {
  constructor(
    private readonly reader: SubsidyApplicationsReader,
    private readonly programs: SubsidyProgramsService,
    private readonly partner: SubsidyPartnerService,
    private readonly after: SubsidyAfterGrantService,
    private readonly ledgers: SubsidyLedgerService,
  ) {}

  /** The programme's ledger as CSV (UTF-8 with BOM), for the secretariat's programme page. */
  @Can('subsidies:manage')
  @Get('programs/:id/ledger.csv')
  async ledgerCsv(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    return sendCsv(res, 'subsidy-ledger.csv', await this.ledgers.ledgerCsv(p, id, req.ip));
  }

  private async step(
    id: string,
    p: Principal,
    req: KyosoRequest,
    res: Response,
    body: FormBody,
    flashKey: string,
    run: () => Promise<unknown>,
  ) {
    const model = await applicationPageModel(this.reader, this.programs, id, p, { values: body ?? {} });
    await withForm('subsidies/application', model, run);
    flash(req, 'success', flashKey);
    res.redirect(303, `/subsidies/applications/${id}`);
  }

  @Can('account:self')
  @Post('applications/:id/partner-confirmation')
  async partnerAnswer(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.partnerAnswered', async () => {
      const confirmed = body.confirmed === 'true' ? true : body.confirmed === 'false' ? false : body.confirmed;
      const dto = await validateForm(PartnerConfirmationDto, { confirmed, comment: body.comment || undefined });
      return this.partner.answer(p, id, dto, req.ip);
    });
  }

  @Can('subsidies:apply')
  @Post('applications/:id/change-requests')
  async changeRequest(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.changeRequested', async () => {
      const { budgetItems } = parseApplicationForm(body).dto;
      const dto = await validateForm(ChangeRequestDto, {
        reason: str(body.reason),
        requestedAmount: num(body.requestedAmount),
        budgetItems: budgetItems.length ? budgetItems : undefined,
      });
      return this.after.requestChange(p, id, dto, req.ip);
    });
  }

  /** One form with two buttons: `decision` = approve | reject, with the secretariat's comment. */
  @Can('subsidies:manage')
  @Post('change-requests/:cid/decide')
  async decideChange(
    @Param('cid', ParseUUIDPipe) cid: string,
    @Body() body: FormBody,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const id = await this.after.applicationOfChange(cid);
    const approve = body.decision === 'approve';
    await this.step(id, p, req, res, body, approve ? 'subsidies.changeApproved' : 'subsidies.changeRejected', async () => {
      const dto = await validateForm(DecisionCommentDto, { comment: body.comment });
      return this.after.decideChange(p, cid, approve, dto.comment, req.ip);
    });
  }

  @Can('subsidies:manage')
  @Post('applications/:id/return-report')
  async returnReport(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.reportReturned', async () =>
      this.after.returnReport(p, id, (await validateForm(DecisionCommentDto, { comment: body.comment })).comment, req.ip),
    );
  }

  @Can('subsidies:apply')
  @Post('applications/:id/payment-claim')
  async claim(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    await this.step(id, p, req, res, {}, 'subsidies.paymentClaimed', () => this.after.claimPayment(p, id, req.ip));
  }

  @Can('subsidies:manage')
  @Post('applications/:id/paid')
  async paid(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.paidDone', async () =>
      this.after.pay(p, id, await validateForm(PaidDto, { paidOn: body.paidOn }), req.ip),
    );
  }

  @Can('subsidies:manage')
  @Post('applications/:id/schedule')
  async schedule(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.scheduled', async () => {
      const dto = await validateForm(ScheduleDto, {
        projectStartsOn: body.projectStartsOn || undefined,
        projectEndsOn: body.projectEndsOn || undefined,
        reportDueOn: body.reportDueOn,
      });
      return this.after.schedule(p, id, dto, req.ip);
    });
  }
}
