import { Body, Controller, Get, Param, Post, Query, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { isProvider } from '../catalog/ownership';
import { FieldsService } from '../fields/fields.service';
import { facetOptions, hrefWith, itemFormValues, pagination, pickParams } from '../catalog/page-model';
import { highlightSegments } from '../catalog/text';
import { flash, takeFlash } from '../web/flash';
import { withForm } from '../web/form-error';
import type { KyosoRequest } from '../web/request';
import { validateForm } from '../web/validation';
import { SolutionFormDto, SolutionSearchQuery } from './dto/solution.dto';
import { solutionTextsOrNull } from './solution.view';
import { SolutionsSearchService } from './solutions.search';
import { SOLUTION_PROVIDER_KINDS, SolutionsService } from './solutions.service';

const LIST_KEYS = ['q', 'field', 'organization', 'organizationKind', 'sort', 'perPage'];

@ApiExcludeController()
@Controller('solutions')
export class SolutionsController {
  constructor(
    private readonly solutions: SolutionsService,
    private readonly search: SolutionsSearchService,
    private readonly fields: FieldsService,
  ) {}

  /** Search published solutions; `?mine=1` lists the own organisation's solutions, drafts included. */
  @Can('solutions:read')
  @Get()
  @Render('solutions/list')
  async list(@Query() raw: Record<string, unknown>, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    const q = await validateForm(SolutionSearchQuery, pickParams(raw, [...LIST_KEYS, 'page']));
    const params = pickParams(raw, LIST_KEYS);
    const base = { flash: takeFlash(req), canPost: isProvider(p) };
    if (raw.mine === '1') {
      const mine = await this.search.listMine(p, q.page, q.perPage, req.lang);
      return {
        ...base,
        mine: true,
        items: mine.items.map((v) => ({ ...v, segments: { title: highlightSegments(v.title), summary: highlightSegments(v.summary) } })),
        total: mine.total,
        pagination: pagination('/solutions', { mine: '1' }, mine.total, mine.page, mine.perPage),
      };
    }
    const result = await this.search.searchSolutions(q, p, req.lang, { segments: true });
    const allFields = await this.fields.list(req.lang);
    return {
      ...base,
      q: q.q ?? '',
      sort: q.sort ?? (q.q ? 'relevance' : 'newest'),
      items: result.items,
      total: result.total,
      filtered: !!(q.q || q.field?.length || q.organizationKind?.length || q.organization?.length),
      fieldOptions: facetOptions(
        'field',
        allFields.map((f) => ({ value: f.slug, label: f.name })),
        result.facets.field,
        q.field,
      ),
      kindOptions: facetOptions(
        'kind',
        SOLUTION_PROVIDER_KINDS.map((k) => ({ value: k, label: k })),
        result.facets.organizationKind,
        q.organizationKind,
      ),
      organizationFilter: q.organization ?? [],
      pagination: pagination('/solutions', params, result.total, result.page, result.perPage),
      mineHref: hrefWith('/solutions', { mine: '1' }),
    };
  }

  @Can('solutions:create')
  @Get('new')
  @Render('solutions/form')
  async newForm(@Req() req: KyosoRequest) {
    return this.formModel(req.lang, { values: { fieldSlugs: [] }, isNew: true });
  }

  @Can('solutions:create')
  @Post()
  async create(@Body() body: Record<string, unknown>, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    const model = await this.formModel(req.lang, { values: itemFormValues(body), isNew: true });
    const view = await withForm('solutions/form', model, async () => {
      const f = await validateForm(SolutionFormDto, body);
      return this.solutions.create(p, { ...f, status: f.status ?? 'draft' }, req.lang);
    });
    flash(req, 'success', view.status === 'published' ? 'solutions.flash.published' : 'solutions.flash.draftSaved', { name: view.title });
    res.redirect(303, `/solutions/${view.id}`);
  }

  @Can('solutions:create')
  @Get(':id/edit')
  @Render('solutions/form')
  async editForm(@Param('id') id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    const solution = await this.solutions.getOwnSolution(id, p, req.lang);
    return this.formModel(req.lang, { solution, values: { ...solution, tags: solution.tags.join('、') } });
  }

  @Can('solutions:create')
  @Post(':id/edit')
  async update(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
    @Res() res: Response,
  ) {
    const solution = await this.solutions.getOwnSolution(id, p, req.lang);
    const model = await this.formModel(req.lang, { solution, values: itemFormValues(body) });
    await withForm('solutions/form', model, async () => {
      const f = await validateForm(SolutionFormDto, body);
      await this.solutions.update(
        id,
        p,
        { ...solutionTextsOrNull(f), fieldSlugs: f.fieldSlugs, tags: f.tags, version: f.version },
        req.lang,
      );
    });
    flash(req, 'success', 'solutions.flash.saved', { name: solution.title });
    res.redirect(303, `/solutions/${id}`);
  }

  @Can('solutions:create')
  @Post(':id/publish')
  async publish(@Param('id') id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    const s = await this.solutions.publish(id, p, req.lang);
    flash(req, 'success', 'solutions.flash.published', { name: s.title });
    res.redirect(303, `/solutions/${id}`);
  }

  @Can('solutions:create')
  @Post(':id/archive')
  async archive(@Param('id') id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    const s = await this.solutions.archive(id, p, req.lang);
    flash(req, 'success', 'solutions.flash.archived', { name: s.title });
    res.redirect(303, `/solutions/${id}`);
  }

  private async formModel(lang: string, extra: Record<string, unknown>) {
    return {
      fields: await this.fields.list(lang),
      titleKey: extra.isNew ? 'solutions.form.newTitle' : 'solutions.form.editTitle',
      ...extra,
    };
  }
}
