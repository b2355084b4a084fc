import { app, type InvocationContext, type Timer } from '@azure/functions';
import { deliverDueOutbox } from '../shared/app/notifications/deliverOutbox';
import { platform } from '../shared/composition';

/** Every minute: deliver the due outbox entries (emails, portal notifications), retrying with backoff. */
app.timer('deliverOutbox', {
  schedule: '0 */1 * * * *',
  handler: async (_timer: Timer, context: InvocationContext) => {
    const p = platform();
    const run = await deliverDueOutbox({
      store: p.store,
      clock: p.clock,
      emailSender: p.emailSender,
      log: (line) => context.warn(line),
    });
    if (run.delivered + run.retrying + run.failed > 0) {
      context.log(
        `outbox: ${run.delivered} delivered, ${run.retrying} to retry, ${run.failed} failed, ${run.skipped} skipped`
      );
    }
  },
});
