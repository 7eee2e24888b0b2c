import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Can, CurrentUser, Public } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import type { KyosoRequest } from '../web/request';
import { CreateProjectDto, ProjectListQuery, ProjectTransitionDto } from './dto/project.dto';
import { ProjectsService } from './projects.service';

@ApiTags('projects')
@ApiBearerAuth()
@Controller('api/v1/projects')
export class ProjectsApiController {
  constructor(private readonly projects: ProjectsService) {}

  @Can('projects:create')
  @Post()
  create(@Body() dto: CreateProjectDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.projects.create(p, dto, req.ip);
  }

  @Public()
  @Get()
  list(@Query() q: ProjectListQuery, @Req() req: KyosoRequest) {
    return this.projects.list(q, req.lang);
  }

  @Public()
  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string, @Req() req: KyosoRequest, @CurrentUser() p?: Principal) {
    return this.projects.detail(id, req.lang, p);
  }

  /** `{ to }` ∈ demonstration | implementation | completed | discontinued; an illegal move is 409. */
  @Can('projects:transition')
  @Post(':id/transitions')
  @HttpCode(200)
  async transition(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ProjectTransitionDto,
    @CurrentUser() p: Principal,
    @Req() req: KyosoRequest,
  ) {
    await this.projects.transition(id, dto, p, req.ip);
    return this.projects.detail(id, req.lang, p);
  }
}
