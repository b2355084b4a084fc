// The per-cycle timeline (R3, R16, R17, R18, R25): one instance per cycle (`cycle-{cycleId}`), started when
// staff activate the cycle. Each execution reads the cycle's facts (an activity), decides with the pure rule
// what is due, runs the due activities (idempotent), then waits for the next due date (at most 21 days, see
// shared/domain/timeline/waits.ts) or a `CycleChanged` event, whichever comes first, cancels the timer when
// the event won, and continues as new with its small input. It completes when the cycle is over and nothing
// remains. Deterministic: time only from `context.df.currentUtcDateTime`, no I/O but through activities.
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { orchestratorNames, timelineEvents } from '../../shared/adapters/durable/durableTimelines';
import {
  cycleRefSchema,
  milestoneActivity,
  timelineActivities,
  type ActivityOutcome,
} from '../../shared/app/timeline/activities';
import type { LoadedCycleFacts } from '../../shared/app/timeline/cycleFacts';
import { decideCycleTimeline } from '../../shared/domain/timeline/cycleTimeline';
import { retryWake, wakeAt } from '../../shared/domain/timeline/waits';
import type { CycleTimelineStatus, MilestoneRun } from '../../shared/domain/timeline/status';
import { activityRetryOptions } from './activityRetry';
import { waitThenContinueAsNew } from './waitThenContinue';

/** The input of every execution: which cycle, and (after the first) which execution and what woke it. */
export interface CycleTimelineInput {
  factoryId: string;
  cycleId: string;
  execution?: number;
  wokenBy?: string;
}

function inputOf(raw: unknown): CycleTimelineInput & { execution: number } {
  const ref = cycleRefSchema.parse(raw);
  const extra = (raw ?? {}) as { execution?: unknown };
  const execution = typeof extra.execution === 'number' && extra.execution >= 1 ? Math.floor(extra.execution) : 1;
  return { factoryId: ref.factoryId, cycleId: ref.cycleId, execution };
}

/** Why the timeline woke: the event's signal (informational), or the timer. */
function signalOf(result: unknown): string {
  return typeof result === 'string' && /^[A-Za-z]{1,40}$/.test(result) ? result : 'cycleChanged';
}

export const cycleTimelineOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = inputOf(context.df.getInput());
  const ref = { factoryId: input.factoryId, cycleId: input.cycleId };
  const retry = activityRetryOptions();
  let loaded: LoadedCycleFacts | undefined;
  try {
    loaded = yield context.df.callActivityWithRetry(timelineActivities.loadCycleTimelineFacts, retry, ref);
  } catch {
    // The store stayed away through the retries: the facts are unknown, so wait and look again.
  }
  const now = context.df.currentUtcDateTime;
  const status: CycleTimelineStatus = {
    phase: 'waiting',
    execution: input.execution,
    decidedAt: now.toISOString(),
    next: null,
    waitingFor: [],
    wakeAt: null,
    ran: [],
    failed: [],
  };
  if (loaded === undefined) {
    const retryAt = retryWake(now).toISOString();
    context.df.setCustomStatus({ ...status, failed: ['loadFacts'], wakeAt: retryAt });
    return yield* waitThenContinue(context, input, retryAt);
  }
  if (!loaded.found) {
    context.df.setCustomStatus({ ...status, phase: 'cycleNotFound' });
    return { ...ref, outcome: 'cycleNotFound', executions: input.execution };
  }

  const decision = decideCycleTimeline(loaded.facts, now);
  const ran: MilestoneRun[] = [];
  const failed: string[] = [];
  for (const milestone of decision.due) {
    try {
      const outcome: ActivityOutcome = yield context.df.callActivityWithRetry(milestoneActivity[milestone], retry, {
        ...ref,
        asOf: now.toISOString(),
      });
      ran.push({ milestone, acted: outcome.acted, at: outcome.at });
    } catch {
      // Its retries are spent: the failure is in the activity's log and in this status; the timeline tries
      // again when it wakes (the daily reconciliation wakes a cycle with an overdue milestone).
      failed.push(milestone);
    }
  }

  const summary = { ...status, next: decision.next, waitingFor: decision.waitingFor, ran, failed };
  if (decision.finished && failed.length === 0) {
    context.df.setCustomStatus({ ...summary, phase: 'finished' });
    return { ...ref, outcome: 'finished', executions: input.execution };
  }

  // A milestone that failed is tried again within the hour rather than at the next due date.
  const wake = failed.length > 0 ? wakeAt(now, [decision.wakeAt, retryWake(now)]).toISOString() : decision.wakeAt;
  context.df.setCustomStatus({ ...summary, wakeAt: wake });
  return yield* waitThenContinue(context, input, wake);
};

function waitThenContinue(
  context: OrchestrationContext,
  input: CycleTimelineInput & { execution: number },
  wake: string
): Generator<Task, undefined, unknown> {
  return waitThenContinueAsNew(context, new Date(wake), timelineEvents.cycleChanged, (woken): CycleTimelineInput => ({
    factoryId: input.factoryId,
    cycleId: input.cycleId,
    execution: input.execution + 1,
    wokenBy: woken.byEvent ? signalOf(woken.result) : 'timer',
  }));
}

df.app.orchestration(orchestratorNames.cycleTimeline, cycleTimelineOrchestrator);
