import { EntityManager } from 'typeorm';
import { AppError } from '../common/errors';
import { WorkflowHistory } from './workflow-history.entity';

/** A transition table: for each state, the states it may move to. */
export type TransitionTable<S extends string> = Record<S, readonly S[]>;

/** What a listener hears after a transition's history row is written (still inside the transaction). */
export interface TransitionEvent<S extends string> {
  workflow: string;
  subjectId: string;
  from: S | null;
  to: S;
  actorId: string | null;
  comment: string | null;
  at: Date;
}

/**
 * A listener runs inside the same transaction as the transition, so what it enqueues (mail, jobs,
 * in-app notices) is committed or rolled back with it. It must do no network I/O.
 */
export type TransitionListener<S extends string> = (manager: EntityManager, event: TransitionEvent<S>) => Promise<void>;

export interface Workflow<S extends string> {
  name: string;
  table: TransitionTable<S>;
  can(from: S, to: S): boolean;
  /** Throws 409 `workflow.illegalTransition` unless from → to is in the table. */
  assert(from: S, to: S): void;
  /** Adds (or, under the same key, replaces) a listener called after every recorded transition. */
  on(key: string, listener: TransitionListener<S>): void;
  /** @internal */
  readonly listeners: Map<string, TransitionListener<S>>;
}

export function defineWorkflow<S extends string>(name: string, table: TransitionTable<S>): Workflow<S> {
  const wf: Workflow<S> = {
    name,
    table,
    listeners: new Map(),
    can: (from, to) => (table[from] ?? []).includes(to),
    assert(from, to) {
      if (!wf.can(from, to)) throw new AppError(409, 'workflow.illegalTransition', { from, to });
    },
    on(key, listener) {
      wf.listeners.set(key, listener);
    },
  };
  return wf;
}

export interface TransitionRecord<S extends string> {
  subjectId: string;
  from: S | null;
  to: S;
  actorId: string | null;
  comment?: string | null;
}

/**
 * Checks the table and writes the history row inside the caller's transaction.
 * The caller updates the subject's state with a conditional update (… WHERE state = from)
 * so that two concurrent transitions cannot both succeed.
 */
export async function recordTransition<S extends string>(
  manager: EntityManager,
  wf: Workflow<S>,
  rec: TransitionRecord<S>,
): Promise<WorkflowHistory> {
  if (rec.from !== null) wf.assert(rec.from, rec.to);
  const row = manager.create(WorkflowHistory, {
    workflow: wf.name,
    subjectId: rec.subjectId,
    fromState: rec.from,
    toState: rec.to,
    actorId: rec.actorId,
    comment: rec.comment ?? null,
  });
  const saved = await manager.save(row);
  for (const listener of wf.listeners.values()) {
    await listener(manager, {
      workflow: wf.name,
      subjectId: rec.subjectId,
      from: rec.from,
      to: rec.to,
      actorId: rec.actorId,
      comment: rec.comment ?? null,
      at: saved.at,
    });
  }
  return saved;
}

/**
 * Moves a row from one state to another with a conditional update and records the history.
 * Returns false (→ caller answers 409) when the row was no longer in `from` — someone else won.
 */
export async function transitionRow<S extends string>(
  manager: EntityManager,
  wf: Workflow<S>,
  target: { table: string; id: string; stateColumn?: string; set?: Record<string, unknown> },
  rec: Omit<TransitionRecord<S>, 'subjectId'> & { from: S },
): Promise<WorkflowHistory> {
  wf.assert(rec.from, rec.to);
  const col = target.stateColumn ?? 'status';
  const sets: string[] = [`"${col}" = $1`];
  const params: unknown[] = [rec.to];
  for (const [k, v] of Object.entries(target.set ?? {})) {
    params.push(v);
    sets.push(`"${k}" = $${params.length}`);
  }
  params.push(target.id, rec.from);
  const [, count] = await manager.query(
    `UPDATE "${target.table}" SET ${sets.join(', ')} WHERE id = $${params.length - 1} AND "${col}" = $${params.length}`,
    params,
  );
  if (count !== 1) throw new AppError(409, 'workflow.staleState', { from: rec.from, to: rec.to });
  return recordTransition(manager, wf, { ...rec, subjectId: target.id });
}

export async function historyOf(manager: EntityManager, workflow: string, subjectId: string): Promise<WorkflowHistory[]> {
  return manager.find(WorkflowHistory, { where: { workflow, subjectId }, order: { at: 'ASC', id: 'ASC' } });
}
