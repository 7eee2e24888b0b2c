import { defineWorkflow } from '../../libs/workflow';
import type { SolutionStatus } from './entities/solution.entity';

/** draft → published ⇄ archived. */
export const solutionWorkflow = defineWorkflow<SolutionStatus>('solution', {
  draft: ['published'],
  published: ['archived'],
  archived: ['published'],
});
