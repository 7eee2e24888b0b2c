import { defineWorkflow } from '../../libs/workflow';
import type { EventStatus } from './entities/event.entity';
import type { PitchStatus } from './entities/pitch.entities';

/** draft → published → cancelled (a draft may also be cancelled); cancelled is final. */
export const eventWorkflow = defineWorkflow<EventStatus>('event', {
  draft: ['published', 'cancelled'],
  published: ['cancelled'],
  cancelled: [],
});

/** A pitch application: the secretariat selects or declines it; the startup may withdraw before a decision. */
export const pitchWorkflow = defineWorkflow<PitchStatus>('pitch_application', {
  applied: ['selected', 'rejected', 'withdrawn'],
  selected: ['rejected', 'withdrawn'],
  rejected: ['selected'],
  withdrawn: [],
});
