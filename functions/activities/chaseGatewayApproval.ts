import * as df from 'durable-functions';
import { gatewayChaseInputSchema, timelineActivities } from '../../shared/app/timeline/activities';
import { chaseGatewayApproval } from '../../shared/app/timeline/gatewayApproval';
import { activityHandler } from './runActivity';

/** R9: chases a late Gateway approval, or escalates it to staff, once per step and hand-off. */
df.app.activity(timelineActivities.chaseGatewayApproval, {
  handler: activityHandler(gatewayChaseInputSchema, chaseGatewayApproval),
});
