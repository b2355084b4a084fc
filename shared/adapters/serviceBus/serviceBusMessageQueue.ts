// The MessageQueue in Azure: @azure/service-bus with the app's managed identity (the namespace has local
// authentication off). One client per process, one sender per queue, the SDK loaded on first use.
//
// Each OutgoingMessage becomes a ServiceBusMessage with its MessageId (the queue's duplicate detection drops
// a second one within the window), a JSON body (contentType application/json; the SDK serialises it), its
// application properties and, when given, scheduledEnqueueTimeUtc. One message is sent as it is; several go
// in batches (createMessageBatch), each batch all or nothing; when they do not fit one batch the batches go
// in order and a failure names how many were sent: sending the same messages again is safe (duplicate
// detection).

import type {
  ServiceBusClientOptions,
  ServiceBusMessage,
  ServiceBusMessageBatch,
  ServiceBusSender,
} from '@azure/service-bus';
import type { TokenCredential } from '@azure/identity';
import type { MessageQueue, OutgoingMessage } from '../../ports/messageQueue';
import { MessageQueueError } from './messageQueueError';

/** The part of ServiceBusSender the adapter uses (a test double implements just this). */
export type ServiceBusSenderLike = Pick<ServiceBusSender, 'sendMessages' | 'createMessageBatch' | 'close'>;

/** The part of ServiceBusClient the adapter uses. */
export interface ServiceBusClientLike {
  createSender(queueOrTopicName: string): ServiceBusSenderLike;
  close(): Promise<void>;
}

export interface ServiceBusMessageQueueConfig {
  /** `<namespace>.servicebus.windows.net` (ServiceBus__fullyQualifiedNamespace). */
  fullyQualifiedNamespace: string;
  /** The app's managed identity (see azureCredential). */
  credential: () => Promise<TokenCredential>;
  /** Builds the client; by default `new ServiceBusClient(namespace, credential, options)` from the SDK. */
  createClient?: (fullyQualifiedNamespace: string, credential: TokenCredential) => Promise<ServiceBusClientLike>;
  clientOptions?: ServiceBusClientOptions;
}

/** The ServiceBusMessage an OutgoingMessage becomes. */
export function toServiceBusMessage(message: OutgoingMessage): ServiceBusMessage {
  return {
    messageId: message.messageId,
    body: message.body,
    contentType: 'application/json',
    ...(message.subject !== undefined ? { subject: message.subject } : {}),
    ...(message.correlationId !== undefined ? { correlationId: message.correlationId } : {}),
    ...(message.applicationProperties !== undefined
      ? { applicationProperties: { ...message.applicationProperties } }
      : {}),
    ...(message.scheduledEnqueueTime !== undefined ? { scheduledEnqueueTimeUtc: message.scheduledEnqueueTime } : {}),
  };
}

/** Service Bus error codes that another attempt will not fix. */
const permanentCodes = new Set([
  'MessagingEntityNotFound',
  'MessagingEntityDisabled',
  'MessageSizeExceeded',
  'UnauthorizedAccess',
  'InvalidOperation',
]);

function classify(error: unknown): { code: string; retryable: boolean } {
  const e = error as { name?: unknown; code?: unknown; retryable?: unknown };
  if (e?.name === 'ServiceBusError' && typeof e.code === 'string') {
    return { code: e.code, retryable: !permanentCodes.has(e.code) && e.retryable !== false };
  }
  if (error instanceof TypeError || error instanceof RangeError) return { code: 'InvalidMessage', retryable: false };
  return { code: e?.name === 'AuthenticationError' ? 'CredentialUnavailable' : 'GeneralError', retryable: true };
}

export function serviceBusMessageQueue(
  config: ServiceBusMessageQueueConfig
): MessageQueue & { close(): Promise<void> } {
  let client: Promise<ServiceBusClientLike> | undefined;
  const senders = new Map<string, ServiceBusSenderLike>();

  const getClient = () => {
    client ??= (async () => {
      const credential = await config.credential();
      if (config.createClient) return config.createClient(config.fullyQualifiedNamespace, credential);
      const { ServiceBusClient } = await import('@azure/service-bus');
      return new ServiceBusClient(config.fullyQualifiedNamespace, credential, config.clientOptions ?? {});
    })();
    // A failed load is tried again on the next send.
    client.catch(() => {
      client = undefined;
    });
    return client;
  };

  const senderFor = async (queueName: string) => {
    let sender = senders.get(queueName);
    if (!sender) {
      sender = (await getClient()).createSender(queueName);
      senders.set(queueName, sender);
    }
    return sender;
  };

  /** Drops a sender after a failure, so the next send starts on a fresh link. */
  const forget = (queueName: string, sender: ServiceBusSenderLike) => {
    if (senders.get(queueName) === sender) senders.delete(queueName);
    void sender.close().catch(() => undefined);
  };

  return {
    async send(queueName: string, messages: OutgoingMessage[]): Promise<void> {
      if (messages.length === 0) return;
      const what = `sending ${messages.length} message(s) to ${queueName}`;
      let sent = 0;
      let batches = 0;
      let sender: ServiceBusSenderLike | undefined;
      try {
        sender = await senderFor(queueName);
        const mapped = messages.map(toServiceBusMessage);
        if (mapped.length === 1) {
          await sender.sendMessages(mapped[0]!);
          return;
        }
        let batch: ServiceBusMessageBatch = await sender.createMessageBatch();
        for (const [i, message] of mapped.entries()) {
          if (batch.tryAddMessage(message)) continue;
          if (batch.count === 0) {
            throw new MessageQueueError(
              `${what}: message ${messages[i]!.messageId} is larger than a batch may be (${batch.maxSizeInBytes} bytes); ` +
                'keep a large payload in Cosmos DB or blob storage and send its reference',
              { queueName, retryable: false, code: 'MessageSizeExceeded' }
            );
          }
          await sender.sendMessages(batch);
          sent += batch.count;
          batches++;
          batch = await sender.createMessageBatch();
          if (!batch.tryAddMessage(message)) {
            throw new MessageQueueError(
              `${what}: message ${messages[i]!.messageId} is larger than a batch may be (${batch.maxSizeInBytes} bytes)`,
              { queueName, retryable: false, code: 'MessageSizeExceeded' }
            );
          }
        }
        if (batch.count > 0) await sender.sendMessages(batch);
      } catch (error) {
        if (sender && !(error instanceof MessageQueueError)) forget(queueName, sender);
        const progress = batches > 0 ? ` after ${sent} of ${messages.length} were sent in ${batches} batch(es)` : '';
        if (error instanceof MessageQueueError) {
          throw progress
            ? new MessageQueueError(`${error.message}${progress}`, {
                queueName,
                retryable: error.retryable,
                code: error.code,
                cause: error,
              })
            : error;
        }
        const { code, retryable } = classify(error);
        throw new MessageQueueError(
          `${what} failed${progress}: ${(error as Error)?.message ?? String(error)} (${code})`,
          {
            queueName,
            retryable,
            code,
            cause: error,
          }
        );
      }
    },

    async close(): Promise<void> {
      const open = [...senders.values()];
      senders.clear();
      await Promise.all(open.map((s) => s.close().catch(() => undefined)));
      const current = client;
      client = undefined;
      if (current) await (await current.catch(() => undefined))?.close();
    },
  };
}
