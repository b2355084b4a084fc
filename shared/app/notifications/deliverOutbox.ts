// The outbox dispatcher: delivers what committed changes must send (emails through the platform's email
// sender, portal notifications into the recipient's partition), retrying with backoff, never twice.
import { ConflictError, PreconditionFailedError } from '../../domain/errors';
import type { OutboxDocument } from '../../domain/factory/factory';
import { notificationFromOutbox } from '../../domain/notifications/notification';
import { afterDelivery, afterFailure, isDue } from '../../domain/notifications/outbox';
import type { Clock } from '../../ports/clock';
import type { DocumentStore } from '../../ports/documentStore';
import type { EmailSender } from '../../ports/email';

export interface OutboxDeps {
  store: DocumentStore;
  clock: Clock;
  emailSender: EmailSender;
  /** One line per failed delivery (ids and reasons only, never addresses or contents). */
  log?: (line: string) => void;
}

export interface OutboxRun {
  delivered: number;
  /** Failed this time, to be tried again later. */
  retrying: number;
  /** Failed for the last time (after 10 attempts). */
  failed: number;
  /** Handled meanwhile by another run. */
  skipped: number;
}

/** Entries handled per run at most; the rest wait for the next run (a minute later). */
export const outboxBatchSize = 100;

/** The email for an outbox entry; its id is the entry's, so a retry is recognised by the transport. */
export function outboxEmail(entry: OutboxDocument) {
  const text = entry.link && !entry.text.includes(entry.link) ? `${entry.text}\n\n${entry.link}` : entry.text;
  return { id: entry.id, to: entry.to, subject: entry.subject, text };
}

async function deliver(deps: OutboxDeps, entry: OutboxDocument): Promise<void> {
  if (entry.kind === 'email') {
    await deps.emailSender.send(outboxEmail(entry));
    return;
  }
  try {
    await deps.store.write('users', entry.to, [{ kind: 'create', doc: notificationFromOutbox(entry) }]);
  } catch (error) {
    // The notification has the entry's id: it exists, so an earlier attempt delivered it.
    if (!(error instanceof ConflictError)) throw error;
  }
}

/**
 * One run: the pending entries that are due, across every factory partition (the one cross-partition
 * query, a background job), each re-read for its ETag, delivered, then marked delivered (or rescheduled)
 * conditionally on that ETag, so two overlapping runs never both record an entry.
 */
export async function deliverDueOutbox(deps: OutboxDeps, batchSize = outboxBatchSize): Promise<OutboxRun> {
  const run: OutboxRun = { delivered: 0, retrying: 0, failed: 0, skipped: 0 };
  const now = deps.clock.now();
  const pending = await deps.store.queryAcrossPartitions<OutboxDocument>('factories', {
    query: "SELECT * FROM c WHERE c.type = 'outbox' AND c.status = 'pending' AND c.nextAttemptAt <= @now",
    parameters: [{ name: '@now', value: now.toISOString() }],
  });
  const due = pending
    .filter((entry) => isDue(entry, now))
    .sort((a, b) => a.nextAttemptAt.localeCompare(b.nextAttemptAt))
    .slice(0, batchSize);
  for (const candidate of due) {
    const fresh = await deps.store.read<OutboxDocument>('factories', candidate.countryCode, candidate.id);
    if (!fresh || fresh.doc.type !== 'outbox' || !isDue(fresh.doc, now)) {
      run.skipped++;
      continue;
    }
    let next: OutboxDocument;
    try {
      await deliver(deps, fresh.doc);
      next = afterDelivery(fresh.doc);
    } catch (error) {
      const reason = (error as Error)?.message ?? String(error);
      next = afterFailure(fresh.doc, reason, now);
      deps.log?.(
        `outbox ${fresh.doc.id} (${fresh.doc.kind}) attempt ${next.attempts} failed` +
          (next.status === 'failed' ? '; giving up' : `; next attempt at ${next.nextAttemptAt}`)
      );
    }
    try {
      await deps.store.write('factories', fresh.doc.countryCode, [{ kind: 'replace', doc: next, ifMatch: fresh.etag }]);
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
      run.skipped++;
      continue;
    }
    if (next.status === 'delivered') run.delivered++;
    else if (next.status === 'failed') run.failed++;
    else run.retrying++;
  }
  return run;
}
