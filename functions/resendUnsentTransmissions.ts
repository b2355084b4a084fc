import { app, type InvocationContext, type Timer } from '@azure/functions';
import { transmissionDeps } from '../shared/app/transmission/deps';
import { resendUnsentTransmissions } from '../shared/app/transmission/queue';
import { platform } from '../shared/composition';
import { eventLog } from '../shared/observability/log';

/**
 * Every 5 minutes, R17's safety net: a transmission recorded as queued whose message never reached Service Bus
 * (the process stopped between the two) is sent now. A message that did go is dropped by duplicate detection
 * (same MessageId), or found settled by the sender.
 */
app.timer('resendUnsentTransmissions', {
  schedule: '0 */5 * * * *',
  handler: async (_timer: Timer, context: InvocationContext) => {
    const log = eventLog(context);
    const run = await resendUnsentTransmissions(transmissionDeps(platform()), {
      olderThanMs: 2 * 60 * 1000,
      log: log.lines('transmission.resend_problem', 'warning'),
    });
    if (run.found > 0) {
      log.info('transmission.resend_sweep', { counts: { unsent: run.found, sent: run.sent, failed: run.failed } });
    }
  },
});
