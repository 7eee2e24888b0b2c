import { Module } from '@nestjs/common';
import { JobsPageController } from './jobs.controller';
import { OrganizationExportController } from './export.api.controller';
import { OrganizationExportService } from './export.service';

/** Operations and privacy: failed background jobs for the secretariat, an organisation's export of its own data. */
@Module({
  controllers: [JobsPageController, OrganizationExportController],
  providers: [OrganizationExportService],
})
export class ReliabilityModule {}
