import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { transitionEntity, WorkflowHistory } from '../../libs/workflow';
import type { Principal } from '../auth/principal';
import { SubsidyApplication } from './entities/subsidy-application.entity';
import { accessOf } from './subsidy.access';
import { ApplicationStatus, SubsidyActor, subsidyWorkflow, SubsidyTransition } from './subsidy.state';

export interface StepOptions {
  comment?: string | null;
  set?: QueryDeepPartialEntity<SubsidyApplication>;
  from?: ApplicationStatus;
  /** the rest of the caller's context for the role rule (partner pending, withdrawal closed) */
  ctx?: Omit<SubsidyActor, 'access'>;
}

/**
 * One step of an application: the caller's role and the state checked by the table (assertAction: 403/409), then the
 * conditional update and its history row (who, when, from, to, why) — inside the caller's transaction.
 */
export async function moveApplication(
  m: EntityManager,
  p: Principal,
  app: SubsidyApplication,
  action: SubsidyTransition,
  opts: StepOptions = {},
): Promise<ApplicationStatus> {
  const from = opts.from ?? app.status;
  const to = subsidyWorkflow.assertAction(action, from, { ...opts.ctx, access: await accessOf(m, app, p) });
  await transitionEntity(
    m,
    subsidyWorkflow,
    SubsidyApplication,
    app.id,
    { from, to, actorId: p.userId, comment: opts.comment ?? null },
    { set: { ...opts.set, updatedAt: new Date() } },
  );
  return to;
}

/** When the grant decision (交付決定, adopted → grant_decided) was recorded, from the history; the withdrawal period runs from it. */
export async function grantDecidedAt(m: EntityManager, id: string): Promise<Date | null> {
  const row = await m.findOne(WorkflowHistory, {
    where: { workflow: subsidyWorkflow.name, subjectId: id, fromState: 'adopted', toState: 'grant_decided' },
    order: { at: 'DESC' },
  });
  return row?.at ?? null;
}
