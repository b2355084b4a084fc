import { app, type InvocationContext, type Timer } from '@azure/functions';
import { deliverDueOutbox } from '../shared/app/notifications/deliverOutbox';
import { platform } from '../shared/composition';
import { eventLog } from '../shared/observability/log';

/** Every minute: deliver the due outbox entries (emails, portal notifications), retrying with backoff. */
app.timer('deliverOutbox', {
  schedule: '0 */1 * * * *',
  handler: async (_timer: Timer, context: InvocationContext) => {
    const p = platform();
    const log = eventLog(context);
    const run = await deliverDueOutbox({
      store: p.store,
      clock: p.clock,
      emailSender: p.emailSender,
      log: log.lines('outbox.delivery_problem', 'warning'),
    });
    if (run.delivered + run.retrying + run.failed > 0) {
      const counts = { delivered: run.delivered, retrying: run.retrying, failed: run.failed, skipped: run.skipped };
      if (run.failed + run.retrying > 0) log.warn('outbox.delivered', { counts });
      else log.info('outbox.delivered', { counts });
    }
  },
});
