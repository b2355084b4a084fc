// The background part of a person's personal-data erasure (`erasure-{userId}`), started by
// POST /api/users/{userId}/personal-data-erasure once the request has closed the account. One activity
// (with retries) pseudonymises every factory the erasure covers and completes the directory entry; it is
// idempotent and resumes where an earlier attempt stopped. When it still fails after its retries (the store
// away, a partition that kept changing), the orchestration waits `retryAfterFailure` and continues as new,
// a bounded number of times; then it ends `failed` (custom status) and the erasure stays `erasing` until the
// request is sent again. Deterministic.
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { orchestratorNames } from '../../shared/adapters/durable/durableTimelines';
import { timelineActivities, userRefSchema } from '../../shared/app/timeline/activities';
import type { ErasureActivityOutcome } from '../activities/completePersonalDataErasure';
import { retryWake } from '../../shared/domain/timeline/waits';
import { callWithRetries } from './activityRetry';

export interface PersonalDataErasureInput {
  userId: string;
  execution?: number;
}

/** Executions (each with the activity's retries) before the orchestration gives up: about a day. */
export const erasureExecutions = 24;

function inputOf(raw: unknown): { userId: string; execution: number } {
  const { userId } = userRefSchema.parse(raw);
  const extra = (raw ?? {}) as Record<string, unknown>;
  const execution = typeof extra.execution === 'number' && extra.execution >= 1 ? Math.floor(extra.execution) : 1;
  return { userId, execution };
}

export const personalDataErasureOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = inputOf(context.df.getInput());
  // Undefined when it still failed after its retries: wait and try again (below).
  const outcome = yield* callWithRetries<ErasureActivityOutcome>(
    context,
    timelineActivities.completePersonalDataErasure,
    { userId: input.userId }
  );
  const now = context.df.currentUtcDateTime;
  if (outcome !== undefined) {
    context.df.setCustomStatus({ phase: 'finished', execution: input.execution, outcome: outcome.outcome });
    return outcome;
  }
  if (input.execution >= erasureExecutions) {
    context.df.setCustomStatus({ phase: 'failed', execution: input.execution });
    return { outcome: 'failed', userId: input.userId };
  }
  const fireAt = retryWake(now);
  context.df.setCustomStatus({ phase: 'waiting', execution: input.execution, wakeAt: fireAt.toISOString() });
  yield context.df.createTimer(fireAt);
  const next: PersonalDataErasureInput = { userId: input.userId, execution: input.execution + 1 };
  context.df.continueAsNew(next);
  return undefined;
};

df.app.orchestration(orchestratorNames.personalDataErasure, personalDataErasureOrchestrator);
