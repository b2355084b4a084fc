// The end of every execution of the timeline orchestrations (not a trigger: shared by them): wait until a
// moment or an event, whichever comes first, cancel the timer when the event won (a timer left pending keeps
// the instance alive), then continue as new with the next execution's small input.
import type { OrchestrationContext, Task } from 'durable-functions';
import { retryWake } from '../../shared/domain/timeline/waits';

export interface Wakening {
  /** The event won the race (its payload in `result`); otherwise the timer fired. */
  byEvent: boolean;
  result: unknown;
}

export function* waitThenContinueAsNew<I>(
  context: OrchestrationContext,
  fireAt: Date,
  event: string,
  next: (wakening: Wakening) => I
): Generator<Task, undefined, unknown> {
  const timer = context.df.createTimer(fireAt);
  const raised = context.df.waitForExternalEvent(event);
  const winner = yield context.df.Task.any([timer, raised]);
  if (!timer.isCompleted) timer.cancel();
  const byEvent = winner === raised;
  context.df.continueAsNew(next({ byEvent, result: byEvent ? raised.result : undefined }));
  return undefined;
}

/**
 * When the facts could not be read (the store away through the activity's retries): says so in the custom status
 * (`status` plus `failed: ['loadFacts']`) and looks again within the hour, or at the event.
 */
export function* lookAgainWithinTheHour<I>(
  context: OrchestrationContext,
  status: Record<string, unknown>,
  event: string,
  next: (wakening: Wakening) => I
): Generator<Task, undefined, unknown> {
  const fireAt = retryWake(context.df.currentUtcDateTime);
  context.df.setCustomStatus({ ...status, phase: 'waiting', failed: ['loadFacts'], wakeAt: fireAt.toISOString() });
  return yield* waitThenContinueAsNew(context, fireAt, event, next);
}
