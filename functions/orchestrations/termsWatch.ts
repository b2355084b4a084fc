// R10: the Terms & Conditions watch of a factory (`terms-{factoryId}`), (re)started when the factory manager
// signs. Each execution reads the stored signature (an activity), reminds the managers
// `termsExpiryReminderLead` before it expires and tells them when it has expired that the profile is below
// 100 %, then ends. A `TermsSigned` event (a new signature) wakes it to watch the new date. Waits are capped
// and each execution continues as new, like the cycle timeline. Deterministic.
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { orchestratorNames, timelineEvents } from '../../shared/adapters/durable/durableTimelines';
import { factoryRefSchema, timelineActivities, type ActivityOutcome } from '../../shared/app/timeline/activities';
import type { LoadedTermsFacts } from '../../shared/app/timeline/termsWatch';
import type { MilestoneRun } from '../../shared/domain/timeline/status';
import { decideTermsWatch, termsStepKey, type TermsStep } from '../../shared/domain/timeline/termsWatch';
import { retryWake, wakeAt } from '../../shared/domain/timeline/waits';
import { callWithRetries } from './activityRetry';
import { lookAgainWithinTheHour, waitThenContinueAsNew } from './waitThenContinue';

export interface TermsWatchInput {
  factoryId: string;
  /** The signature the watch was (re)started for; the stored one wins when they differ. */
  signedAt?: string;
  execution?: number;
}

const stepActivity: Record<TermsStep, string> = {
  expiryReminder: timelineActivities.remindTermsExpiry,
  expired: timelineActivities.noticeTermsExpired,
};

function inputOf(raw: unknown): { factoryId: string; execution: number } {
  const { factoryId } = factoryRefSchema.parse(raw);
  const extra = (raw ?? {}) as Record<string, unknown>;
  return {
    factoryId,
    execution: typeof extra.execution === 'number' && extra.execution >= 1 ? Math.floor(extra.execution) : 1,
  };
}

export const termsWatchOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = inputOf(context.df.getInput());
  const loaded = yield* callWithRetries<LoadedTermsFacts>(context, timelineActivities.loadTermsWatchFacts, {
    factoryId: input.factoryId,
  });
  const now = context.df.currentUtcDateTime;
  if (loaded === undefined) {
    return yield* lookAgainWithinTheHour(
      context,
      { execution: input.execution },
      timelineEvents.termsSigned,
      (): TermsWatchInput => ({
        factoryId: input.factoryId,
        execution: input.execution + 1,
      })
    );
  }
  if (!loaded.found) {
    context.df.setCustomStatus({ phase: 'factoryNotFound', execution: input.execution });
    return { factoryId: input.factoryId, outcome: 'factoryNotFound' };
  }
  const decision = decideTermsWatch(loaded.facts, now);
  const signedAt = decision.signedAt;

  const ran: MilestoneRun[] = [];
  const failed: string[] = [];
  for (const step of decision.due) {
    const key = termsStepKey(step, signedAt!);
    const outcome = yield* callWithRetries<ActivityOutcome>(context, stepActivity[step], {
      factoryId: input.factoryId,
      signedAt,
      asOf: now.toISOString(),
    });
    if (outcome) ran.push({ milestone: key, acted: outcome.acted, at: outcome.at });
    else failed.push(key);
  }
  const status = {
    phase: 'waiting',
    execution: input.execution,
    decidedAt: now.toISOString(),
    signedAt,
    next:
      decision.next && signedAt
        ? { milestone: termsStepKey(decision.next.step, signedAt), dueAt: decision.next.dueAt }
        : null,
    waitingFor: ['termsSigned'],
    wakeAt: null as string | null,
    ran,
    failed,
  };
  if (decision.finished && failed.length === 0) {
    context.df.setCustomStatus({ ...status, phase: 'finished', waitingFor: [] });
    return { factoryId: input.factoryId, outcome: signedAt === null ? 'notSigned' : 'expired', signedAt };
  }

  // A failed step is tried again within the hour.
  const fireAt = wakeAt(now, [decision.wakeAt, failed.length > 0 ? retryWake(now) : null]);
  context.df.setCustomStatus({ ...status, wakeAt: fireAt.toISOString() });
  return yield* waitThenContinueAsNew(context, fireAt, timelineEvents.termsSigned, (): TermsWatchInput => ({
    factoryId: input.factoryId,
    ...(signedAt !== null ? { signedAt } : {}),
    execution: input.execution + 1,
  }));
};

df.app.orchestration(orchestratorNames.termsWatch, termsWatchOrchestrator);
