import { app, type InvocationContext, type Timer } from '@azure/functions';
import { durableClientInput, durableTimelines } from '../shared/adapters/durable/durableTimelines';
import { reconcileTimelines } from '../shared/app/timeline/reconcile';
import { platform } from '../shared/composition';
import { eventLog } from '../shared/observability/log';

/**
 * Daily at 05:30 UTC, the timelines' safety net: every activated cycle whose timeline is not over has a live
 * instance (missing or failed ones are started), and cycles with an overdue milestone are woken.
 */
app.timer('reconcileTimelines', {
  schedule: '0 30 5 * * *',
  extraInputs: [durableClientInput],
  handler: async (_timer: Timer, context: InvocationContext) => {
    const p = platform();
    const log = eventLog(context);
    const run = await reconcileTimelines({
      store: p.store,
      clock: p.clock,
      timelines: durableTimelines(context),
      log: log.lines('timeline.reconcile_problem', 'warning'),
    });
    if (run.started + run.woken + run.failed > 0) {
      const counts = { open: run.open, started: run.started, woken: run.woken, failed: run.failed };
      if (run.failed > 0) log.warn('timeline.reconciled', { counts, detail: 'the failed ones are retried tomorrow' });
      else log.info('timeline.reconciled', { counts });
    }
  },
});
