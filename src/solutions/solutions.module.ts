import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { definePermissions, PermissionRule } from '../auth/permissions';
import { isProvider } from '../catalog/ownership';
import { FieldsModule } from '../fields/fields.module';
import { Solution } from './entities/solution.entity';
import { SolutionPage } from './solution-page';
import { SolutionsApiController } from './solutions.api.controller';
import { SolutionsController } from './solutions.controller';
import { SolutionsSearchService } from './solutions.search';
import { SolutionsService } from './solutions.service';
import { SolutionsDemo } from './solutions.demo';

const SOLUTIONS_PERMISSIONS = {
  'solutions:read': () => true,
  /** companies, universities, research institutes, economic organisations, NPOs, sole proprietors — not municipalities */
  'solutions:create': (p) => isProvider(p),
} satisfies Record<string, PermissionRule>;

declare module '../auth/permissions' {
  interface PermissionRegistry extends Record<keyof typeof SOLUTIONS_PERMISSIONS, true> {}
}

definePermissions(SOLUTIONS_PERMISSIONS);

@Module({
  imports: [TypeOrmModule.forFeature([Solution]), FieldsModule],
  controllers: [SolutionsApiController, SolutionsController],
  providers: [SolutionsService, SolutionsDemo, SolutionsSearchService, SolutionPage],
  exports: [SolutionsService, SolutionsDemo, SolutionsSearchService, SolutionPage],
})
export class SolutionsModule {}
