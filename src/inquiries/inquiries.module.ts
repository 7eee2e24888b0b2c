import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { definePermissions, PermissionRule } from '../auth/permissions';
import { isSecretariat } from '../auth/principal';
import { IssuesModule } from '../issues/issues.module';
import { SolutionsModule } from '../solutions/solutions.module';
import { InquiryMessage } from './entities/inquiry-message.entity';
import { InquiryRead } from './entities/inquiry-read.entity';
import { InquiryThread } from './entities/inquiry-thread.entity';
import { InquiriesApiController } from './inquiries.api.controller';
import { InquiriesController } from './inquiries.controller';
import { InquiriesService } from './inquiries.service';

const INQUIRIES_PERMISSIONS = {
  /** members of an organisation take part in their threads; the secretariat reads every thread */
  'inquiries:use': (p) => !!p.organizationId || isSecretariat(p),
} satisfies Record<string, PermissionRule>;

declare module '../auth/permissions' {
  interface PermissionRegistry extends Record<keyof typeof INQUIRIES_PERMISSIONS, true> {}
}

definePermissions(INQUIRIES_PERMISSIONS);

/** Inquiries (問い合わせ) between the asking organisation and an issue's municipality or a solution's provider. */
@Module({
  imports: [TypeOrmModule.forFeature([InquiryThread, InquiryMessage, InquiryRead]), IssuesModule, SolutionsModule],
  controllers: [InquiriesApiController, InquiriesController],
  providers: [InquiriesService],
  exports: [InquiriesService],
})
export class InquiriesModule {}
