import { EventsModule } from '../events/events.module';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { definePermissions, PermissionRule } from '../auth/permissions';
import { FieldsModule } from '../fields/fields.module';
import { Solution } from './entities/solution.entity';
import { SolutionsApiController } from './solutions.api.controller';
import { SolutionsController } from './solutions.controller';
import { SolutionsService } from './solutions.service';

const SOLUTIONS_PERMISSIONS = {
  'solutions:read': () => true,
  /** companies, universities, research institutes, economic organisations, NPOs, sole proprietors — not municipalities */
  'solutions:create': (p) =>
    !!p.organizationId && p.organizationKind !== 'municipality' && p.organizationKind !== 'secretariat' && !p.roles.includes('secretariat'),
} satisfies Record<string, PermissionRule>;

declare module '../auth/permissions' {
  interface PermissionRegistry extends Record<keyof typeof SOLUTIONS_PERMISSIONS, true> {}
}

definePermissions(SOLUTIONS_PERMISSIONS);

@Module({
  imports: [TypeOrmModule.forFeature([Solution]), FieldsModule, EventsModule],
  controllers: [SolutionsApiController, SolutionsController],
  providers: [SolutionsService],
  exports: [SolutionsService],
})
export class SolutionsModule {}
