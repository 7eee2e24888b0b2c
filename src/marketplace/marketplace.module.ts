import { Controller, Get, Module, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { Can } from '../auth/decorators';
import { IssuesModule } from '../issues/issues.module';
import { SolutionsModule } from '../solutions/solutions.module';
import { MarketplaceService } from './marketplace.service';

export class SuggestQuery {
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;
}

@ApiTags('search')
@ApiBearerAuth()
@Controller('api/v1/search')
export class MarketplaceApiController {
  constructor(private readonly marketplace: MarketplaceService) {}

  /** Up to 8 titles of published issues and solutions, for search-as-you-type. */
  @Can('issues:read')
  @Get('suggest')
  suggest(@Query() q: SuggestQuery) {
    return this.marketplace.suggest(q.q);
  }
}

/** Issues and solutions together: suggestions across both, and the demo content. */
@Module({
  imports: [IssuesModule, SolutionsModule],
  controllers: [MarketplaceApiController],
  providers: [MarketplaceService],
  exports: [IssuesModule, SolutionsModule],
})
export class MarketplaceModule {}
