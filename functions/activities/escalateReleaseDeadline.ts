import * as df from 'durable-functions';
import { milestoneInputSchema, timelineActivities } from '../../shared/app/timeline/activities';
import { escalateReleaseDeadline } from '../../shared/app/timeline/cycleMilestones';
import { activityHandler } from './runActivity';

/** R16: escalates to staff when the release deadline has passed, once. */
df.app.activity(timelineActivities.escalateReleaseDeadline, {
  handler: activityHandler(milestoneInputSchema, escalateReleaseDeadline),
});
