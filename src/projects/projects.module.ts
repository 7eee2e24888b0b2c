import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { definePermissions, PermissionRule } from '../auth/permissions';
import { isSecretariat } from '../auth/principal';
import { FieldsModule } from '../fields/fields.module';
import { Project, ProjectOrganization, ProjectSolution } from './entities/project.entity';
import { ProjectsApiController } from './projects.api.controller';
import { ProjectsController } from './projects.controller';
import { ProjectsDemo } from './projects.demo';
import { ProjectsService } from './projects.service';

const PROJECTS_PERMISSIONS = {
  /** the secretariat, or a member organisation starting a project it coordinates (checked in the service) */
  'projects:create': (p) => isSecretariat(p) || !!p.organizationId,
  /** the secretariat or the coordinator organisation (checked in the service) */
  'projects:transition': (p) => isSecretariat(p) || !!p.organizationId,
} satisfies Record<string, PermissionRule>;

declare module '../auth/permissions' {
  interface PermissionRegistry extends Record<keyof typeof PROJECTS_PERMISSIONS, true> {}
}

definePermissions(PROJECTS_PERMISSIONS);

@Module({
  imports: [TypeOrmModule.forFeature([Project, ProjectOrganization, ProjectSolution]), FieldsModule],
  controllers: [ProjectsApiController, ProjectsController],
  providers: [ProjectsService, ProjectsDemo],
  exports: [ProjectsService],
})
export class ProjectsModule {}
