// Sending to a Service Bus queue as the use cases see it. In Azure: `@azure/service-bus` with the managed
// identity; locally: the local host's queue, which keeps the same contract (message id with duplicate
// detection, scheduled delivery, peek-lock, delivery count, dead-letter after the maximum deliveries).

export interface OutgoingMessage {
  /** Stable and meaningful (a transmission id): Service Bus drops a second message with the same id within its duplicate-detection window. */
  messageId: string;
  body: unknown;
  subject?: string;
  correlationId?: string;
  applicationProperties?: Record<string, string | number | boolean>;
  /** Delivered no earlier than this. */
  scheduledEnqueueTime?: Date;
}

export interface MessageQueue {
  /** Sends all or none; a message whose id was already accepted within the window is silently dropped. */
  send(queueName: string, messages: OutgoingMessage[]): Promise<void>;
}
