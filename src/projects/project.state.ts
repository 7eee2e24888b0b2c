import { defineWorkflow } from '../../libs/workflow';
import type { ProjectStage } from './entities/project.entity';

/** proposal → demonstration (実証) → implementation (実装) → completed; discontinued from any open stage. */
export const projectWorkflow = defineWorkflow<ProjectStage>('project', {
  proposal: ['demonstration', 'discontinued'],
  demonstration: ['implementation', 'discontinued'],
  implementation: ['completed', 'discontinued'],
  completed: [],
  discontinued: [],
});

export const OPEN_STAGES: ProjectStage[] = ['proposal', 'demonstration', 'implementation'];
