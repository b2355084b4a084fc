// The Service Bus queues the app uses. infra/service-bus.json mirrors these declarations for the Bicep
// templates, and test/unit/infraDeclarations.test.ts keeps the two equal.

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
