// The engine's side of the replay contract: which sequence number (EventId) each piece of scheduled work
// gets, so that the completions the engine records (TaskScheduledId, TimerId) reach the task the
// orchestrator's replay (durable-functions' TaskOrchestrationExecutor) gave that number.
//
// The SDK numbers a task when it starts tracking it, in this order while it processes the history:
//   - every leaf of a newly yielded task, depth first through Task.all/Task.any (a wait for an external
//     event is keyed by its name and takes no number);
//   - a retryable task (callActivityWithRetry, callSubOrchestratorWithRetry): its first attempt; after a
//     failure, the retry timer; when that timer fires and attempts remain, the next attempt. The SDK does
//     not schedule the timer or the new attempt itself: it waits for the extension (DurableTask.Core's
//     RetryInterceptor) to record them, which is what this model does, timer delay included;
//   - a long timer (more than maximumShortTimerDuration away): its first piece, then, each time a piece
//     fires while the final time is still ahead, the next piece (longRunningTimerIntervalDuration, or the
//     final time once it is within maximumShortTimerDuration).
// Within one episode the SDK first processes the new events, in history order, each event's follow-up
// numbers (a retry timer, a next attempt, a next timer piece) coming before anything the orchestrator
// then yields. The engine therefore puts at most one event that causes follow-up numbers in an episode,
// as its first new event (see `needsOwnEpisode`), and numbers newly yielded actions after it.

import { ActionType, actionSignature, actionTypeName, processedInputText, rawInputText } from './actions';
import type { ActionJson, RetryOptionsJson } from './actions';
import { EventType, type HistoryEvent } from './history';

export type TaskEntry =
  | { kind: 'activity'; name: string; input?: string; retry?: string }
  | { kind: 'subOrchestration'; name: string; instanceId: string; input?: string; retry?: string }
  | {
      kind: 'timer';
      fireAt: string;
      /** plain: createTimer; long: one piece of a long timer; retry: the wait before a retry. */
      role: 'plain' | 'long' | 'retry';
      /** The yielded action (its position, e.g. "3" or "3.1"), so a cancelled timer can be found. */
      action?: string;
      /** The retry group, for a retry timer. */
      retry?: string;
    };

export interface RetryGroup {
  kind: 'activity' | 'subOrchestration';
  name: string;
  input?: string;
  instanceId?: string;
  options: RetryOptionsJson;
  /** The SDK's RetryableTask.attemptNumber: 1, plus one per failure. */
  attemptNumber: number;
  failures: number;
  waitingOnTimer: boolean;
  done: boolean;
}

/** The numbering state of one execution; persisted with the instance. */
export interface ExecutionModel {
  nextId: number;
  tasks: Record<string, TaskEntry>;
  retries: Record<string, RetryGroup>;
  longTimers: Record<string, { finalFireAt: string }>;
  /** The signature of every top-level action yielded so far, in order. */
  actions: string[];
}

export interface TimerDurations {
  /** maximumShortTimerDuration (6 days, as Azure Storage). */
  maxShortTimerMs: number;
  /** longRunningTimerIntervalDuration (3 days, as Azure Storage). */
  longTimerIntervalMs: number;
}

export interface Allocation {
  id: number;
  entry: TaskEntry;
  /** False for a timer that was cancelled before it was created: it is recorded but never fires. */
  armed: boolean;
}

export function emptyModel(): ExecutionModel {
  return { nextId: 0, tasks: {}, retries: {}, longTimers: {}, actions: [] };
}

function allocate(model: ExecutionModel, entry: TaskEntry, armed = true): Allocation {
  const id = model.nextId++;
  model.tasks[String(id)] = entry;
  return { id, entry, armed };
}

/**
 * DurableTask.Core's retry delay after the n-th failure (0-based): first interval × backoff^n, capped by
 * the maximum interval when one is set.
 */
export function retryDelayMs(options: RetryOptionsJson, failureIndex: number): number {
  const backoff = options.backoffCoefficient && options.backoffCoefficient > 0 ? options.backoffCoefficient : 1;
  const delay = options.firstRetryIntervalInMilliseconds * Math.pow(backoff, failureIndex);
  const cap = options.maxRetryIntervalInMilliseconds;
  return cap && cap > 0 ? Math.min(delay, cap) : delay;
}

