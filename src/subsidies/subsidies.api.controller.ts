import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppError } from '../../libs/common';
import { createReadStream } from 'node:fs';
import { Can, CurrentUser, Public } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { sendCsv } from '../web/csv';
import type { KyosoRequest } from '../web/request';
import {
  ApplicationListQuery,
  AssignReviewerDto,
  CommentDto,
  ConfirmDto,
  CreateApplicationDto,
  CreateProgramDto,
  DecisionDto,
  FiguresQuery,
  GrantDto,
  OptionalCommentDto,
  ProgramListQuery,
  ReportDto,
  ReviewDto,
  UpdateApplicationDto,
} from './dto/subsidy.dto';
import { SubsidiesService } from './subsidies.service';
import { SubsidyApplicationsService } from './subsidy-applications.service';
import { SubsidyAttachmentsService } from './subsidy-attachments.service';
import { SubsidyProgramsService } from './subsidy-programs.service';
import { SubsidyApplicationsReader } from './subsidy-reader.service';
import { SubsidyReviewsService } from './subsidy-reviews.service';
import { SubsidyTransitionsService } from './subsidy-transitions.service';
import { AttachmentUploadInterceptor } from './upload';
import type { UploadedBlob } from './upload';

/** Content-Disposition for a download: always an attachment, the name in RFC 5987 form. */
export function sendDownload(
  res: Response,
  file: { filename: string; mediaType: string; sizeBytes: number; path: string },
): StreamableFile {
  const ascii = file.filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  res.setHeader('Content-Type', file.mediaType);
  res.setHeader('Content-Length', String(file.sizeBytes));
  res.setHeader('Content-Disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'private, no-store');
  return new StreamableFile(createReadStream(file.path));
}

@ApiTags('subsidies')
@ApiBearerAuth()
@Controller('api/v1')
export class SubsidiesApiController {
  constructor(
    private readonly subsidies: SubsidiesService,
    private readonly programs: SubsidyProgramsService,
    private readonly applications: SubsidyApplicationsService,
    private readonly reader: SubsidyApplicationsReader,
    private readonly transitions: SubsidyTransitionsService,
    private readonly reviews: SubsidyReviewsService,
    private readonly attachments: SubsidyAttachmentsService,
  ) {}

  // programmes
  @Can('subsidies:manage')
  @Post('subsidy-programs')
  createProgram(@Body() dto: CreateProgramDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.programs.createProgram(p, dto, req.ip);
  }

  @Public()
  @Get('subsidy-programs')
  listPrograms(@Query() q: ProgramListQuery, @CurrentUser() p?: Principal) {
    return this.programs.listPrograms(q, p);
  }

  @Public()
  @Get('subsidy-programs/:id')
  getProgram(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p?: Principal) {
    return this.programs.getProgram(id, p);
  }

  @Can('subsidies:apply')
  @Post('subsidy-programs/:id/applications')
  apply(@Param('id', ParseUUIDPipe) id: string, @Body() dto: CreateApplicationDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.applications.createApplication(p, id, dto, req.ip);
  }

  @Can('subsidies:manage')
  @Get('subsidy-programs/:id/applications')
  programApplications(@Param('id', ParseUUIDPipe) id: string, @Query() q: ApplicationListQuery, @CurrentUser() p: Principal) {
    return this.subsidies.listApplications(p, { ...q, programId: id });
  }

  // applications
  /** Secretariat: all (and `?format=csv`, UTF-8 with BOM); members: their organisation's and those they review. */
  @Can('account:self')
  @Get('subsidy-applications')
  async listApplications(
    @Query() q: ApplicationListQuery,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (q.format === 'csv') {
      if (!p.roles.includes('secretariat')) return this.forbidden();
      return sendCsv(res, 'subsidy-applications.csv', await this.subsidies.applicationsCsv(p, q.programId, req.ip));
    }
    return this.subsidies.listApplications(p, q);
  }

  @Can('account:self')
  @Get('subsidy-applications/:id')
  get(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal) {
    return this.reader.detail(id, p);
  }

  @Can('subsidies:apply')
  @Patch('subsidy-applications/:id')
  update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateApplicationDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.applications.updateApplication(p, id, dto, req.ip);
  }

  /** multipart/form-data: `file` (PDF, PNG, JPEG, GIF, WebP, Word/Excel/PowerPoint; ≤ 20 MB), optional `kind` = application | report. */
  @Can('subsidies:apply')
  @Post('subsidy-applications/:id/attachments')
  @UseInterceptors(AttachmentUploadInterceptor)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      properties: { file: { type: 'string', format: 'binary' }, kind: { type: 'string', enum: ['application', 'report'] } },
      required: ['file'],
    },
  })
  upload(
    @Param('id', ParseUUIDPipe) id: string,
    @UploadedFile() file: UploadedBlob | undefined,
    @Req() req: KyosoRequest,
    @CurrentUser() p: Principal,
  ) {
    return this.attachments.addAttachment(p, id, file, (req.body as Record<string, string> | undefined)?.kind, req.ip);
  }

  @Can('account:self')
  @Get('subsidy-applications/:id/attachments/:attachmentId')
  async download(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('attachmentId', ParseUUIDPipe) attachmentId: string,
    @CurrentUser() p: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    return sendDownload(res, await this.attachments.attachmentFile(p, id, attachmentId));
  }

  @Can('subsidies:apply')
  @Delete('subsidy-applications/:id/attachments/:attachmentId')
  @HttpCode(204)
  async removeAttachment(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('attachmentId', ParseUUIDPipe) attachmentId: string,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
  ) {
    await this.attachments.removeAttachment(p, id, attachmentId, req.ip);
  }

  @Can('subsidies:apply')
  @Post('subsidy-applications/:id/submit')
  @HttpCode(200)
  submit(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.transitions.submit(p, id, req.ip);
  }

  @Can('subsidies:apply')
  @Post('subsidy-applications/:id/withdraw')
  @HttpCode(200)
  withdraw(@Param('id', ParseUUIDPipe) id: string, @Body() dto: OptionalCommentDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.transitions.withdraw(p, id, dto?.comment, req.ip);
  }

  @Can('subsidies:manage')
  @Post('subsidy-applications/:id/return')
  @HttpCode(200)
  returnForCorrection(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CommentDto,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
  ) {
    return this.transitions.returnForCorrection(p, id, dto.comment, req.ip);
  }

  @Can('subsidies:manage')
  @Post('subsidy-applications/:id/start-review')
  @HttpCode(200)
  startReview(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.transitions.startReview(p, id, req.ip);
  }

  @Can('subsidies:manage')
  @Post('subsidy-applications/:id/reviewers')
  @HttpCode(200)
  assignReviewer(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: AssignReviewerDto,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
  ) {
    return this.reviews.assignReviewer(p, id, dto, req.ip);
  }

  /** An assigned reviewer: `{ scores: { <key>: 1–5 }, comment }` (or `{ score, comment }` without criteria). */
  @Can('account:self')
  @Post('subsidy-applications/:id/reviews')
  review(@Param('id', ParseUUIDPipe) id: string, @Body() dto: ReviewDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.reviews.review(p, id, dto, req.ip);
  }

  @Can('subsidies:manage')
  @Post('subsidy-applications/:id/decision')
  @HttpCode(200)
  decide(@Param('id', ParseUUIDPipe) id: string, @Body() dto: DecisionDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.transitions.decide(p, id, dto, req.ip);
  }

  @Can('subsidies:manage')
  @Post('subsidy-applications/:id/grant')
  @HttpCode(200)
  grant(@Param('id', ParseUUIDPipe) id: string, @Body() dto: GrantDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.transitions.grant(p, id, dto, req.ip);
  }

  @Can('subsidies:apply')
  @Post('subsidy-applications/:id/report')
  @HttpCode(200)
  report(@Param('id', ParseUUIDPipe) id: string, @Body() dto: ReportDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.transitions.report(p, id, dto, req.ip);
  }

  @Can('subsidies:manage')
  @Post('subsidy-applications/:id/confirm')
  @HttpCode(200)
  confirm(@Param('id', ParseUUIDPipe) id: string, @Body() dto: ConfirmDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.transitions.confirm(p, id, dto, req.ip);
  }

  // secretariat views
  @Can('subsidies:manage')
  @Get('subsidies/work-queue')
  workQueue() {
    return this.subsidies.workQueue();
  }

  @Can('subsidies:manage')
  @Get('subsidies/figures')
  figures(@Query() q: FiguresQuery) {
    return this.subsidies.figures(q.fiscalYear);
  }

  @Can('account:self')
  @Get('subsidies/notifications')
  async notifications(@CurrentUser() p: Principal) {
    const items = await this.subsidies.notifications(p, false);
    return { items, total: items.length, page: 1, perPage: items.length };
  }

  private forbidden(): never {
    throw new AppError(403, 'forbidden');
  }
}
