// Limits both Service Bus adapters (and the local host's queue) apply, so a message that fits locally also
// fits in Azure. The namespace is Standard (Premium only with private networking): a message, and a batch
// of messages sent at once, is at most 256 KiB there. A large payload belongs in Cosmos DB or blob
// storage, with the message carrying its reference.

/** Service Bus Standard: the largest message, and the largest batch sent in one call. */
export const maxMessageBytes = 256 * 1024;
/** The local host's queue writes one send in one transactional batch of its store (at most 100 operations). */
export const maxMessagesPerSend = 100;
/** Service Bus rejects a MessageId longer than this. */
export const maxMessageIdLength = 128;

/** The size a message counts for against the limits: its JSON body, its properties and a fixed overhead. */
export function estimateMessageBytes(message: {
  messageId: string;
  body: unknown;
  subject?: string | undefined;
  correlationId?: string | undefined;
  contentType?: string | undefined;
  applicationProperties?: Record<string, string | number | boolean> | undefined;
}): number {
  const text = (value: string | undefined) => (value === undefined ? 0 : Buffer.byteLength(value));
  return (
    Buffer.byteLength(JSON.stringify(message.body ?? null)) +
    text(message.messageId) +
    text(message.subject) +
    text(message.correlationId) +
    text(message.contentType) +
    (message.applicationProperties ? Buffer.byteLength(JSON.stringify(message.applicationProperties)) : 0) +
    64
  );
}

/** Splits messages, in order, into sends of at most `maxMessagesPerSend` messages and `maxBytes` bytes. */
export function splitIntoSends<T extends Parameters<typeof estimateMessageBytes>[0]>(
  messages: readonly T[],
  maxBytes: number = maxMessageBytes
): T[][] {
  const sends: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = estimateMessageBytes(message);
    if (current.length > 0 && (current.length >= maxMessagesPerSend || bytes + size > maxBytes)) {
      sends.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) sends.push(current);
  return sends;
}
