import { Controller, Get, Module, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { SearchService } from '../../libs/search';
import { Public } from '../auth/decorators';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly search: SearchService,
  ) {}

  /** 200 while the database answers; search being down is reported, not fatal. */
  @Public()
  @Get()
  async health(@Res({ passthrough: true }) res: Response) {
    const database = await this.db
      .query('SELECT 1')
      .then(() => 'up' as const)
      .catch(() => 'down' as const);
    const search = (await this.search.isHealthy()) ? 'up' : 'down';
    if (database === 'down') res.status(503);
    return { status: database === 'up' ? 'ok' : 'unavailable', database, search };
  }
}

@Module({ controllers: [HealthController] })
export class HealthModule {}
