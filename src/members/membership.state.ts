import { defineWorkflow } from '../../libs/workflow';
import type { ApplicationStatus } from './entities/membership-application.entity';

/** pending → approved | rejected; decisions are final. */
export const membershipWorkflow = defineWorkflow<ApplicationStatus>('membership', {
  pending: ['approved', 'rejected'],
  approved: [],
  rejected: [],
});
