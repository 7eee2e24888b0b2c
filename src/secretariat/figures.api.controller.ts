import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Can } from '../auth/decorators';
import { FiguresService } from './figures.service';

export class FiguresQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(2000)
  @Max(2100)
  fiscalYear?: number;
}

@ApiTags('figures')
@ApiBearerAuth()
@Controller('api/v1/figures')
export class FiguresApiController {
  constructor(private readonly figures: FiguresService) {}

  /** Forum figures for a Japanese fiscal year (April–March), or all time. */
  @Can('secretariat:dashboard')
  @Get()
  get(@Query() q: FiguresQuery) {
    return this.figures.figures(q.fiscalYear);
  }
}
