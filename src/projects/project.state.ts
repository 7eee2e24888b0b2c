import { defineWorkflow, StatesOf } from '../../libs/workflow';

/**
 * proposal → demonstration (実証) → implementation (実装) → completed; discontinued from any open stage.
 * A stage is spelled here (and in the migration's CHECK) only.
 */
const TABLE = {
  proposal: ['demonstration', 'discontinued'],
  demonstration: ['implementation', 'discontinued'],
  implementation: ['completed', 'discontinued'],
  completed: [],
  discontinued: [],
} as const;

export type ProjectStage = StatesOf<typeof TABLE>;
export const PROJECT_STAGES = Object.keys(TABLE) as ProjectStage[];

/** Who is asking: the secretariat, or a member of the coordinator organisation, may move a project. */
export interface ProjectActor {
  secretariat: boolean;
  coordinator: boolean;
}
const steward = (c: ProjectActor) => c.secretariat || c.coordinator;

export const projectWorkflow = defineWorkflow('project', TABLE, {
  startDemonstration: { from: ['proposal'], to: 'demonstration', allowed: steward },
  implement: { from: ['demonstration'], to: 'implementation', allowed: steward },
  complete: { from: ['implementation'], to: 'completed', allowed: steward },
  discontinue: { from: ['proposal', 'demonstration', 'implementation'], to: 'discontinued', allowed: steward },
});
export type ProjectAction = keyof typeof projectWorkflow.actions;

/** The action that leads to a stage (the API names the target stage). */
export function actionTo(stage: ProjectStage): ProjectAction | undefined {
  return (Object.keys(projectWorkflow.actions) as ProjectAction[]).find((a) => projectWorkflow.actions[a].to === stage);
}

/** The stages an action leads to (what `POST /projects/:id/transitions` accepts as `to`). */
export const TRANSITION_TARGETS = [...new Set(Object.values(projectWorkflow.actions).map((a) => a.to))];

export const OPEN_STAGES: ProjectStage[] = ['proposal', 'demonstration', 'implementation'];
