import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { definePermissions, PermissionRule } from '../auth/permissions';
import { isMunicipalityMember, isProvider } from '../catalog/ownership';
import { FieldsModule } from '../fields/fields.module';
import { Issue } from './entities/issue.entity';
import { IssueInterest } from './entities/issue-interest.entity';
import { IssueRevision } from './entities/issue-revision.entity';
import { IssueInterestsService } from './issue-interests.service';
import { IssuePage } from './issue-page';
import { IssuesApiController } from './issues.api.controller';
import { IssuesController } from './issues.controller';
import { IssuesSearchService } from './issues.search';
import { IssuesService } from './issues.service';
import { IssuesDemo } from './issues.demo';

const ISSUES_PERMISSIONS = {
  /** any signed-in member (drafts are filtered per organisation in the service) */
  'issues:read': () => true,
  /** municipality members post and manage their issues */
  'issues:create': (p) => isMunicipalityMember(p),
  /** 「関心あり」: members of non-municipality organisations */
  'issues:interest': (p) => isProvider(p),
} satisfies Record<string, PermissionRule>;

declare module '../auth/permissions' {
  interface PermissionRegistry extends Record<keyof typeof ISSUES_PERMISSIONS, true> {}
}

definePermissions(ISSUES_PERMISSIONS);

@Module({
  imports: [TypeOrmModule.forFeature([Issue, IssueRevision, IssueInterest]), FieldsModule],
  controllers: [IssuesApiController, IssuesController],
  providers: [IssuesService, IssuesDemo, IssuesSearchService, IssueInterestsService, IssuePage],
  exports: [IssuesService, IssuesDemo, IssuesSearchService, IssuePage],
})
export class IssuesModule {}
