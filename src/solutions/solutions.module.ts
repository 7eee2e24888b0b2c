import { EventsModule } from '../events/events.module';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { definePermissions } from '../auth/permissions';
import { FieldsModule } from '../fields/fields.module';
import { Solution } from './entities/solution.entity';
import { SolutionsApiController } from './solutions.api.controller';
import { SolutionsController } from './solutions.controller';
import { SolutionsService } from './solutions.service';

definePermissions({
  'solutions:read': () => true,
  /** companies, universities, research institutes, economic organisations, NPOs, sole proprietors — not municipalities */
  'solutions:create': (p) =>
    !!p.organizationId && p.organizationKind !== 'municipality' && p.organizationKind !== 'secretariat' && !p.roles.includes('secretariat'),
});

@Module({
  imports: [TypeOrmModule.forFeature([Solution]), FieldsModule, EventsModule],
  controllers: [SolutionsApiController, SolutionsController],
  providers: [SolutionsService],
  exports: [SolutionsService],
})
export class SolutionsModule {}
