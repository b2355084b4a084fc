import * as df from 'durable-functions';
import { factoryRefSchema, timelineActivities } from '../../shared/app/timeline/activities';
import { loadTermsWatchFacts } from '../../shared/app/timeline/termsWatch';
import { activityHandler } from './runActivity';

/** R10: reads the factory's T&C signature (each execution of `termsWatch`). */
df.app.activity(timelineActivities.loadTermsWatchFacts, {
  handler: activityHandler(factoryRefSchema, loadTermsWatchFacts),
});
