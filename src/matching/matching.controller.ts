import { Body, Controller, Get, Post, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { flash, takeFlash } from '../web/flash';
import { withForm } from '../web/form-error';
import type { KyosoRequest } from '../web/request';
import { validateForm } from '../web/validation';
import { groupsToText, parseGroupsText, ThesaurusFormDto } from './dto/matching.dto';
import { MatchingService } from './matching.service';

/** The secretariat's thesaurus page. */
@ApiExcludeController()
@Controller('secretariat/thesaurus')
export class MatchingController {
  constructor(private readonly matching: MatchingService) {}

  @Can('thesaurus:manage')
  @Get()
  @Render('matching/thesaurus')
  async page(@Req() req: KyosoRequest) {
    const th = await this.matching.getThesaurus();
    return {
      flash: takeFlash(req),
      groupsText: groupsToText(th.groups),
      groupCount: th.groups.length,
      updatedAt: th.updatedAt,
      version: th.version,
    };
  }

  @Can('thesaurus:manage')
  @Post()
  async save(@Body() body: Record<string, string>, @CurrentUser() p: Principal, @Req() req: KyosoRequest, @Res() res: Response) {
    const th = await this.matching.getThesaurus();
    const model = { groupsText: body?.groups ?? '', groupCount: th.groups.length, updatedAt: th.updatedAt, version: th.version };
    const saved = await withForm('matching/thesaurus', model, async () => {
      const f = await validateForm(ThesaurusFormDto, body);
      return this.matching.saveThesaurus(parseGroupsText(f.groups), p, req.ip);
    });
    flash(req, 'success', 'matching.thesaurus.saved', { count: saved.groups.length });
    res.redirect(303, '/secretariat/thesaurus');
  }
}
