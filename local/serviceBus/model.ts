// The local Service Bus queue's data: one document per message, the queue declarations it serves, and the
// entity paths the trigger bindings name (`<queue>` or `<queue>/$DeadLetterQueue`).

import { addIsoDuration, parseIsoDuration } from '../../shared/domain/isoDuration';

/** A queue as shared/config/queues.ts (and infra/service-bus.json) declares it. */
export interface QueueDeclaration {
  readonly name: string;
  readonly maxDeliveryCount: number;
  /** ISO 8601 duration. */
  readonly lockDuration: string;
  /** ISO 8601 duration. */
  readonly duplicateDetectionWindow: string;
}

export type SubQueue = 'active' | 'deadLetter';
export type PropertyValue = string | number | boolean;

/**
 * What a message document says it is:
 * - `active`: in the queue, deliverable from `availableAt`;
 * - `scheduled`: sent with a scheduled enqueue time, deliverable from then (it stays `scheduled` in the
 *   store until its first delivery: the time alone makes it active);
 * - `locked`: delivered under a peek-lock (in either sub-queue);
 * - `deadLettered`: in the dead-letter queue, deliverable to a dead-letter trigger;
 * - `completed`: consumed; the body is dropped and the document kept until the duplicate-detection window
 *   of its MessageId has passed (`expiresAt`).
 */
export type MessageState = 'active' | 'scheduled' | 'locked' | 'deadLettered' | 'completed';

export interface MessageDoc {
  /** The sequence number, as text. */
  id: string;
  /** Partition key: the queue's declared name. Dead letters stay in their queue's partition. */
  queue: string;
  type: 'serviceBusMessage';
  sequenceNumber: number;
  messageId: string;
  subQueue: SubQueue;
  state: MessageState;
  /** The body as the SDK puts it on the wire: JSON text. Null once completed. */
  body: string | null;
  contentType?: string;
  subject?: string;
  correlationId?: string;
  /** Dead letters also carry DeadLetterReason and DeadLetterErrorDescription here, as Service Bus does. */
  applicationProperties: Record<string, PropertyValue>;
  /** When the send was accepted: the start of the MessageId's duplicate-detection window. */
  acceptedAt: string;
  /** When it entered the queue: the scheduled enqueue time, else the send. */
  enqueuedAt: string;
  scheduledEnqueueTime?: string;
  /** Not delivered before this (the enqueue time, or a retry delay on the dead-letter queue). */
  availableAt: string;
  deliveryCount: number;
  lockToken?: string;
  lockedUntil?: string;
  deadLetterReason?: string;
  deadLetterErrorDescription?: string;
  deadLetteredAt?: string;
  /** The delivery count when it was dead-lettered (deliveries from the dead-letter queue count on). */
  deadLetterDeliveryCount?: number;
  /** Local only: the last failure of a delivery (Service Bus itself does not keep it). */
  lastError?: string;
  completedAt?: string;
  /** Completed documents are deleted from then on. */
  expiresAt?: string;
  /** The dead letter this message was resubmitted from. */
  resubmittedFrom?: number;
}

export interface EntityPath {
  queue: string;
  subQueue: SubQueue;
}

export const deadLetterQueueSuffix = '$DeadLetterQueue';

/** `gateway-transmissions` or `gateway-transmissions/$DeadLetterQueue` (the suffix in any case). */
export function parseEntityPath(path: string): EntityPath | undefined {
  const parts = path.trim().split('/');
  const queue = parts[0] ?? '';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/.test(queue)) return undefined;
  if (parts.length === 1) return { queue, subQueue: 'active' };
  if (parts.length === 2 && parts[1]!.toLowerCase() === deadLetterQueueSuffix.toLowerCase()) {
    return { queue, subQueue: 'deadLetter' };
  }
  return undefined;
}

export function entityPathText(entity: EntityPath): string {
  return entity.subQueue === 'deadLetter' ? `${entity.queue}/${deadLetterQueueSuffix}` : entity.queue;
}

/** Milliseconds of an ISO 8601 duration without years or months (lock durations, windows). */
export function durationMs(iso: string): number {
  const parsed = parseIsoDuration(iso);
  if (!parsed || parsed.years > 0 || parsed.months > 0) {
    throw new Error(`"${iso}" is not an ISO 8601 duration in days, hours, minutes or seconds`);
  }
  return addIsoDuration(new Date(0), parsed).getTime();
}

/** The reason and description Service Bus gives a message it dead-letters after too many deliveries. */
export function maxDeliveryDeadLetter(maxDeliveryCount: number): { reason: string; description: string } {
  return {
    reason: 'MaxDeliveryCountExceeded',
    description: `Message could not be consumed after ${maxDeliveryCount} delivery attempts.`,
  };
}
