import * as df from 'durable-functions';
import { factoryRefSchema, timelineActivities } from '../../shared/app/timeline/activities';
import { loadGatewayApprovalFacts } from '../../shared/app/timeline/gatewayApproval';
import { activityHandler } from './runActivity';

/** R9: reads the factory's Gateway connection (each execution of `gatewayApproval`). */
df.app.activity(timelineActivities.loadGatewayApprovalFacts, {
  handler: activityHandler(factoryRefSchema, loadGatewayApprovalFacts),
});
