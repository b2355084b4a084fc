import * as df from 'durable-functions';
import { termsStepInputSchema, timelineActivities } from '../../shared/app/timeline/activities';
import { noticeTermsExpired } from '../../shared/app/timeline/termsWatch';
import { activityHandler } from './runActivity';

/** R10: tells the factory managers the signature expired (profile below 100 %), once per signature. */
df.app.activity(timelineActivities.noticeTermsExpired, {
  handler: activityHandler(termsStepInputSchema, noticeTermsExpired),
});
