import { Body, Controller, Get, Param, Put, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Can, CurrentUser } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import type { KyosoRequest } from '../web/request';
import { MatchesQuery, ThesaurusDto } from './dto/matching.dto';
import { MatchingService } from './matching.service';

@ApiTags('matching')
@ApiBearerAuth()
@Controller('api/v1')
export class MatchingApiController {
  constructor(private readonly matching: MatchingService) {}

  /** Published solutions for an issue, best first, each with readable reasons. 404 when you cannot see the issue. */
  @Can('issues:read')
  @Get('issues/:id/matches')
  forIssue(@Param('id') id: string, @Query() q: MatchesQuery, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.matching.forIssue(id, p, q.limit ?? 10, req.lang);
  }

  /** Published issues for a solution, best first, each with readable reasons. 404 when you cannot see the solution. */
  @Can('solutions:read')
  @Get('solutions/:id/matches')
  forSolution(@Param('id') id: string, @Query() q: MatchesQuery, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.matching.forSolution(id, p, q.limit ?? 10, req.lang);
  }

  /** The smart-city thesaurus: groups of terms that mean the same need or answer. */
  @Can('thesaurus:read')
  @Get('thesaurus')
  thesaurus() {
    return this.matching.getThesaurus();
  }

  /** Replaces the whole thesaurus (secretariat). */
  @Can('thesaurus:manage')
  @Put('thesaurus')
  save(@Body() dto: ThesaurusDto, @CurrentUser() p: Principal, @Req() req: KyosoRequest) {
    return this.matching.saveThesaurus(dto.groups, p, req.ip);
  }
}
