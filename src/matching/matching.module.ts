import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { isSecretariat } from '../auth/principal';
import { definePermissions } from '../auth/permissions';
import { FieldsModule } from '../fields/fields.module';
import { IssuesModule } from '../issues/issues.module';
import { SolutionsModule } from '../solutions/solutions.module';
import { ThesaurusRecord } from './entities/thesaurus.entity';
import { MatchingApiController } from './matching.api.controller';
import { MatchingController } from './matching.controller';
import { MatchingService } from './matching.service';

definePermissions({
  /** any signed-in member may read the thesaurus (it explains the matches) */
  'thesaurus:read': () => true,
  /** only the secretariat edits it */
  'thesaurus:manage': (p) => isSecretariat(p),
});

@Module({
  imports: [TypeOrmModule.forFeature([ThesaurusRecord]), FieldsModule, IssuesModule, SolutionsModule],
  controllers: [MatchingApiController, MatchingController],
  providers: [MatchingService],
  exports: [MatchingService],
})
export class MatchingModule {}
