import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import type { KyosoRequest } from '../web/request';
import { CloseIssueDto, CreateIssueDto, IssueSearchQuery, UpdateIssueDto } from './dto/issue.dto';
import { IssueInterestsService } from './issue-interests.service';
import { IssuesSearchService } from './issues.search';
import { IssuesService } from './issues.service';

@ApiTags('issues')
@ApiBearerAuth()
@Controller('api/v1/issues')
export class IssuesApiController {
  constructor(
    private readonly issues: IssuesService,
    private readonly issuesSearch: IssuesSearchService,
    private readonly interestsService: IssueInterestsService,
  ) {}

  @Can('issues:create')
  @Post()
  create(@Body() dto: CreateIssueDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.issues.create(p, dto, req.lang);
  }

  /** Search published (default) or closed issues; `status=draft` lists your organisation's drafts. */
  @Can('issues:read')
  @Get()
  async search(@Query() q: IssueSearchQuery, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.issuesSearch.searchIssues(q, p, req.lang);
  }

  @Can('issues:read')
  @Get(':id')
  get(@Param('id') id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.issues.getVisibleIssue(id, p, req.lang);
  }

  @Can('issues:create')
  @Patch(':id')
  update(@Param('id') id: string, @Body() dto: UpdateIssueDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.issues.update(id, p, dto, req.lang);
  }

  @Can('issues:create')
  @Post(':id/publish')
  @HttpCode(200)
  publish(@Param('id') id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.issues.publish(id, p, req.lang);
  }

  @Can('issues:create')
  @Post(':id/close')
  @HttpCode(200)
  close(@Param('id') id: string, @Body() dto: CloseIssueDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.issues.close(id, p, dto.reason, dto.note, req.lang);
  }

  /** Edit history and status changes (the issue's organisation and the secretariat). */
  @Can('issues:read')
  @Get(':id/history')
  history(@Param('id') id: string, @CurrentUser() p: Principal) {
    return this.issues.history(id, p);
  }

  /** 「関心あり」: 201 when marked now, 200 when it already was. */
  @Can('issues:interest')
  @Post(':id/interest')
  async interest(@Param('id') id: string, @CurrentUser() p: Principal, @Res({ passthrough: true }) res: Response) {
    const { created, ...body } = await this.interestsService.addInterest(id, p);
    res.status(created ? 201 : 200);
    return body;
  }

  @Can('issues:interest')
  @Delete(':id/interest')
  withdrawInterest(@Param('id') id: string, @CurrentUser() p: Principal) {
    return this.interestsService.removeInterest(id, p);
  }

  /** Organisations interested in the issue (its municipality and the secretariat only). */
  @Can('issues:read')
  @Get(':id/interests')
  interests(@Param('id') id: string, @CurrentUser() p: Principal) {
    return this.interestsService.interests(id, p);
  }
}
