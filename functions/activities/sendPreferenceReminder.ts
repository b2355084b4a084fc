import * as df from 'durable-functions';
import { milestoneInputSchema, timelineActivities } from '../../shared/app/timeline/activities';
import { sendPreferenceReminder } from '../../shared/app/timeline/cycleMilestones';
import { activityHandler } from './runActivity';

/** R3: the preference reminder of a cycle, once. */
df.app.activity(timelineActivities.sendPreferenceReminder, {
  handler: activityHandler(milestoneInputSchema, sendPreferenceReminder),
});
