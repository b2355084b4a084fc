// Not a trigger: how every timeline activity runs. It validates its input, runs one use case with the
// process's platform, and logs what it did (ids and milestone names only, no personal data).
import type { InvocationContext } from '@azure/functions';
import type { ZodType } from 'zod';
import type { ActivityOutcome } from '../../shared/app/timeline/activities';
import { platform, type Platform } from '../../shared/composition';

export function activityHandler<I, R>(
  schema: ZodType<I>,
  run: (p: Platform, input: I) => Promise<R>
): (input: unknown, context: InvocationContext) => Promise<R> {
  return async (input, context) => {
    const result = await run(platform(), schema.parse(input));
    if (isOutcome(result)) {
      context.log(
        `${context.functionName}: ${result.milestone} ${result.acted ? 'acted' : `skipped (${result.reason ?? ''})`}`
      );
    }
    return result;
  };
}

function isOutcome(value: unknown): value is ActivityOutcome {
  return typeof value === 'object' && value !== null && 'milestone' in value && 'acted' in value;
}
