import { Body, Controller, Get, Param, Post, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { EventsService } from '../events/events.service';
import { InquiriesService } from '../inquiries/inquiries.service';
import { CloseIssueFormDto } from '../issues/dto/issue.dto';
import { IssuePage } from '../issues/issue-page';
import { IssuesService } from '../issues/issues.service';
import { MatchingService } from '../matching/matching.service';
import { ProjectsService } from '../projects/projects.service';
import { flash, takeFlash } from '../web/flash';
import { withForm } from '../web/form-error';
import type { KyosoRequest } from '../web/request';
import { validateForm } from '../web/validation';

/**
 * The issue page (views/issues/show.hbs): the issue's own part, with the matching solutions, the inquiry section, the
 * Meet-Ups where it was presented and the projects started from it.
 */
@ApiExcludeController()
@Controller('issues')
export class IssuePageController {
  constructor(
    private readonly issuePage: IssuePage,
    private readonly issues: IssuesService,
    private readonly matching: MatchingService,
    private readonly inquiries: InquiriesService,
    private readonly events: EventsService,
    private readonly projects: ProjectsService,
  ) {}

  @Can('issues:read')
  @Get(':id')
  @Render('issues/show')
  async show(@Param('id') id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    const flashMessage = takeFlash(req);
    const own = await this.issuePage.model(id, p, req.lang);
    const { issue } = own;
    const published = issue.status !== 'draft';
    const [matches, inquiry, presentations, projects] = await Promise.all([
      this.matching.slotForIssue(id, p, req.lang),
      this.inquiries.slot('issue', issue, p),
      published ? this.events.presentationsForIssue(issue.id) : [],
      published ? this.projects.projectsFromIssue(issue.id) : [],
    ]);
    return { flash: flashMessage, ...own, matches, inquiry, presentations, projects };
  }

  @Can('issues:create')
  @Post(':id/close')
  async close(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const current = await this.issues.getVisibleIssue(id, p, req.lang);
    const model = { ...(await this.show(id, p, req)), closeValues: { closeReason: body?.closeReason, note: body?.note } };
    const issue = await withForm(
      'issues/show',
      model,
      async () => {
        const f = await validateForm(CloseIssueFormDto, { reason: body?.closeReason, note: body?.note });
        return this.issues.close(current.id, p, f.reason, f.note, req.lang);
      },
      { reason: 'closeReason' },
    );
    flash(req, 'success', 'issues.flash.closed', { name: issue.title });
    res.redirect(303, `/issues/${id}`);
  }
}
