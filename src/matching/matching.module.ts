import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { isSecretariat } from '../auth/principal';
import { definePermissions, PermissionRule } from '../auth/permissions';
import { FieldsModule } from '../fields/fields.module';
import { IssuesModule } from '../issues/issues.module';
import { SolutionsModule } from '../solutions/solutions.module';
import { ThesaurusRecord } from './entities/thesaurus.entity';
import { MatchingApiController } from './matching.api.controller';
import { MatchingController } from './matching.controller';
import { MatchIndex } from './match-index.service';
import { MatchingService } from './matching.service';
import { ThesaurusService } from './thesaurus.service';

const MATCHING_PERMISSIONS = {
  /** any signed-in member may read the thesaurus (it explains the matches) */
  'thesaurus:read': () => true,
  /** only the secretariat edits it */
  'thesaurus:manage': (p) => isSecretariat(p),
} satisfies Record<string, PermissionRule>;

declare module '../auth/permissions' {
  interface PermissionRegistry extends Record<keyof typeof MATCHING_PERMISSIONS, true> {}
}

definePermissions(MATCHING_PERMISSIONS);

@Module({
  imports: [TypeOrmModule.forFeature([ThesaurusRecord]), FieldsModule, IssuesModule, SolutionsModule],
  controllers: [MatchingApiController, MatchingController],
  providers: [ThesaurusService, MatchIndex, MatchingService],
  exports: [MatchingService],
})
export class MatchingModule {}
