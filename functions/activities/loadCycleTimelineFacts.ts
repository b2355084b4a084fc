import * as df from 'durable-functions';
import { cycleRefSchema, timelineActivities } from '../../shared/app/timeline/activities';
import { loadCycleTimelineFacts } from '../../shared/app/timeline/cycleFacts';
import { activityHandler } from './runActivity';

/** Reads a cycle's timeline facts (the first step of each execution of `cycleTimeline`). */
df.app.activity(timelineActivities.loadCycleTimelineFacts, {
  handler: activityHandler(cycleRefSchema, loadCycleTimelineFacts),
});
