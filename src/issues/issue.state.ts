import { defineWorkflow } from '../../libs/workflow';
import type { IssueStatus } from './entities/issue.entity';

/** draft → published → closed (closed is final). */
export const issueWorkflow = defineWorkflow<IssueStatus>('issue', {
  draft: ['published'],
  published: ['closed'],
  closed: [],
});
