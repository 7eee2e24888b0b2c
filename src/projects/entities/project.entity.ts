import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

import type { ProjectStage } from '../project.state';

export type { ProjectStage };

/** An OSPF project (OSPFプロジェクト), run by a coordinator organisation with municipalities. */
@Entity('projects')
@Index('idx_projects_stage', ['stage'])
@Index('idx_projects_field', ['fieldSlug'])
@Index('idx_projects_coordinator', ['coordinatorOrganizationId'])
@Index('idx_projects_origin_issue', ['originIssueId'])
export class Project {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  title: string;

  @Column({ name: 'field_slug', type: 'varchar', length: 40 })
  fieldSlug: string;

  @Column({ type: 'text' })
  summary: string;

  @Column({ name: 'coordinator_organization_id', type: 'uuid' })
  coordinatorOrganizationId: string;

  /** issues.id (FK) */
  @Column({ name: 'origin_issue_id', type: 'uuid', nullable: true })
  originIssueId: string | null;

  @Column({ type: 'varchar', length: 16, default: 'proposal' })
  stage: ProjectStage;

  @Column({ name: 'stage_changed_at', type: 'timestamptz', default: () => 'now()' })
  stageChangedAt: Date;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

@Entity('project_organizations')
@Index('idx_project_organizations_organization', ['organizationId'])
export class ProjectOrganization {
  @PrimaryColumn({ name: 'project_id', type: 'uuid' })
  projectId: string;

  @PrimaryColumn({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Column({ type: 'varchar', length: 16 })
  role: 'municipality' | 'member';
}

@Entity('project_solutions')
@Index('idx_project_solutions_solution', ['solutionId'])
export class ProjectSolution {
  @PrimaryColumn({ name: 'project_id', type: 'uuid' })
  projectId: string;

  /** solutions.id (FK) */
  @PrimaryColumn({ name: 'solution_id', type: 'uuid' })
  solutionId: string;
}
