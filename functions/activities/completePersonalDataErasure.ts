import * as df from 'durable-functions';
import { timelineActivities, userRefSchema, type UserRef } from '../../shared/app/timeline/activities';
import { completePersonalDataErasure, type PersonalDataErasureResult } from '../../shared/app/users/personalData';
import type { Platform } from '../../shared/composition';
import { NotFoundError } from '../../shared/domain/errors';
import { activityHandler } from './runActivity';

/** What the activity did: the erasure's result, or why there was nothing to do (no retry helps). */
export type ErasureActivityOutcome =
  ({ outcome: 'erased' } & PersonalDataErasureResult) | { outcome: 'notFound'; userId: string };

async function run(p: Platform, { userId }: UserRef): Promise<ErasureActivityOutcome> {
  try {
    return { outcome: 'erased', ...(await completePersonalDataErasure(p, userId)) };
  } catch (error) {
    // The person is not in the directory, or no erasure was requested: final, not worth a retry.
    if (error instanceof NotFoundError) return { outcome: 'notFound', userId };
    throw error;
  }
}

/** Steps 2 and 3 of a personal-data erasure (`personalDataErasure`): idempotent, resumes an earlier attempt. */
df.app.activity(timelineActivities.completePersonalDataErasure, {
  handler: activityHandler(userRefSchema, run),
});
