// How the orchestrations call their activities (not a trigger: shared by them): every call with the same
// retries, and a call whose retries are spent answers undefined instead of failing the instance, so the
// orchestration records the failure and tries again later.
import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import { activityRetry } from '../../shared/app/timeline/activities';

export function activityRetryOptions(): df.RetryOptions {
  const options = new df.RetryOptions(
    activityRetry.firstRetryIntervalInMilliseconds,
    activityRetry.maxNumberOfAttempts
  );
  options.backoffCoefficient = activityRetry.backoffCoefficient;
  options.maxRetryIntervalInMilliseconds = activityRetry.maxRetryIntervalInMilliseconds;
  return options;
}

/** Calls `activity` with the retries above; its result, or undefined when it still failed after them. */
export function* callWithRetries<T>(
  context: OrchestrationContext,
  activity: string,
  input: unknown
): Generator<Task, T | undefined, unknown> {
  try {
    return (yield context.df.callActivityWithRetry(activity, activityRetryOptions(), input)) as T;
  } catch {
    return undefined;
  }
}
