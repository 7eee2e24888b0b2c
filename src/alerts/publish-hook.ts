import type { EntityManager } from 'typeorm';
import type { JobsService } from '../../libs/jobs';

/** Job sent by IssuesService / SolutionsService in the transaction that publishes an item (handled by AlertsService). */
export const ALERTS_PUBLISHED_JOB = 'alerts.published';

export interface PublishedJob {
  kind: 'issue' | 'solution';
  id: string;
}

/** Enqueue the alerts job for a published item, atomically with the publishing write. */
export async function enqueuePublished(jobs: JobsService, manager: EntityManager, kind: 'issue' | 'solution', id: string): Promise<void> {
  await jobs.send<PublishedJob>(ALERTS_PUBLISHED_JOB, { kind, id }, { manager });
}
