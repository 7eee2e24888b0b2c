import { Controller, Get, Module, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { Can } from '../auth/decorators';
import { IssuesModule } from '../issues/issues.module';
import { SolutionsModule } from '../solutions/solutions.module';
import { CatalogDemo } from './catalog.demo';
import { SuggestService } from './suggest.service';

export class SuggestQuery {
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;
}

@ApiTags('search')
@ApiBearerAuth()
@Controller('api/v1/search')
export class SuggestApiController {
  constructor(private readonly suggestions: SuggestService) {}

  /** Up to 8 titles of published issues and solutions, for search-as-you-type. */
  @Can('issues:read')
  @Get('suggest')
  suggest(@Query() q: SuggestQuery) {
    return this.suggestions.suggest(q.q);
  }
}

/**
 * The catalogue of issues and solutions together: suggestions across both, and their demo content. The shared core of
 * the two (visibility and ownership, search and page plumbing, view helpers) lives beside it in src/catalog.
 */
@Module({
  imports: [IssuesModule, SolutionsModule],
  controllers: [SuggestApiController],
  providers: [SuggestService, CatalogDemo],
})
export class CatalogModule {}
