// The MessageQueue locally: HTTP to the local host's queue (local/serviceBus/, at LOCAL_SERVICE_BUS_URL =
// http://127.0.0.1:<port>/runtime/servicebus), which keeps Service Bus's contract (MessageId duplicate
// detection, scheduled delivery, peek-lock, delivery count, dead-letter queue). A send is split the way the
// Azure adapter splits it (at most 100 messages and 256 KiB per request); each request is all or nothing.

import type { MessageQueue, OutgoingMessage } from '../../ports/messageQueue';
import { splitIntoSends } from './limits';
import { MessageQueueError } from './messageQueueError';

export interface LocalMessageQueueConfig {
  /** The local host's queue API; undefined when the app runs outside the local host (sends then fail). */
  url: string | undefined;
  /** The longest one request may take; default 30 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** What the local queue API takes for one message (local/serviceBus/httpApi.ts). */
export function toLocalApiMessage(message: OutgoingMessage): Record<string, unknown> {
  return {
    messageId: message.messageId,
    body: message.body ?? null,
    contentType: 'application/json',
    ...(message.subject !== undefined ? { subject: message.subject } : {}),
    ...(message.correlationId !== undefined ? { correlationId: message.correlationId } : {}),
    ...(message.applicationProperties !== undefined ? { applicationProperties: message.applicationProperties } : {}),
    ...(message.scheduledEnqueueTime !== undefined
      ? { scheduledEnqueueTimeUtc: message.scheduledEnqueueTime.toISOString() }
      : {}),
  };
}

export function localMessageQueue(config: LocalMessageQueueConfig): MessageQueue {
  const timeoutMs = config.timeoutMs ?? 30_000;
  const doFetch = config.fetch ?? fetch;
  return {
    async send(queueName: string, messages: OutgoingMessage[]): Promise<void> {
      if (messages.length === 0) return;
      if (!config.url) {
        throw new MessageQueueError(
          `cannot send to ${queueName}: LOCAL_SERVICE_BUS_URL is not set (the local host sets it; run the app with npm start)`,
          { queueName, retryable: false, code: 'NotConfigured' }
        );
      }
      const url = `${config.url.replace(/\/+$/, '')}/queues/${encodeURIComponent(queueName)}/messages`;
      const sends = splitIntoSends(messages.map((m) => ({ ...m, contentType: 'application/json' })));
      for (const [i, part] of sends.entries()) {
        const what = `sending ${messages.length} message(s) to ${queueName}${sends.length > 1 ? ` (request ${i + 1} of ${sends.length})` : ''}`;
        let response: Response;
        try {
          response = await doFetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ messages: part.map(toLocalApiMessage) }),
            signal: AbortSignal.timeout(timeoutMs),
          });
        } catch (error) {
          throw new MessageQueueError(`${what} failed: the local queue did not answer (${(error as Error).message})`, {
            queueName,
            retryable: true,
            code: 'ServiceCommunicationProblem',
            cause: error,
          });
        }
        if (!response.ok) {
          const problem = (await response.json().catch(() => ({}))) as { detail?: unknown; code?: unknown };
          const detail = typeof problem.detail === 'string' ? problem.detail : response.statusText;
          throw new MessageQueueError(`${what} failed: HTTP ${response.status}: ${detail}`, {
            queueName,
            retryable: response.status >= 500 || response.status === 429,
            code: typeof problem.code === 'string' ? problem.code : String(response.status),
          });
        }
        await response.arrayBuffer();
      }
    },
  };
}
