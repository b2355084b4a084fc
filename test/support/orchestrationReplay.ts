// Orchestrator tests through the durable-functions package's own replay: the app's orchestrations register
// through `df.app.orchestration` into a stand-in for `@azure/functions-core` (the module the Functions worker
// provides), and a test calls the registered handler the way the worker does, with the orchestration
// trigger's input (`DurableOrchestrationInput`: instance id, history, input, the Azure Storage timer settings,
// replay schema V3) and reads the actions it returns. `ReplayHistory` writes the history as the Durable
// extension does between invocations: OrchestratorStarted, ExecutionStarted, TaskScheduled and TimerCreated
// for the new actions (a timer longer than 6 days as 3-day pieces), OrchestratorCompleted; then the outcomes
// the test chooses (TaskCompleted, TaskFailed, TimerFired, EventRaised) in a new episode.
import { InvocationContext } from '@azure/functions';
import { DurableOrchestrationInput } from 'durable-functions/lib/src/util/testingUtils';
import { ReplaySchema } from 'durable-functions/lib/src/orchestrations/ReplaySchema';
import { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
import type { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
import { OrchestratorStartedEvent } from 'durable-functions/lib/src/history/OrchestratorStartedEvent';
import { OrchestratorCompletedEvent } from 'durable-functions/lib/src/history/OrchestratorCompletedEvent';
import { ExecutionStartedEvent } from 'durable-functions/lib/src/history/ExecutionStartedEvent';
import { TaskScheduledEvent } from 'durable-functions/lib/src/history/TaskScheduledEvent';
import { TaskCompletedEvent } from 'durable-functions/lib/src/history/TaskCompletedEvent';
import { TaskFailedEvent } from 'durable-functions/lib/src/history/TaskFailedEvent';
import { TimerCreatedEvent } from 'durable-functions/lib/src/history/TimerCreatedEvent';
import { TimerFiredEvent } from 'durable-functions/lib/src/history/TimerFiredEvent';
import { EventRaisedEvent } from 'durable-functions/lib/src/history/EventRaisedEvent';
import * as df from 'durable-functions';

type Callback = (...args: unknown[]) => unknown;
const mockRegistered = new Map<
  string,
  { metadata: { name: string; bindings: Record<string, { type: string }> }; callback: Callback }
>();
jest.mock(
  '@azure/functions-core',
  () => ({
    setProgrammingModel: () => undefined,
    registerFunction: (metadata: { name: string; bindings: Record<string, { type: string }> }, callback: Callback) => {
      mockRegistered.set(metadata.name, { metadata, callback });
      return { dispose: () => mockRegistered.delete(metadata.name) };
    },
    registerHook: () => ({ dispose: () => undefined }),
    log: () => undefined,
  }),
  { virtual: true }
);

/** The trigger type each registered function declared (e.g. `orchestrationTrigger`, `activityTrigger`). */
export function registeredTriggers(): Record<string, string> {
  return Object.fromEntries(
    [...mockRegistered.entries()].map(([name, { metadata }]) => [
      name,
      Object.values(metadata.bindings).find((b) => /trigger$/i.test(b.type))?.type ?? '',
    ])
  );
}

/** An action as the SDK returns it (schema V3: all actions of the execution, compound ones with their children). */
export interface Action {
  actionType: number;
  functionName?: string;
  input?: unknown;
  retryOptions?: { firstRetryIntervalInMilliseconds: number; maxNumberOfAttempts: number; backoffCoefficient?: number };
  fireAt?: Date;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: Action[];
}

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  WhenAny: 11,
  WhenAll: 12,
} as const;

export interface OrchestratorState {
  isDone: boolean;
  actions: Action[][];
  output: unknown;
  error?: string;
  customStatus?: unknown;
}

/** The Azure Storage values the extension passes (and the local engine too). */
const longRunningTimerInterval = '3.00:00:00';
const maximumShortTimer = '6.00:00:00';
const dayMs = 86_400_000;
const pieceMs = 3 * dayMs;
const shortMaxMs = 6 * dayMs;

export function flatten(actions: readonly Action[]): Action[] {
  return actions.flatMap((a) =>
    a.actionType === ActionType.WhenAny || a.actionType === ActionType.WhenAll ? flatten(a.compoundActions ?? []) : [a]
  );
}

interface Scheduled {
  eventId: number;
  kind: 'activity' | 'timer';
  name?: string;
  input?: unknown;
  /** timers: this piece's fire time and the timer's final one. */
  fireAt?: Date;
  finalFireAt?: Date;
  /** A retry timer: the activity attempt that failed. */
  retryOf?: Scheduled;
  done: boolean;
}

type ScheduleSpec = Omit<Scheduled, 'eventId' | 'done'>;

export interface Episode {
  state: OrchestratorState;
  /** The flattened actions the orchestrator returned that the history did not have yet. */
  newActions: Action[];
  /** The history events this episode scheduled (TaskScheduled, TimerCreated). */
  scheduled: Scheduled[];
}

export class ReplayHistory {
  readonly events: HistoryEvent[] = [];
  private nextEventId = 0;
  private topLevelActionsSeen = 0;
  private readonly tasks: Scheduled[] = [];
  private lastState: OrchestratorState | undefined;
  /** The input of the next execution when this one continued as new. */
  continuedWith: unknown = undefined;
  ended = false;

  constructor(
    readonly orchestrator: string,
    readonly instanceId: string,
    readonly input: unknown
  ) {}

  private options(eventId: number, at: Date, extra: Partial<HistoryEventOptions> = {}): HistoryEventOptions {
    return Object.assign(new HistoryEventOptions(eventId, at), extra);
  }

  get state(): OrchestratorState | undefined {
    return this.lastState;
  }

  /** The tasks scheduled and not completed yet. */
  pending(kind?: 'activity' | 'timer'): Scheduled[] {
    return this.tasks.filter((t) => !t.done && (kind === undefined || t.kind === kind));
  }

  /** History events of this execution, ExecutionCompleted included once it ended. */
  get size(): number {
    return this.events.length + (this.ended ? 1 : 0);
  }

  start(at: Date): Promise<Episode> {
    return this.episode(at, [
      new ExecutionStartedEvent(
        this.options(-1, at, { name: this.orchestrator, input: JSON.stringify(this.input ?? null) })
      ),
    ]);
  }

  completeActivity(task: Scheduled, result: unknown, at: Date): Promise<Episode> {
    task.done = true;
    return this.episode(at, [
      new TaskCompletedEvent(
        this.options(-1, at, { taskScheduledId: task.eventId, result: JSON.stringify(result ?? null) })
      ),
    ]);
  }

  /**
   * An attempt failed. With retry options the extension then creates the retry timer in the same episode
   * (after every failed attempt, the last one too: the SDK fails the task when that timer fires).
   */
  failActivity(task: Scheduled, message: string, at: Date, retryAt?: Date): Promise<Episode> {
    task.done = true;
    const failed = new TaskFailedEvent(
      this.options(-1, at, { taskScheduledId: task.eventId, reason: message, details: message })
    );
    return this.episode(
      at,
      [failed],
      retryAt ? [{ kind: 'timer', fireAt: retryAt, finalFireAt: retryAt, retryOf: task }] : []
    );
  }

  /**
   * Fires a timer piece at its time; a long timer's next piece is created in the same episode, and a retry
   * timer's new attempt of the activity when `reschedule` (not after the last attempt).
   */
  async fireTimer(task: Scheduled, options: { reschedule?: boolean } = {}): Promise<Episode> {
    task.done = true;
    const at = task.fireAt!;
    const fired = new TimerFiredEvent(this.options(-1, at, { timerId: task.eventId, fireAt: at }));
    const after: ScheduleSpec[] = [];
    if (task.retryOf) {
      if (options.reschedule) after.push({ kind: 'activity', name: task.retryOf.name, input: task.retryOf.input });
    } else if (task.finalFireAt && task.finalFireAt.getTime() > at.getTime()) {
      after.push({ kind: 'timer', ...this.piece(at, task.finalFireAt) });
    }
    return this.episode(at, [fired], after);
  }

  raiseEvent(name: string, input: unknown, at: Date): Promise<Episode> {
    return this.episode(at, [
      new EventRaisedEvent(this.options(-1, at, { name, input: JSON.stringify(input ?? null) })),
    ]);
  }

  /** The fire time of the next piece of a timer due at `finalFireAt`, created at `now` (as the extension splits it). */
  private piece(now: Date, finalFireAt: Date): { fireAt: Date; finalFireAt: Date } {
    const remaining = finalFireAt.getTime() - now.getTime();
    return {
      fireAt: remaining > shortMaxMs ? new Date(now.getTime() + pieceMs) : finalFireAt,
      finalFireAt,
    };
  }

  private schedule(at: Date, task: ScheduleSpec): Scheduled {
    const scheduled: Scheduled = { ...task, eventId: this.nextEventId++, done: false };
    this.tasks.push(scheduled);
    this.events.push(
      task.kind === 'activity'
        ? new TaskScheduledEvent(
            this.options(scheduled.eventId, at, { name: task.name, input: JSON.stringify(task.input ?? null) })
          )
        : new TimerCreatedEvent(this.options(scheduled.eventId, at, { fireAt: task.fireAt }))
    );
    return scheduled;
  }

  private async episode(at: Date, newEvents: HistoryEvent[], after: ScheduleSpec[] = []): Promise<Episode> {
    if (this.ended) throw new Error('the execution has ended');
    for (const event of this.events) event.IsPlayed = true;
    this.events.push(new OrchestratorStartedEvent(this.options(-1, at)), ...newEvents);
    const state = await invokeOrchestrator(this.orchestrator, this.instanceId, this.events, this.input);
    this.lastState = state;
    const topLevel = state.actions[0] ?? [];
    const fresh = topLevel.slice(this.topLevelActionsSeen);
    this.topLevelActionsSeen = topLevel.length;
    const newActions = flatten(fresh);
    const scheduled: Scheduled[] = [];
    for (const action of newActions) {
      if (action.actionType === ActionType.CallActivity || action.actionType === ActionType.CallActivityWithRetry) {
        scheduled.push(this.schedule(at, { kind: 'activity', name: action.functionName, input: action.input }));
      } else if (action.actionType === ActionType.CreateTimer && !action.isCanceled) {
        scheduled.push(this.schedule(at, { kind: 'timer', ...this.piece(at, new Date(action.fireAt!)) }));
      } else if (action.actionType === ActionType.ContinueAsNew) {
        this.continuedWith = action.input;
      }
    }
    for (const spec of after) scheduled.push(this.schedule(at, spec));
    this.events.push(new OrchestratorCompletedEvent(this.options(-1, at)));
    if (state.isDone || state.error !== undefined) this.ended = true;
    return { state, newActions, scheduled };
  }
}

/** Calls the registered orchestration handler as the worker does, with the trigger input the extension sends. */
export async function invokeOrchestrator(
  name: string,
  instanceId: string,
  history: HistoryEvent[],
  input: unknown
): Promise<OrchestratorState> {
  const registration = mockRegistered.get(name);
  if (!registration) throw new Error(`no orchestration ${name} is registered`);
  const trigger = new DurableOrchestrationInput(
    instanceId,
    history,
    input,
    longRunningTimerInterval,
    maximumShortTimer,
    30000,
    ReplaySchema.V3
  );
  const context = new df.DummyOrchestrationContext(name, `invocation-${instanceId}`, () => undefined);
  try {
    return (await registration.callback(trigger, context as InvocationContext)) as OrchestratorState;
  } catch (error) {
    // OrchestrationFailureError: the orchestrator threw; its state (with the error) is in the message.
    const message = (error as Error).message;
    const label = '$OutOfProcData$:';
    const marker = message.indexOf(label);
    const state = marker >= 0 ? (JSON.parse(message.slice(marker + label.length)) as OrchestratorState) : undefined;
    return { isDone: false, actions: state?.actions ?? [[]], output: undefined, error: state?.error ?? message };
  }
}

export interface RunScript {
  /** The result of each activity the orchestrator calls (by name and input). */
  activity: (name: string, input: unknown) => unknown;
  /** Raise this event once the orchestrator waits (instead of letting the timer fire). */
  event?: { name: string; input: unknown; at: Date };
  /** How long each activity takes. */
  activityMs?: number;
}

/** Runs one execution to its end (completed, continued as new, failed), as the extension would. */
export async function runExecution(history: ReplayHistory, at: Date, script: RunScript): Promise<ReplayHistory> {
  let now = at;
  await history.start(now);
  let raised = false;
  for (let step = 0; step < 500 && !history.ended; step++) {
    const activity = history.pending('activity')[0];
    if (activity) {
      now = new Date(now.getTime() + (script.activityMs ?? 1000));
      await history.completeActivity(activity, script.activity(activity.name!, activity.input), now);
      continue;
    }
    if (script.event && !raised) {
      raised = true;
      now = script.event.at;
      await history.raiseEvent(script.event.name, script.event.input, now);
      continue;
    }
    const timer = history.pending('timer').sort((a, b) => a.fireAt!.getTime() - b.fireAt!.getTime())[0];
    if (!timer) throw new Error('the orchestration waits for nothing the test provides');
    now = timer.fireAt!;
    await history.fireTimer(timer);
  }
  return history;
}
