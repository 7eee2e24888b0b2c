import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import type { KyosoRequest } from '../web/request';
import { CreateSolutionDto, SolutionSearchQuery, UpdateSolutionDto } from './dto/solution.dto';
import { SolutionsSearchService } from './solutions.search';
import { SolutionsService } from './solutions.service';

@ApiTags('solutions')
@ApiBearerAuth()
@Controller('api/v1/solutions')
export class SolutionsApiController {
  constructor(
    private readonly solutions: SolutionsService,
    private readonly solutionsSearch: SolutionsSearchService,
  ) {}

  @Can('solutions:create')
  @Post()
  create(@Body() dto: CreateSolutionDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.solutions.create(p, dto, req.lang);
  }

  /** Search published solutions; `status=draft` lists your organisation's drafts. */
  @Can('solutions:read')
  @Get()
  search(@Query() q: SolutionSearchQuery, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.solutionsSearch.searchSolutions(q, p, req.lang);
  }

  @Can('solutions:read')
  @Get(':id')
  get(@Param('id') id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.solutions.getVisibleSolution(id, p, req.lang);
  }

  @Can('solutions:create')
  @Patch(':id')
  update(@Param('id') id: string, @Body() dto: UpdateSolutionDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.solutions.update(id, p, dto, req.lang);
  }

  @Can('solutions:create')
  @Post(':id/publish')
  @HttpCode(200)
  publish(@Param('id') id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.solutions.publish(id, p, req.lang);
  }

  @Can('solutions:create')
  @Post(':id/archive')
  @HttpCode(200)
  archive(@Param('id') id: string, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.solutions.archive(id, p, req.lang);
  }
}
