import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AppError } from '../common/errors';
import { WorkflowHistory } from './workflow-history.entity';

/** A transition table: for each state, the states it may move to. */
export type TransitionTable<S extends string> = Record<S, readonly S[]>;

/** The states of a transition table written `as const` — so a state is spelled in its table only. */
export type StatesOf<T> = keyof T & string;

/**
 * A named action a principal may take on a subject: the states it starts from, the state it leads to, and the role
 * rule (who may, given the caller's context — principal, subject, ownership). `from` → `to` must be in the table.
 */
export interface ActionRule<S extends string, C> {
  from: readonly S[];
  to: S;
  allowed: (ctx: C) => boolean;
}

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

export interface Workflow<S extends string, A extends string = never, C = never> {
  name: string;
  table: TransitionTable<S>;
  actions: Record<A, ActionRule<S, C>>;
  /** The actions the caller may take now: the subject's state is among the action's `from` and the role rule allows it. */
  available(state: S, ctx: C): A[];
  /**
   * The target state of `action` from `state` for this caller: 403 `workflow.forbidden` when the role rule refuses,
   * 409 `workflow.illegalTransition` when the state does not allow it.
   */
  assertAction(action: A, state: S, ctx: C): S;
  can(from: S, to: S): boolean;
  /** Throws 409 `workflow.illegalTransition` unless from → to is in the table. */
  assert(from: S, to: S): void;
  /** Adds (or, under the same key, replaces) a listener called after every recorded transition. */
  on(key: string, listener: TransitionListener<S>): void;
  /** @internal */
  readonly listeners: Map<string, TransitionListener<S>>;
}

export function defineWorkflow<S extends string, A extends string = never, C = never>(
  name: string,
  table: TransitionTable<S>,
  actions: Record<A, ActionRule<S, C>> = {} as Record<A, ActionRule<S, C>>,
): Workflow<S, A, C> {
  for (const [a, rule] of Object.entries(actions) as [string, ActionRule<S, C>][])
    for (const f of rule.from)
      if (!(table[f] ?? []).includes(rule.to)) throw new Error(`workflow ${name}: action ${a} leads ${f} → ${rule.to}, not in the table`);
  const wf: Workflow<S, A, C> = {
    name,
    table,
    actions,
    listeners: new Map(),
    can: (from, to) => (table[from] ?? []).includes(to),
    available: (state, ctx) =>
      (Object.keys(actions) as A[]).filter(
        (a) => actions[a].from.includes(state) && wf.can(state, actions[a].to) && actions[a].allowed(ctx),
      ),
    assertAction(action, state, ctx) {
      const rule = actions[action];
      if (!rule.allowed(ctx)) throw new AppError(403, 'workflow.forbidden', { action });
      if (!rule.from.includes(state)) throw new AppError(409, 'workflow.illegalTransition', { from: state, to: rule.to });
      wf.assert(state, rule.to);
      return rule.to;
    },
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
  wf: Workflow<S, any, any>,
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
  wf: Workflow<S, any, any>,
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

/**
 * Moves an entity's row from one state to another, typed by the entity: `set` names the entity's properties (not
 * columns), the state property defaults to `status`. The UPDATE only matches a row still in `from`; otherwise 409
 * `workflow.staleState` (someone else moved first). Records the history row in the same transaction.
 */
export async function transitionEntity<E extends ObjectLiteral, S extends string>(
  manager: EntityManager,
  wf: Workflow<S, any, any>,
  entity: EntityTarget<E>,
  id: string,
  rec: Omit<TransitionRecord<S>, 'subjectId'> & { from: S },
  opts: { stateProperty?: keyof E & string; set?: QueryDeepPartialEntity<E> } = {},
): Promise<WorkflowHistory> {
  wf.assert(rec.from, rec.to);
  const prop = opts.stateProperty ?? 'status';
  const result = await manager
    .createQueryBuilder()
    .update(entity)
    .set({ ...(opts.set ?? {}), [prop]: rec.to } as QueryDeepPartialEntity<E>)
    .where(`id = :id AND ${manager.getRepository(entity).metadata.findColumnWithPropertyName(prop)!.databaseName} = :from`, {
      id,
      from: rec.from,
    })
    .execute();
  if (result.affected !== 1) throw new AppError(409, 'workflow.staleState', { from: rec.from, to: rec.to });
  return recordTransition(manager, wf, { ...rec, subjectId: id });
}

export async function historyOf(manager: EntityManager, workflow: string, subjectId: string): Promise<WorkflowHistory[]> {
  return manager.find(WorkflowHistory, { where: { workflow, subjectId }, order: { at: 'ASC', id: 'ASC' } });
}

/** One step of a subject's history, with who took it (as the caller's actor lookup names them). */
export interface TimelineEntry {
  from: string | null;
  to: string;
  at: Date;
  comment: string | null;
  /** `id` is null when the actor is shown by role only (secretariat staff in a public history) */
  actor: { id: string | null; displayName: string; organizationName: string | null } | null;
}

/**
 * The subject's history, oldest first. `actors` resolves the actors' names (the caller asks the module that owns
 * the users); an actor it does not know is shown as null.
 */
export async function timelineOf(
  manager: EntityManager,
  workflow: string,
  subjectId: string,
  actors: (ids: string[]) => Promise<Map<string, { displayName: string; organizationName: string | null; anonymous?: boolean }>>,
): Promise<TimelineEntry[]> {
  const rows = await historyOf(manager, workflow, subjectId);
  const ids = [...new Set(rows.map((r) => r.actorId).filter((x): x is string => !!x))];
  const byId = ids.length
    ? await actors(ids)
    : new Map<string, { displayName: string; organizationName: string | null; anonymous?: boolean }>();
  return rows.map((r) => {
    const a = r.actorId ? byId.get(r.actorId) : undefined;
    return {
      from: r.fromState,
      to: r.toState,
      at: r.at,
      comment: r.comment,
      actor:
        a && r.actorId ? { id: a.anonymous ? null : r.actorId, displayName: a.displayName, organizationName: a.organizationName } : null,
    };
  });
}
