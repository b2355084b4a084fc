import * as df from 'durable-functions';
import { milestoneInputSchema, timelineActivities } from '../../shared/app/timeline/activities';
import { remindProgressReport } from '../../shared/app/timeline/cycleMilestones';
import { activityHandler } from './runActivity';

/** R25: reminds the factory that Progress Report 1 is due, once. */
df.app.activity(timelineActivities.remindProgressReport, {
  handler: activityHandler(milestoneInputSchema, remindProgressReport),
});
