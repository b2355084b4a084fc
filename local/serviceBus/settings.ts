// The serviceBus section of host.json (Service Bus extension 5.x, extension bundle 4.x), as far as the local
// host uses it: how many messages a function handles at once, whether it completes them, and how long the
// extension renews a message's lock while the function runs.

import { timeSpanMs } from '../durable/settings';

export interface ServiceBusHostSettings {
  /** Concurrent invocations per function (`maxConcurrentCalls`). */
  maxConcurrentCalls: number;
  /** `autoCompleteMessages`: the local host serves only true (Node.js functions cannot settle messages). */
  autoCompleteMessages: boolean;
  /** `maxAutoLockRenewalDuration`: the extension renews the lock while the function runs, up to this long. */
  maxAutoLockRenewalMs: number;
}

/** The extension's defaults (maxConcurrentCalls is 16 per core there; the local host runs on one). */
export const defaultServiceBusHostSettings: ServiceBusHostSettings = {
  maxConcurrentCalls: 16,
  autoCompleteMessages: true,
  maxAutoLockRenewalMs: 5 * 60_000,
};

/** Reads `extensions.serviceBus` of a parsed host.json. */
export function serviceBusHostSettings(hostJson: unknown): ServiceBusHostSettings {
  const extensions = (hostJson as { extensions?: { serviceBus?: Record<string, unknown> } } | undefined)?.extensions;
  const section = extensions?.serviceBus ?? {};
  const concurrent = section['maxConcurrentCalls'];
  const renewal = section['maxAutoLockRenewalDuration'];
  return {
    maxConcurrentCalls:
      typeof concurrent === 'number' && Number.isInteger(concurrent) && concurrent > 0
        ? concurrent
        : defaultServiceBusHostSettings.maxConcurrentCalls,
    autoCompleteMessages: section['autoCompleteMessages'] !== false,
    maxAutoLockRenewalMs:
      typeof renewal === 'string' ? timeSpanMs(renewal) : defaultServiceBusHostSettings.maxAutoLockRenewalMs,
  };
}
