import { defineWorkflow } from '../../libs/workflow';
import type { ApplicationStatus } from './entities/subsidy-application.entity';

/**
 * draft → submitted → (returned → submitted)* → under_review → adopted | rejected;
 * withdrawn from draft/submitted/returned (never once under review);
 * adopted → grant_decided (交付決定) → report_submitted (実績報告) → completed (額の確定).
 */
export const subsidyWorkflow = defineWorkflow<ApplicationStatus>('subsidy_application', {
  draft: ['submitted', 'withdrawn'],
  submitted: ['returned', 'under_review', 'withdrawn'],
  returned: ['submitted', 'withdrawn'],
  under_review: ['adopted', 'rejected'],
  adopted: ['grant_decided'],
  rejected: [],
  withdrawn: [],
  grant_decided: ['report_submitted'],
  report_submitted: ['completed'],
  completed: [],
});

/** States in which the applicant may still edit the application and its attachments. */
export const EDITABLE: ApplicationStatus[] = ['draft', 'returned'];
/** Adopted and beyond. */
export const ADOPTED: ApplicationStatus[] = ['adopted', 'grant_decided', 'report_submitted', 'completed'];