function taskOf(model: ExecutionModel, id: number | undefined): TaskEntry | undefined {
  return id === undefined ? undefined : model.tasks[String(id)];
}

/** Whether delivering this event makes the orchestrator's replay number follow-up work. */
export function needsOwnEpisode(model: ExecutionModel, event: HistoryEvent): boolean {
  switch (event.EventType) {
    case EventType.TaskFailed:
    case EventType.SubOrchestrationInstanceFailed:
      return taskOf(model, event.TaskScheduledId)?.retry !== undefined;
    case EventType.TimerFired: {
      const entry = taskOf(model, event.TimerId);
      return entry?.kind === 'timer' && entry.role !== 'plain';
    }
    case EventType.EventRaised:
    case EventType.ExecutionStarted:
      // Not numbered, but kept alone so that an event is never delivered after the one that ends an execution.
      return true;
    default:
      return false;
  }
}

export interface EventContext {
  now: Date;
  instanceId: string;
  durations: TimerDurations;
}

/** Applies one delivered event to the model; returns the follow-up work it numbers (0 or 1 items). */
export function applyEvent(model: ExecutionModel, event: HistoryEvent, ctx: EventContext): Allocation[] {
  switch (event.EventType) {
    case EventType.TaskCompleted:
    case EventType.SubOrchestrationInstanceCompleted: {
      const entry = taskOf(model, event.TaskScheduledId);
      const group = entry && entry.kind !== 'timer' && entry.retry ? model.retries[entry.retry] : undefined;
      if (group) group.done = true;
      return [];
    }
    case EventType.TaskFailed:
    case EventType.SubOrchestrationInstanceFailed: {
      const entry = taskOf(model, event.TaskScheduledId);
      if (!entry || entry.kind === 'timer' || !entry.retry) return [];
      const group = model.retries[entry.retry];
      if (!group || group.done) return [];
      const delay = retryDelayMs(group.options, group.failures);
      group.failures++;
      group.attemptNumber++;
      group.waitingOnTimer = true;
      const fireAt = new Date(ctx.now.getTime() + delay).toISOString();
      return [allocate(model, { kind: 'timer', fireAt, role: 'retry', retry: entry.retry })];
    }
    case EventType.TimerFired: {
      const entry = taskOf(model, event.TimerId);
      if (!entry || entry.kind !== 'timer') return [];
      if (entry.role === 'retry' && entry.retry) {
        const group = model.retries[entry.retry];
        if (!group || !group.waitingOnTimer) return [];
        group.waitingOnTimer = false;
        if (group.attemptNumber > group.options.maxNumberOfAttempts) {
          group.done = true;
          return [];
        }
        const id = model.nextId;
        const next: TaskEntry =
          group.kind === 'activity'
            ? { kind: 'activity', name: group.name, input: group.input, retry: entry.retry }
            : {
                kind: 'subOrchestration',
                name: group.name,
                instanceId: group.instanceId ?? `${ctx.instanceId}:${id}`,
                input: group.input,
                retry: entry.retry,
              };
        return [allocate(model, next)];
      }
      if (entry.role === 'long' && entry.action) {
        const long = model.longTimers[entry.action];
        if (!long) return [];
        const final = Date.parse(long.finalFireAt);
        const now = ctx.now.getTime();
        if (final <= now) return [];
        const fireAt =
          final - now > ctx.durations.maxShortTimerMs
            ? new Date(now + ctx.durations.longTimerIntervalMs)
            : new Date(final);
        return [allocate(model, { kind: 'timer', fireAt: fireAt.toISOString(), role: 'long', action: entry.action })];
      }
      return [];
    }
    default:
      return [];
  }
}

export interface ActionPlan {
  allocations: Allocation[];
  continueAsNew?: { input?: string };
  /** Set when the orchestrator used something the local engine does not run (entities, HTTP calls). */
  unsupported?: string;
  /** Set when the replay yielded different actions than before: the orchestrator is not deterministic. */
  nondeterministic?: string;
}

