// R9: the wait for the Gateway's approval after "Connect with SLCP" (`gateway-{factoryId}`). Each execution
// reads the factory's Gateway facts (an activity): connected, rejected or no registration under way ends the
// wait. Otherwise it waits up to `gatewayApprovalWait` for `GatewayApproved`; each time that passes without it,
// it chases the factory managers and staff (a few times), then escalates to staff and ends. Waits are capped
// and each execution continues as new, like the cycle timeline. Deterministic.
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { orchestratorNames, timelineEvents } from '../../shared/adapters/durable/durableTimelines';
import { factoryRefSchema, timelineActivities, type ActivityOutcome } from '../../shared/app/timeline/activities';
import type { LoadedGatewayFacts } from '../../shared/app/timeline/gatewayApproval';
import { decideGatewayApproval, gatewayApprovalStepKey } from '../../shared/domain/timeline/gatewayApproval';
import type { MilestoneRun } from '../../shared/domain/timeline/status';
import { retryWake, wakeAt } from '../../shared/domain/timeline/waits';
import { callWithRetries } from './activityRetry';
import { lookAgainWithinTheHour, waitThenContinueAsNew } from './waitThenContinue';

export interface GatewayApprovalInput {
  factoryId: string;
  /** The hand-off waited for and since when (set by the first execution). */
  handOff?: string;
  since?: string;
  execution?: number;
}

function inputOf(raw: unknown): { factoryId: string; handOff: string | null; since: string | null; execution: number } {
  const { factoryId } = factoryRefSchema.parse(raw);
  const extra = (raw ?? {}) as Record<string, unknown>;
  return {
    factoryId,
    handOff: typeof extra.handOff === 'string' ? extra.handOff : null,
    since: typeof extra.since === 'string' ? extra.since : null,
    execution: typeof extra.execution === 'number' && extra.execution >= 1 ? Math.floor(extra.execution) : 1,
  };
}

export const gatewayApprovalOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = inputOf(context.df.getInput());
  const loaded = yield* callWithRetries<LoadedGatewayFacts>(context, timelineActivities.loadGatewayApprovalFacts, {
    factoryId: input.factoryId,
  });
  const now = context.df.currentUtcDateTime;
  if (loaded === undefined) {
    return yield* lookAgainWithinTheHour(
      context,
      { execution: input.execution },
      timelineEvents.gatewayApproved,
      (): GatewayApprovalInput => ({
        factoryId: input.factoryId,
        ...(input.handOff ? { handOff: input.handOff, since: input.since ?? now.toISOString() } : {}),
        execution: input.execution + 1,
      })
    );
  }
  if (!loaded.found) {
    context.df.setCustomStatus({ phase: 'factoryNotFound', execution: input.execution });
    return { factoryId: input.factoryId, outcome: 'factoryNotFound' };
  }
  const handOff = loaded.facts.handOff;
  // A new "Connect with SLCP" (another hand-off) starts the count again.
  const since = handOff !== null && handOff === input.handOff && input.since ? input.since : now.toISOString();
  const decision = decideGatewayApproval(loaded.facts, { handOff: handOff ?? '', since }, now);

  const ran: MilestoneRun[] = [];
  const failed: string[] = [];
  for (const step of decision.due) {
    const key = gatewayApprovalStepKey(step, handOff ?? '');
    const outcome = yield* callWithRetries<ActivityOutcome>(context, timelineActivities.chaseGatewayApproval, {
      factoryId: input.factoryId,
      handOff,
      since,
      step,
      asOf: now.toISOString(),
    });
    if (outcome) ran.push({ milestone: key, acted: outcome.acted, at: outcome.at });
    else failed.push(key);
  }
  const status = {
    phase: 'waiting',
    execution: input.execution,
    decidedAt: now.toISOString(),
    outcome: decision.outcome,
    since,
    next: decision.next
      ? { milestone: gatewayApprovalStepKey(decision.next.step, handOff ?? ''), dueAt: decision.next.dueAt }
      : null,
    waitingFor: ['gatewayApproved'],
    wakeAt: null as string | null,
    ran,
    failed,
  };
  if (decision.finished && failed.length === 0) {
    context.df.setCustomStatus({ ...status, phase: 'finished', waitingFor: [] });
    return { factoryId: input.factoryId, outcome: decision.outcome };
  }

  // A failed step is tried again within the hour.
  const fireAt = wakeAt(now, [decision.wakeAt, failed.length > 0 ? retryWake(now) : null]);
  context.df.setCustomStatus({ ...status, wakeAt: fireAt.toISOString() });
  return yield* waitThenContinueAsNew(context, fireAt, timelineEvents.gatewayApproved, (): GatewayApprovalInput => ({
    factoryId: input.factoryId,
    ...(handOff !== null ? { handOff, since } : {}),
    execution: input.execution + 1,
  }));
};

df.app.orchestration(orchestratorNames.gatewayApproval, gatewayApprovalOrchestrator);
