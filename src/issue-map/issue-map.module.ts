import { Module } from '@nestjs/common';
import { definePermissions, PermissionRule } from '../auth/permissions';
import { FieldsModule } from '../fields/fields.module';
import { IssueMapController, OpenDataApiController } from './issue-map.controller';
import { IssueMapService } from './issue-map.service';

const ISSUE_MAP_PERMISSIONS = {
  /** every signed-in member */
  'issueMap:read': () => true,
} satisfies Record<string, PermissionRule>;

declare module '../auth/permissions' {
  interface PermissionRegistry extends Record<keyof typeof ISSUE_MAP_PERMISSIONS, true> {}
}

definePermissions(ISSUE_MAP_PERMISSIONS);

/** The issue map (見える化) page and the open data of published issues. */
@Module({
  imports: [FieldsModule],
  controllers: [IssueMapController, OpenDataApiController],
  providers: [IssueMapService],
})
export class IssueMapModule {}