/** Numbers the actions the orchestrator yielded for the first time in this episode. */
export function planNewActions(model: ExecutionModel, actions: readonly ActionJson[], ctx: EventContext): ActionPlan {
  const plan: ActionPlan = { allocations: [] };
  const known = model.actions.length;
  for (let i = 0; i < Math.min(known, actions.length); i++) {
    const signature = actionSignature(actions[i]!);
    if (signature !== model.actions[i]) {
      plan.nondeterministic =
        `Non-deterministic orchestrator: its replay yielded ${signature} where it first yielded ${model.actions[i]} ` +
        `(action ${i + 1}). Orchestrator code must make the same calls in the same order on every replay.`;
      return plan;
    }
  }
  if (actions.length < known) {
    plan.nondeterministic = `Non-deterministic orchestrator: its replay yielded ${actions.length} actions where it had yielded ${known}.`;
    return plan;
  }
  const walk = (action: ActionJson, path: string): void => {
    if (plan.unsupported) return;
    switch (action.actionType) {
      case ActionType.CallActivity:
        plan.allocations.push(
          allocate(model, {
            kind: 'activity',
            name: String(action.functionName),
            input: processedInputText(action.input),
          })
        );
        return;
      case ActionType.CallActivityWithRetry:
      case ActionType.CallSubOrchestratorWithRetry: {
        const activity = action.actionType === ActionType.CallActivityWithRetry;
        const input = activity ? processedInputText(action.input) : rawInputText(action.input);
        const options = action.retryOptions ?? { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 1 };
        model.retries[path] = {
          kind: activity ? 'activity' : 'subOrchestration',
          name: String(action.functionName),
          input,
          ...(action.instanceId ? { instanceId: action.instanceId } : {}),
          options,
          attemptNumber: 1,
          failures: 0,
          waitingOnTimer: false,
          done: false,
        };
        const id = model.nextId;
        plan.allocations.push(
          allocate(
            model,
            activity
              ? { kind: 'activity', name: String(action.functionName), input, retry: path }
              : {
                  kind: 'subOrchestration',
                  name: String(action.functionName),
                  instanceId: action.instanceId ?? `${ctx.instanceId}:${id}`,
                  input,
                  retry: path,
                }
          )
        );
        return;
      }
      case ActionType.CallSubOrchestrator: {
        const id = model.nextId;
        plan.allocations.push(
          allocate(model, {
            kind: 'subOrchestration',
            name: String(action.functionName),
            instanceId: action.instanceId ?? `${ctx.instanceId}:${id}`,
            input: rawInputText(action.input),
          })
        );
        return;
      }
      case ActionType.ContinueAsNew:
        plan.continueAsNew = { input: processedInputText(action.input) };
        return;
      case ActionType.CreateTimer: {
        const final = Date.parse(String(action.fireAt));
        if (Number.isNaN(final)) {
          plan.unsupported = `createTimer was given an invalid date (${String(action.fireAt)})`;
          return;
        }
        const now = ctx.now.getTime();
        const armed = action.isCanceled !== true;
        if (final - now > ctx.durations.maxShortTimerMs) {
          model.longTimers[path] = { finalFireAt: new Date(final).toISOString() };
          const fireAt = new Date(now + ctx.durations.longTimerIntervalMs).toISOString();
          plan.allocations.push(allocate(model, { kind: 'timer', fireAt, role: 'long', action: path }, armed));
        } else {
          const fireAt = new Date(final).toISOString();
          plan.allocations.push(allocate(model, { kind: 'timer', fireAt, role: 'plain', action: path }, armed));
        }
        return;
      }
      case ActionType.WaitForExternalEvent:
        return;
      case ActionType.WhenAll:
      case ActionType.WhenAny:
        (action.compoundActions ?? []).forEach((child, i) => walk(child, `${path}.${i}`));
        return;
      default:
        plan.unsupported =
          `${actionTypeName(action.actionType)} is not supported by the local durable engine ` +
          '(entities and durable HTTP calls are out of its scope)';
    }
  };
  for (let i = known; i < actions.length; i++) {
    walk(actions[i]!, String(i));
    model.actions.push(actionSignature(actions[i]!));
  }
  return plan;
}

/** The positions of every timer action the orchestrator has cancelled (Task.any losers it called cancel() on). */
export function cancelledTimerActions(actions: readonly ActionJson[]): Set<string> {
  const cancelled = new Set<string>();
  const walk = (action: ActionJson, path: string): void => {
    if (action.actionType === ActionType.CreateTimer && action.isCanceled) cancelled.add(path);
    (action.compoundActions ?? []).forEach((child, i) => walk(child, `${path}.${i}`));
  };
  actions.forEach((action, i) => walk(action, String(i)));
  return cancelled;
}
