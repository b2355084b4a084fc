/**
 * The app's custom metrics: counters of the business events operators watch and alert on. The names are
 * declared here once; infra/metrics.json mirrors them for the alert rules (infra/core/monitor/alerts.bicep),
 * and test/unit/infraDeclarations.test.ts fails when the two disagree.
 */
export const metricNames = {
  /** R17: the Gateway accepted a transmission. */
  transmissionsAccepted: 'bw.transmissions.accepted',
  /** R17: the Gateway refused a transmission for good (4xx): staff are alerted. */
  transmissionsRejected: 'bw.transmissions.rejected',
  /** R17: a delivery failed transiently (Gateway down, 5xx, timeout): Service Bus delivers it again. */
  transmissionDeliveryFailures: 'bw.transmissions.delivery_failures',
  /** R17: Service Bus dead-lettered a transmission after its maximum deliveries. */
  transmissionsDeadLettered: 'bw.transmissions.dead_lettered',
  /** R16: a report's release deadline passed without a release (the escalation to staff). */
  releasesOverdue: 'bw.releases.overdue',
  /** A reminder went out (R3, R9, R10, R16, R25), by kind. */
  remindersSent: 'bw.reminders.sent',
} as const;

export type MetricName = (typeof metricNames)[keyof typeof metricNames];

/** The dimensions a metric may carry: codes and kinds only, never an id of a person, an email or a name. */
export interface MetricAttributes {
  /** ISO country code of the factory (BD, ID, VN). */
  country?: string;
  /** What kind of event (a reminder's milestone, say). */
  kind?: string;
}

export interface Metrics {
  /** Adds `value` (1 by default) to the counter `name`. Never throws. */
  add(name: MetricName, attributes?: MetricAttributes, value?: number): void;
}

/** Metrics that go nowhere (use cases built by hand, without a platform). */
export const noMetrics: Metrics = { add: () => undefined };
