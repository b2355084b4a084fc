// Not a trigger: how every timeline activity runs. It validates its input, runs one use case with the
// process's platform, and logs what it did (ids and milestone names only, no personal data).
import type { InvocationContext } from '@azure/functions';
import type { ZodType } from 'zod';
import type { ActivityOutcome } from '../../shared/app/timeline/activities';
import { platform, type Platform } from '../../shared/composition';
import { activityIds } from '../../shared/observability/correlation';
import { eventLog } from '../../shared/observability/log';

export function activityHandler<I, R>(
  schema: ZodType<I>,
  run: (p: Platform, input: I) => Promise<R>
): (input: unknown, context: InvocationContext) => Promise<R> {
  return async (input, context) => {
    const parsed = schema.parse(input);
    const result = await run(platform(), parsed);
    if (isOutcome(result)) {
      const log = eventLog(context, activityIds(parsed));
      if (result.acted) log.info('timeline.milestone_acted', { milestone: result.milestone });
      else log.info('timeline.milestone_skipped', { milestone: result.milestone, reason: result.reason ?? undefined });
    }
    return result;
  };
}

function isOutcome(value: unknown): value is ActivityOutcome {
  return typeof value === 'object' && value !== null && 'milestone' in value && 'acted' in value;
}
