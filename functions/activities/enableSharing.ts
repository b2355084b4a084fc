import * as df from 'durable-functions';
import { milestoneInputSchema, timelineActivities } from '../../shared/app/timeline/activities';
import { enableSharing } from '../../shared/app/timeline/cycleMilestones';
import { activityHandler } from './runActivity';

/**
 * R18: once SLCP validated the data, enables sharing via the Gateway and tells the factory, once; without a
 * validation by release + 15 days, asks the Gateway for the submission's status and chases staff.
 */
df.app.activity(timelineActivities.enableSharing, { handler: activityHandler(milestoneInputSchema, enableSharing) });
