import { Controller, Get, Param, ParseUUIDPipe, Post, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppError } from '../../libs/common';
import { JobsService } from '../../libs/jobs';
import { Can } from '../auth/decorators';
import { flash, takeFlash } from '../web/flash';
import type { KyosoRequest } from '../web/request';

/** A short, single-line view of a job's data for the list (the full data stays in the database). */
function summarize(data: unknown): string {
  const s = JSON.stringify(data ?? {});
  return s.length > 160 ? s.slice(0, 159) + '…' : s;
}

/** The secretariat sees the background jobs that gave up (after their retries with back-off) and can retry them. */
@ApiExcludeController()
@Controller('secretariat/jobs')
export class JobsPageController {
  constructor(private readonly jobs: JobsService) {}

  @Can('secretariat:dashboard')
  @Get()
  @Render('secretariat/jobs')
  async index(@Req() req: KyosoRequest) {
    const { failed, retrying, deadLetters } = await this.jobs.failures(100);
    return {
      flash: takeFlash(req),
      retrying,
      deadLetters,
      failed: failed.map((j) => ({
        id: j.id,
        name: j.name,
        data: summarize(j.data),
        error: (j.output?.message ?? '').slice(0, 300),
        attempts: j.retryCount + 1,
        createdOn: j.createdOn,
        failedOn: j.failedOn,
      })),
    };
  }

  @Can('secretariat:dashboard')
  @Post(':id/retry')
  async retry(@Param('id', ParseUUIDPipe) id: string, @Req() req: KyosoRequest, @Res() res: Response) {
    if (!(await this.jobs.retry(id))) throw new AppError(404, 'notFound');
    flash(req, 'success', 'jobs.retried');
    res.redirect(303, '/secretariat/jobs');
  }
}
