// The retry options of every activity call of the timeline orchestrations (not a trigger: shared by them).
import * as df from 'durable-functions';
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
