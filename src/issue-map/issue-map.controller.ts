import { Controller, Get, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Can, Public } from '../auth/decorators';
import type { KyosoRequest } from '../web/request';
import { IssueMapService } from './issue-map.service';

/** The issue map (見える化): published issues by field × municipality, per month, and the common tags. */
@ApiExcludeController()
@Controller('map')
export class IssueMapController {
  constructor(private readonly map: IssueMapService) {}

  @Can('issueMap:read')
  @Get()
  @Render('issue-map/map')
  async page(@Req() req: KyosoRequest) {
    return { map: await this.map.map(req.lang) };
  }
}

/** Open data: every published issue (drafts never), without personal data. CC BY 4.0 style reuse is up to the forum. */
@ApiTags('open-data')
@Controller('api/v1/open-data')
export class OpenDataApiController {
  constructor(private readonly map: IssueMapService) {}

  @Public()
  @Get('issues.json')
  @ApiOkResponse({
    description: '{ generatedAt, total, items: [{ id, title, body, fields, tags, municipality, status, publishedAt, closedAt }] }',
  })
  async json() {
    const items = await this.map.openData();
    return { generatedAt: new Date().toISOString(), total: items.length, items };
  }

  @Public()
  @Get('issues.csv')
  @ApiProduces('text/csv')
  async csv(@Res() res: Response) {
    const body = Buffer.from(await this.map.openDataCsv(), 'utf8');
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="kyoso-issues.csv"');
    res.send(body);
  }
}
