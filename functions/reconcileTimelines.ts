import { app, type InvocationContext, type Timer } from '@azure/functions';
import { durableClientInput, durableTimelines } from '../shared/adapters/durable/durableTimelines';
import { reconcileTimelines } from '../shared/app/timeline/reconcile';
import { platform } from '../shared/composition';

/**
 * Daily at 05:30 UTC, the timelines' safety net: every activated cycle whose timeline is not over has a live
 * instance (missing or failed ones are started), and cycles with an overdue milestone are woken.
 */
app.timer('reconcileTimelines', {
  schedule: '0 30 5 * * *',
  extraInputs: [durableClientInput],
  handler: async (_timer: Timer, context: InvocationContext) => {
    const p = platform();
    const run = await reconcileTimelines({
      store: p.store,
      clock: p.clock,
      timelines: durableTimelines(context),
      log: (line) => context.warn(line),
    });
    if (run.started + run.woken + run.failed > 0) {
      context.log(
        `timelines: ${run.open} open, ${run.started} started, ${run.woken} woken, ${run.failed} failed (retried tomorrow)`
      );
    }
  },
});
