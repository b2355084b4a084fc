// The per-cycle timeline (R3, R16, R17, R18, R25): one instance per cycle (`cycle-{cycleId}`), started when
// staff activate the cycle. Each execution reads the cycle's facts (an activity), decides with the pure rule
// what is due, runs the due activities (idempotent), then waits for the next due date (at most 21 days, see
// shared/domain/timeline/waits.ts) or a `CycleChanged` event, whichever comes first, cancels the timer when
// the event won, and continues as new with its small input. It completes when the cycle is over and nothing
// remains. Deterministic: time only from `context.df.currentUtcDateTime`, no I/O but through activities.
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
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
import { callWithRetries } from './activityRetry';
import { lookAgainWithinTheHour, waitThenContinueAsNew, type Wakening } from './waitThenContinue';

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
  // Undefined when the store stayed away through the retries: the facts are unknown, so wait and look again.
  const loaded = yield* callWithRetries<LoadedCycleFacts>(context, timelineActivities.loadCycleTimelineFacts, ref);
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
    return yield* lookAgainWithinTheHour(context, { ...status }, timelineEvents.cycleChanged, nextExecution(input));
  }
  if (!loaded.found) {
    context.df.setCustomStatus({ ...status, phase: 'cycleNotFound' });
    return { ...ref, outcome: 'cycleNotFound', executions: input.execution };
  }

  const decision = decideCycleTimeline(loaded.facts, now);
  const ran: MilestoneRun[] = [];
  const failed: string[] = [];
  for (const milestone of decision.due) {
    const outcome = yield* callWithRetries<ActivityOutcome>(context, milestoneActivity[milestone], {
      ...ref,
      asOf: now.toISOString(),
    });
    // Retries spent: the failure is in the activity's log and in this status; the timeline tries again within
    // the hour (below).
    if (outcome) ran.push({ milestone, acted: outcome.acted, at: outcome.at });
    else failed.push(milestone);
  }

  const summary = { ...status, next: decision.next, waitingFor: decision.waitingFor, ran, failed };
  if (decision.finished && failed.length === 0) {
    context.df.setCustomStatus({ ...summary, phase: 'finished' });
    return { ...ref, outcome: 'finished', executions: input.execution };
  }

  // A milestone that failed is tried again within the hour rather than at the next due date.
  const wake = wakeAt(now, [decision.wakeAt, failed.length > 0 ? retryWake(now) : null]).toISOString();
  context.df.setCustomStatus({ ...summary, wakeAt: wake });
  return yield* waitThenContinueAsNew(context, new Date(wake), timelineEvents.cycleChanged, nextExecution(input));
};

/** The input of the next execution, given what woke this one. */
function nextExecution(input: CycleTimelineInput & { execution: number }) {
  return (woken: Wakening): CycleTimelineInput => ({
    factoryId: input.factoryId,
    cycleId: input.cycleId,
    execution: input.execution + 1,
    wokenBy: woken.byEvent ? signalOf(woken.result) : 'timer',
  });
}

df.app.orchestration(orchestratorNames.cycleTimeline, cycleTimelineOrchestrator);
