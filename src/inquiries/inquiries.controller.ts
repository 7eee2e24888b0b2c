import { Body, Controller, Get, Param, Post, Query, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppError } from '../../libs/common';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { IssuesService } from '../issues/issues.service';
import { pagination } from '../catalog/page-model';
import { SolutionsService } from '../solutions/solutions.service';
import { flash, takeFlash } from '../web/flash';
import { withForm } from '../web/form-error';
import type { KyosoRequest } from '../web/request';
import { validateForm } from '../web/validation';
import { CreateInquiryDto, InquiryListQuery, InquiryMessageDto } from './dto/inquiry.dto';
import { InquiriesService } from './inquiries.service';

@ApiExcludeController()
@Controller('inquiries')
export class InquiriesController {
  constructor(
    private readonly inquiries: InquiriesService,
    private readonly issues: IssuesService,
    private readonly solutions: SolutionsService,
  ) {}

  /** Inbox: threads with the last message and an unread badge. */
  @Can('inquiries:use')
  @Get()
  @Render('inquiries/list')
  async list(@Query() raw: Record<string, unknown>, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    const q = await validateForm(InquiryListQuery, { page: raw.page });
    const result = await this.inquiries.list(p, q.page, q.perPage);
    return { flash: takeFlash(req), ...result, pagination: pagination('/inquiries', {}, result.total, result.page, result.perPage) };
  }

  /** The standalone form (also where the issue/solution page form comes back with errors). */
  @Can('inquiries:use')
  @Get('new')
  @Render('inquiries/new')
  async newForm(
    @Query('issueId') issueId: string | undefined,
    @Query('solutionId') solutionId: string | undefined,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
  ) {
    return this.newModel(p, req.lang, { issueId, solutionId });
  }

  @Can('inquiries:use')
  @Post()
  async create(@Body() body: Record<string, unknown>, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    const values = {
      issueId: str(body?.issueId),
      solutionId: str(body?.solutionId),
      subject: str(body?.subject),
      message: str(body?.message),
    };
    const model = await this.newModel(p, req.lang, values);
    const thread = await withForm('inquiries/new', model, async () => {
      const f = await validateForm(CreateInquiryDto, {
        ...values,
        issueId: values.issueId || undefined,
        solutionId: values.solutionId || undefined,
      });
      return this.inquiries.create(p, f, req.lang);
    });
    flash(req, 'success', 'inquiries.flash.sent', { name: thread.to.name });
    res.redirect(303, `/inquiries/${thread.id}`);
  }

  @Can('inquiries:use')
  @Get(':id')
  @Render('inquiries/show')
  async show(@Param('id') id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return { flash: takeFlash(req), thread: await this.inquiries.get(id, p), values: {} };
  }

  @Can('inquiries:use')
  @Post(':id/messages')
  async reply(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const thread = await this.inquiries.get(id, p);
    await withForm('inquiries/show', { thread, values: { message: str(body?.message) } }, async () => {
      const f = await validateForm(InquiryMessageDto, { message: body?.message });
      await this.inquiries.reply(id, p, f.message);
    });
    flash(req, 'success', 'inquiries.flash.replied');
    res.redirect(303, `/inquiries/${id}#latest`);
  }

  private async newModel(
    p: Principal,
    lang: string,
    values: { issueId?: string; solutionId?: string; subject?: string; message?: string },
  ) {
    let item: { kind: 'issue' | 'solution'; id: string; title: string; owner: string } | null = null;
    if (values.issueId) {
      const i = await this.issues.getVisibleIssue(values.issueId, p, lang);
      item = { kind: 'issue', id: i.id, title: i.title, owner: i.organization.name };
    } else if (values.solutionId) {
      const s = await this.solutions.getVisibleSolution(values.solutionId, p, lang);
      item = { kind: 'solution', id: s.id, title: s.title, owner: s.organization.name };
    }
    if (!item) throw new AppError(404, 'notFound');
    return { item, values };
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
