import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { definePermissions, PermissionRule } from '../auth/permissions';
import { isSecretariat } from '../auth/principal';
import { ProjectsModule } from '../projects/projects.module';
import { SubsidyApplication } from './entities/subsidy-application.entity';
import { SubsidyAttachment, SubsidyNotification, SubsidyReview, SubsidyReviewer } from './entities/subsidy-parts.entity';
import { SubsidyProgram } from './entities/subsidy-program.entity';
import { SubsidiesAfterApiController } from './subsidies-after.api.controller';
import { SubsidiesApiController } from './subsidies.api.controller';
import { SubsidyAfterGrantService } from './subsidy-after-grant.service';
import { SubsidyAfterGrantController } from './subsidy-after-grant.controller';
import { SubsidyPartnerService } from './subsidy-partner.service';
import { SubsidyRemindersService } from './subsidy-reminders.service';
import { SubsidyLedgerService } from './subsidy-ledger.service';
import { SubsidyConflictsService } from './subsidy-conflicts.service';
import { SubsidyConflict } from './entities/subsidy-conflict.entity';
import { SubsidyChangeRequest } from './entities/subsidy-change-request.entity';
import { SubsidiesDemo } from './subsidies.demo';
import { SubsidiesService } from './subsidies.service';
import { SubsidyApplicationFormController } from './subsidy-application-form.controller';
import { SubsidyApplicationController } from './subsidy-application.controller';
import { SubsidyApplicationsService } from './subsidy-applications.service';
import { SubsidyAttachmentsService } from './subsidy-attachments.service';
import { SubsidyListsController } from './subsidy-lists.controller';
import { SubsidyProgramsController } from './subsidy-programs.controller';
import { SubsidyProgramsService } from './subsidy-programs.service';
import { SubsidyApplicationsReader } from './subsidy-reader.service';
import { SubsidyReviewsService } from './subsidy-reviews.service';
import { SubsidyTransitionsService } from './subsidy-transitions.service';

const SUBSIDIES_PERMISSIONS = {
  /** programmes, returns, review start, reviewer assignment, decisions, grants, confirmation */
  'subsidies:manage': isSecretariat,
  /** a member organisation applies (object-level: its own applications only, in the service) */
  'subsidies:apply': (p) => !!p.organizationId && p.organizationKind !== 'secretariat',
} satisfies Record<string, PermissionRule>;

declare module '../auth/permissions' {
  interface PermissionRegistry extends Record<keyof typeof SUBSIDIES_PERMISSIONS, true> {}
}

definePermissions(SUBSIDIES_PERMISSIONS);

@Module({
  imports: [
    TypeOrmModule.forFeature([
      SubsidyProgram,
      SubsidyApplication,
      SubsidyAttachment,
      SubsidyReviewer,
      SubsidyReview,
      SubsidyNotification,
      SubsidyChangeRequest,
      SubsidyConflict,
    ]),
    ProjectsModule,
  ],
  controllers: [
    SubsidiesApiController,
    SubsidiesAfterApiController,
    SubsidyProgramsController,
    SubsidyApplicationFormController,
    SubsidyApplicationController,
    SubsidyAfterGrantController,
    SubsidyListsController,
  ],
  providers: [
    SubsidyProgramsService,
    SubsidyApplicationsReader,
    SubsidyApplicationsService,
    SubsidyTransitionsService,
    SubsidyReviewsService,
    SubsidyPartnerService,
    SubsidyAfterGrantService,
    SubsidyRemindersService,
    SubsidyLedgerService,
    SubsidyConflictsService,
    SubsidyAttachmentsService,
    SubsidiesService,
    SubsidiesDemo,
  ],
  exports: [SubsidiesService],
})
export class SubsidiesModule {}
