import type { EntityManager } from 'typeorm';
import { WorkflowHistory } from '../../libs/workflow';

/** Demo content's workflow history: each item created and published, without an actor. */
export async function insertDemoHistory(m: EntityManager, workflow: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await m.insert(
    WorkflowHistory,
    ids.flatMap((subjectId) => [
      { workflow, subjectId, fromState: null, toState: 'draft', actorId: null, comment: 'demo' },
      { workflow, subjectId, fromState: 'draft', toState: 'published', actorId: null, comment: 'demo' },
    ]),
  );
}
