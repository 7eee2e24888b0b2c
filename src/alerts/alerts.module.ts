import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { definePermissions, PermissionRule } from '../auth/permissions';
import { FieldsModule } from '../fields/fields.module';
import { InquiriesModule } from '../inquiries/inquiries.module';
import { MatchingModule } from '../matching/matching.module';
import { AlertsApiController } from './alerts.api.controller';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';
import { Notification } from './entities/notification.entity';
import { SavedSearch } from './entities/saved-search.entity';
import { NavCountsInterceptor } from './nav-counts.interceptor';

const ALERTS_PERMISSIONS = {
  /** every signed-in member: own saved searches and notifications */
  'alerts:use': () => true,
} satisfies Record<string, PermissionRule>;

declare module '../auth/permissions' {
  interface PermissionRegistry extends Record<keyof typeof ALERTS_PERMISSIONS, true> {}
}

definePermissions(ALERTS_PERMISSIONS);

/** Saved searches, in-app notifications for newly published matching items, and the daily e-mail digest. */
@Module({
  imports: [TypeOrmModule.forFeature([SavedSearch, Notification]), FieldsModule, MatchingModule, InquiriesModule],
  controllers: [AlertsApiController, AlertsController],
  providers: [AlertsService, { provide: APP_INTERCEPTOR, useClass: NavCountsInterceptor }],
  exports: [AlertsService],
})
export class AlertsModule {}
