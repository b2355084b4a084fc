import * as df from 'durable-functions';
import { termsStepInputSchema, timelineActivities } from '../../shared/app/timeline/activities';
import { remindTermsExpiry } from '../../shared/app/timeline/termsWatch';
import { activityHandler } from './runActivity';

/** R10: reminds the factory managers before the T&C signature expires, once per signature. */
df.app.activity(timelineActivities.remindTermsExpiry, {
  handler: activityHandler(termsStepInputSchema, remindTermsExpiry),
});
