// What both MessageQueue adapters throw when a send fails: which queue, whether trying again may help, and
// the Service Bus error code when there is one. Nothing of a failed send is delivered, except that a send
// split into several batches may have delivered its first batches; sending the same messages again is safe
// because Service Bus drops the ones whose MessageId it already accepted (duplicate detection).

export class MessageQueueError extends Error {
  override name = 'MessageQueueError';
  readonly queueName: string;
  /** True when the failure may pass (busy, timeout, connection, local host restarting). */
  readonly retryable: boolean;
  /** The Service Bus error code (`ServiceBusy`, `MessageSizeExceeded`, …) or the local queue's HTTP status. */
  readonly code: string;

  constructor(message: string, details: { queueName: string; retryable: boolean; code: string; cause?: unknown }) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.queueName = details.queueName;
    this.retryable = details.retryable;
    this.code = details.code;
  }
}
