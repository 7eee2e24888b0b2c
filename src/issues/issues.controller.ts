import { Body, Controller, Get, Param, Post, Query, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { FieldsService } from '../fields/fields.service';
import { facetOptions, hrefWith, itemFormValues, pagination, pickParams } from '../catalog/page-model';
import { highlightSegments } from '../catalog/text';
import { excerpt } from '../catalog/views';
import { flash, takeFlash } from '../web/flash';
import { withForm } from '../web/form-error';
import type { KyosoRequest } from '../web/request';
import { validateForm } from '../web/validation';
import { IssueFormDto, IssueSearchQuery } from './dto/issue.dto';
import { BUDGET_STATUSES } from './entities/issue.entity';
import { IssueInterestsService } from './issue-interests.service';
import { issueTextsOrNull } from './issue.view';
import { IssuesSearchService } from './issues.search';
import { IssuesService, IssueView } from './issues.service';

const LIST_KEYS = ['q', 'field', 'municipality', 'status', 'sort', 'postedFrom', 'postedTo', 'perPage'];

@ApiExcludeController()
@Controller('issues')
export class IssuesController {
  constructor(
    private readonly issues: IssuesService,
    private readonly search: IssuesSearchService,
    private readonly interests: IssueInterestsService,
    private readonly fields: FieldsService,
  ) {}

  /** Search published issues (keyword, facets, sort, pages); `?mine=1` lists the own organisation's issues, drafts included. */
  @Can('issues:read')
  @Get()
  @Render('issues/list')
  async list(@Query() raw: Record<string, unknown>, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    const q = await validateForm(IssueSearchQuery, pickParams(raw, [...LIST_KEYS, 'page']));
    const params = pickParams(raw, LIST_KEYS);
    const base = { flash: takeFlash(req), canPost: p.organizationKind === 'municipality', principalOrg: p.organizationId };
    if (raw.mine === '1') {
      const mine = await this.search.listMine(p, q.page, q.perPage, req.lang);
      return {
        ...base,
        mine: true,
        items: mine.items.map((v) => ({ ...v, segments: { title: highlightSegments(v.title), body: highlightSegments(excerpt(v.body)) } })),
        total: mine.total,
        pagination: pagination('/issues', { mine: '1' }, mine.total, mine.page, mine.perPage),
      };
    }
    const result = await this.search.searchIssues(q, p, req.lang, { segments: true });
    const allFields = await this.fields.list(req.lang);
    const munis = await this.issues.municipalityList();
    const statuses = q.status?.length ? q.status : ['published'];
    return {
      ...base,
      q: q.q ?? '',
      sort: q.sort ?? (q.q ? 'relevance' : 'newest'),
      items: result.items,
      total: result.total,
      filtered: !!(q.q || q.field?.length || q.municipality?.length || q.status?.length || q.postedFrom || q.postedTo),
      fieldOptions: facetOptions(
        'field',
        allFields.map((f) => ({ value: f.slug, label: f.name })),
        result.facets.field,
        q.field,
      ),
      municipalityOptions: facetOptions(
        'municipality',
        munis.map((m) => ({ value: m.code, label: m.name })),
        result.facets.municipality,
        q.municipality,
      ),
      municipalityOpen: !!q.municipality?.length,
      statusOptions: ['published', 'closed'].map((s) => ({ value: s, checked: statuses.includes(s), id: `status-${s}` })),
      showDrafts: statuses.includes('draft'),
      postedFrom: q.postedFrom ?? '',
      postedTo: q.postedTo ?? '',
      pagination: pagination('/issues', params, result.total, result.page, result.perPage),
      clearHref: '/issues',
      mineHref: hrefWith('/issues', { mine: '1' }),
    };
  }

  @Can('issues:create')
  @Get('new')
  @Render('issues/form')
  async newForm(@Req() req: KyosoRequest) {
    return this.formModel(req.lang, { values: { fieldSlugs: [] }, isNew: true });
  }

  @Can('issues:create')
  @Post()
  async create(@Body() body: Record<string, unknown>, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    const model = await this.formModel(req.lang, { values: itemFormValues(body), isNew: true });
    const view = await withForm('issues/form', model, async () => {
      const f = await validateForm(IssueFormDto, body);
      return this.issues.create(p, { ...f, status: f.status ?? 'draft' }, req.lang);
    });
    flash(req, 'success', view.status === 'published' ? 'issues.flash.published' : 'issues.flash.draftSaved', { name: view.title });
    res.redirect(303, `/issues/${view.id}`);
  }

  @Can('issues:create')
  @Get(':id/edit')
  @Render('issues/form')
  async editForm(@Param('id') id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    const issue = await this.ownIssue(id, p, req.lang);
    return this.formModel(req.lang, { issue, values: { ...issue, tags: issue.tags.join('、') } });
  }

  @Can('issues:create')
  @Post(':id/edit')
  async update(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const issue = await this.ownIssue(id, p, req.lang);
    const model = await this.formModel(req.lang, { issue, values: itemFormValues(body) });
    await withForm('issues/form', model, async () => {
      const f = await validateForm(IssueFormDto, body);
      await this.issues.update(
        id,
        p,
        {
          ...issueTextsOrNull(f),
          fieldSlugs: f.fieldSlugs,
          tags: f.tags,
          budgetStatus: f.budgetStatus ?? null,
          openData: f.openData === true,
          version: f.version,
        },
        req.lang,
      );
    });
    flash(req, 'success', 'issues.flash.saved', { name: issue.title });
    res.redirect(303, `/issues/${id}`);
  }

  @Can('issues:create')
  @Post(':id/publish')
  async publish(@Param('id') id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    const issue = await this.issues.publish(id, p, req.lang);
    flash(req, 'success', 'issues.flash.published', { name: issue.title });
    res.redirect(303, `/issues/${id}`);
  }

  @Can('issues:interest')
  @Post(':id/interest')
  async interest(@Param('id') id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    await this.interests.addInterest(id, p);
    flash(req, 'success', 'issues.flash.interested');
    res.redirect(303, `/issues/${id}`);
  }

  @Can('issues:interest')
  @Post(':id/interest/delete')
  async withdrawInterest(@Param('id') id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    await this.interests.removeInterest(id, p);
    flash(req, 'success', 'issues.flash.interestWithdrawn');
    res.redirect(303, `/issues/${id}`);
  }

  // ---------------------------------------------------------------- helpers

  private async ownIssue(id: string, p: Principal, lang: string): Promise<IssueView> {
    return this.issues.getOwnIssue(id, p, lang);
  }

  private async formModel(lang: string, extra: Record<string, unknown>) {
    const fields = await this.fields.list(lang);
    return { fields, budgetStatuses: BUDGET_STATUSES, titleKey: extra.isNew ? 'issues.form.newTitle' : 'issues.form.editTitle', ...extra };
  }
}
