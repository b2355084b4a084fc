import { app, type InvocationContext, type Timer } from '@azure/functions';
import { sendDuePreferenceReminders } from '../shared/app/sharing/preferenceReminders';
import { platform } from '../shared/composition';

/** Daily at 06:00 UTC: R3, invite the managers of factories whose cycle ends within two months to state their preference. */
app.timer('sendPreferenceReminders', {
  schedule: '0 0 6 * * *',
  handler: async (_timer: Timer, context: InvocationContext) => {
    const p = platform();
    const run = await sendDuePreferenceReminders({
      store: p.store,
      clock: p.clock,
      settings: p.settings,
      log: (line) => context.warn(line),
    });
    if (run.reminded + run.skipped > 0) {
      context.log(`preference reminders: ${run.reminded} sent, ${run.skipped} skipped (retried on the next run)`);
    }
  },
});
