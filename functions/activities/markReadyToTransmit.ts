import * as df from 'durable-functions';
import { milestoneInputSchema, timelineActivities } from '../../shared/app/timeline/activities';
import { markReadyToTransmit } from '../../shared/app/timeline/cycleMilestones';
import { activityHandler } from './runActivity';

/** R17: records that the cycle is ready to transmit (the hand-off to the transmission step). */
df.app.activity(timelineActivities.markReadyToTransmit, {
  handler: activityHandler(milestoneInputSchema, markReadyToTransmit),
});
