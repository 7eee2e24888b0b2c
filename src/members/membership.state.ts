import { defineWorkflow, StatesOf } from '../../libs/workflow';

/** pending → approved | rejected; decisions are final. A state is spelled here (and in the migration's CHECK) only. */
const TABLE = {
  pending: ['approved', 'rejected'],
  approved: [],
  rejected: [],
} as const;

export type MembershipStatus = StatesOf<typeof TABLE>;
export const MEMBERSHIP_STATUSES = Object.keys(TABLE) as MembershipStatus[];

/** Who is asking: the secretariat decides. */
export interface MembershipActor {
  secretariat: boolean;
}

export const membershipWorkflow = defineWorkflow('membership', TABLE, {
  approve: { from: ['pending'], to: 'approved', allowed: (c: MembershipActor) => c.secretariat },
  reject: { from: ['pending'], to: 'rejected', allowed: (c: MembershipActor) => c.secretariat },
});
export type MembershipAction = keyof typeof membershipWorkflow.actions;
