import * as df from 'durable-functions';
import { milestoneInputSchema, timelineActivities } from '../../shared/app/timeline/activities';
import { remindReleaseDeadline } from '../../shared/app/timeline/cycleMilestones';
import { activityHandler } from './runActivity';

/** R16: reminds staff before the release deadline, once. */
df.app.activity(timelineActivities.remindReleaseDeadline, {
  handler: activityHandler(milestoneInputSchema, remindReleaseDeadline),
});
