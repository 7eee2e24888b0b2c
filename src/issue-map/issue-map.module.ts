import { Module } from '@nestjs/common';
import { definePermissions } from '../auth/permissions';
import { FieldsModule } from '../fields/fields.module';
import { IssueMapController, OpenDataApiController } from './issue-map.controller';
import { IssueMapService } from './issue-map.service';

definePermissions({
  /** every signed-in member */
  'issueMap:read': () => true,
});

/** The issue map (見える化) page and the open data of published issues. */
@Module({
  imports: [FieldsModule],
  controllers: [IssueMapController, OpenDataApiController],
  providers: [IssueMapService],
})
export class IssueMapModule {}
