import * as df from 'durable-functions';
import { milestoneInputSchema, timelineActivities } from '../../shared/app/timeline/activities';
import { markReadyToTransmit } from '../../shared/app/timeline/cycleMilestones';
import { transmissionDeps } from '../../shared/app/transmission/deps';
import { activityHandler } from './runActivity';

/** R17: queues the cycle's transmission to the Gateway (record, hand-off, then the Service Bus message). */
df.app.activity(timelineActivities.markReadyToTransmit, {
  handler: activityHandler(milestoneInputSchema, (p, input) => markReadyToTransmit(transmissionDeps(p), input)),
});
