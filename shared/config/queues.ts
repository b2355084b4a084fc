// The Service Bus queues the app uses. infra/service-bus.json mirrors these declarations for the Bicep
// templates, and test/unit/infraDeclarations.test.ts keeps the two equal. The local host creates the same
// queues (local/serviceBus/), with the same settings.
//
// Why these values (host.json's extensions.serviceBus works with them; host.json cannot hold comments):
// - maxDeliveryCount 10: the Functions extension abandons a message at once when the function throws (no
//   delay between deliveries), so the waiting between attempts is the Gateway client's own (its retries
//   with backoff inside one delivery); 10 deliveries give a transient outage ten of those budgets before
//   the message is dead-lettered and staff are alerted, and a permanent rejection is not retried at all.
// - lockDuration PT1M: long enough for one Gateway call with its retries; the extension renews the lock
//   while the function runs, up to host.json's maxAutoLockRenewalDuration (5 min), so a slow Gateway loses
//   the lock only after 5 minutes, and then the message is delivered again (and the Gateway's idempotency
//   key, the transmission id, keeps it from being submitted twice).
// - duplicateDetectionWindow PT1H: a message is sent with MessageId = the transmission id, so a retried
//   send (a crash between sending and recording) is dropped within the hour. A replay of a dead letter
//   within the window needs a new MessageId (Service Bus would drop a copy with the same one silently).
// - dead-lettering on expiration (in the Bicep, not declared here): messages have no time to live by
//   default, so none expires; should one be given a TTL, it goes to the dead-letter queue, where staff see
//   it, instead of disappearing.
// - duplicate detection is switched on in the Bicep (requiresDuplicateDetection) and always on locally.
// host.json (extensions.serviceBus, Service Bus extension 5.x of extension bundle 4.x):
// - autoCompleteMessages true: returning completes the message, throwing abandons it (Node.js functions
//   have no settlement actions);
// - maxConcurrentCalls 16 per instance: Gateway calls are I/O-bound; more would mostly wait on the Gateway's
//   rate limit (429 with Retry-After) and hold locks longer;
// - prefetchCount 0: a prefetched message is already locked (and its lock ticking) before a function takes
//   it, so prefetching would cost lock time and deliveries for no gain at this volume;
// - maxAutoLockRenewalDuration 5 min: see lockDuration; below functionTimeout (10 min) so a hung function
//   lets its message go to another delivery before the host kills it;
// - clientRetryOptions: the SDK's own retries of Service Bus operations (not of the function).

/** Transmissions to the Gateway, one message per transmission; retried by Service Bus, then dead-lettered. */
export const transmissionQueue = {
  name: 'gateway-transmissions',
  /** Deliveries before Service Bus moves a message to the dead-letter queue. */
  maxDeliveryCount: 10,
  /** How long a receiver holds a message's peek-lock (ISO 8601 duration). */
  lockDuration: 'PT1M',
  /** Within this window Service Bus drops a message whose MessageId it has already accepted. */
  duplicateDetectionWindow: 'PT1H',
} as const;

/** Every queue of the namespace (the local host creates these). */
export const serviceBusQueues = [transmissionQueue] as const;
