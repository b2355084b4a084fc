import * as df from 'durable-functions';
import { milestoneInputSchema, timelineActivities } from '../../shared/app/timeline/activities';
import { enableSharing } from '../../shared/app/timeline/cycleMilestones';
import { activityHandler } from './runActivity';

/** R18: after validation, enables sharing via the Gateway and tells the factory, once. */
df.app.activity(timelineActivities.enableSharing, { handler: activityHandler(milestoneInputSchema, enableSharing) });
