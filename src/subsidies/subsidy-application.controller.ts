import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Render, Req, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { flash, takeFlash } from '../web/flash';
import { withForm } from '../web/form-error';
import type { KyosoRequest } from '../web/request';
import { validateForm } from '../web/validation';
import {
  AssignReviewerDto,
  CommentDto,
  ConfirmDto,
  DecisionDto,
  GrantDto,
  OptionalCommentDto,
  ReportDto,
  ReviewDto,
} from './dto/subsidy.dto';
import { sendDownload } from './subsidies.api.controller';
import { SubsidyAttachmentsService } from './subsidy-attachments.service';
import { SubsidyProgramsService } from './subsidy-programs.service';
import { SubsidyApplicationsReader } from './subsidy-reader.service';
import { SubsidyReviewsService } from './subsidy-reviews.service';
import { SubsidyTransitionsService } from './subsidy-transitions.service';
import { num, parseReviewForm, str } from './subsidy.forms';
import type { FormBody } from './subsidy.forms';
import { applicationPageModel } from './subsidy.page-model';
import { AttachmentUploadInterceptor } from './upload';
import type { UploadedBlob } from './upload';

/**
 * Pages: one application and its steps. Which forms the page shows comes from `app.actions` (the workflow table
 * and its role rules); each POST parses its form, calls one service method, and re-renders with errors or goes back.
 */
@ApiExcludeController()
@Controller('subsidies/applications')
export class SubsidyApplicationController {
  constructor(
    private readonly reader: SubsidyApplicationsReader,
    private readonly programs: SubsidyProgramsService,
    private readonly transitions: SubsidyTransitionsService,
    private readonly reviews: SubsidyReviewsService,
    private readonly attachments: SubsidyAttachmentsService,
  ) {}

  private model(id: string, p: Principal, extra: Record<string, unknown> = {}) {
    return applicationPageModel(this.reader, this.programs, id, p, extra);
  }

  /** One step on the application page: re-render with errors, or flash and back to the page. */
  private async step(
    id: string,
    p: Principal,
    req: KyosoRequest,
    res: Response,
    body: FormBody,
    flashKey: string,
    run: () => Promise<unknown>,
  ) {
    await withForm('subsidies/application', await this.model(id, p, { values: body ?? {} }), run);
    flash(req, 'success', flashKey);
    res.redirect(303, `/subsidies/applications/${id}`);
  }

  @Can('account:self')
  @Get(':id')
  @Render('subsidies/application')
  async application(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return { ...(await this.model(id, p)), flash: takeFlash(req) };
  }

  @Can('subsidies:apply')
  @Post(':id/attachments')
  @UseInterceptors(AttachmentUploadInterceptor)
  async upload(
    @Param('id', ParseUUIDPipe) id: string,
    @UploadedFile() file: UploadedBlob | undefined,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const body = (req.body ?? {}) as FormBody;
    const attached = await withForm('subsidies/application', await this.model(id, p), () =>
      this.attachments.addAttachment(p, id, file, str(body.kind), req.ip),
    );
    flash(req, 'success', 'subsidies.attached', { name: attached.filename });
    res.redirect(303, `/subsidies/applications/${id}`);
  }

  @Can('subsidies:apply')
  @Post(':id/attachments/:attachmentId/delete')
  async removeAttachment(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('attachmentId', ParseUUIDPipe) attachmentId: string,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, {}, 'subsidies.attachmentRemoved', () =>
      this.attachments.removeAttachment(p, id, attachmentId, req.ip),
    );
  }

  @Can('account:self')
  @Get(':id/attachments/:attachmentId')
  async download(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('attachmentId', ParseUUIDPipe) attachmentId: string,
    @CurrentUser() p: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    return sendDownload(res, await this.attachments.attachmentFile(p, id, attachmentId));
  }

  @Can('subsidies:apply')
  @Post(':id/submit')
  async submit(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    await this.step(id, p, req, res, {}, 'subsidies.submitted', () => this.transitions.submit(p, id, req.ip));
  }

  @Can('subsidies:apply')
  @Post(':id/withdraw')
  async withdraw(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.withdrawn', async () =>
      this.transitions.withdraw(p, id, (await validateForm(OptionalCommentDto, body)).comment, req.ip),
    );
  }

  @Can('subsidies:manage')
  @Post(':id/return')
  async returnIt(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.returned', async () =>
      this.transitions.returnForCorrection(p, id, (await validateForm(CommentDto, body)).comment, req.ip),
    );
  }

  @Can('subsidies:manage')
  @Post(':id/start-review')
  async startReview(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    await this.step(id, p, req, res, {}, 'subsidies.reviewStarted', () => this.transitions.startReview(p, id, req.ip));
  }

  @Can('subsidies:manage')
  @Post(':id/reviewers')
  async assign(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.reviewerAssigned', async () =>
      this.reviews.assignReviewer(p, id, await validateForm(AssignReviewerDto, { email: body.email }), req.ip),
    );
  }

  @Can('account:self')
  @Post(':id/reviews')
  async review(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.reviewed', async () =>
      this.reviews.review(p, id, await validateForm(ReviewDto, parseReviewForm(body)), req.ip),
    );
  }

  @Can('subsidies:manage')
  @Post(':id/decision')
  async decide(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.decided', async () => {
      const f = await validateForm(DecisionDto, {
        decision: body.decision,
        grantedAmount: body.decision === 'adopted' ? num(body.grantedAmount) : undefined,
        comment: body.comment || undefined,
      });
      return this.transitions.decide(p, id, f, req.ip);
    });
  }

  @Can('subsidies:manage')
  @Post(':id/grant')
  async grant(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.granted', async () =>
      this.transitions.grant(
        p,
        id,
        await validateForm(GrantDto, { grantedAmount: num(body.grantedAmount), comment: body.comment || undefined }),
        req.ip,
      ),
    );
  }

  @Can('subsidies:apply')
  @Post(':id/report')
  async report(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.reported', async () =>
      this.transitions.report(p, id, await validateForm(ReportDto, { actualCost: num(body.actualCost), outcome: body.outcome }), req.ip),
    );
  }

  @Can('subsidies:manage')
  @Post(':id/confirm')
  async confirm(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    await this.step(id, p, req, res, body, 'subsidies.confirmed', async () =>
      this.transitions.confirm(
        p,
        id,
        await validateForm(ConfirmDto, { confirmedAmount: num(body.confirmedAmount), comment: body.comment || undefined }),
        req.ip,
      ),
    );
  }
}
