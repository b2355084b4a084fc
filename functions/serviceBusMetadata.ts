// Not a trigger: what the Service Bus triggers read from an invocation, as the Functions Service Bus extension
// gives it to the Node.js worker (@azure/functions camel-cases the keys): the message id, the delivery count,
// and for a dead letter its reason and description (application properties `DeadLetterReason`,
// `DeadLetterErrorDescription`, or top-level metadata of the same names).
import type { InvocationContext } from '@azure/functions';
import type { DeadLetteredDelivery } from '../shared/app/transmission/deadLetter';
import type { Delivery } from '../shared/app/transmission/process';

type Metadata = Record<string, unknown>;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function lookup(metadata: Metadata | undefined, name: string): unknown {
  if (!metadata) return undefined;
  const key = Object.keys(metadata).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : metadata[key];
}

export function deliveryOf(message: unknown, context: InvocationContext): Delivery {
  const metadata = context.triggerMetadata as Metadata | undefined;
  const count = Number(lookup(metadata, 'deliveryCount'));
  return {
    body: message,
    messageId: text(lookup(metadata, 'messageId')),
    deliveryCount: Number.isInteger(count) && count > 0 ? count : 1,
  };
}

export function deadLetterOf(message: unknown, context: InvocationContext): DeadLetteredDelivery {
  const metadata = context.triggerMetadata as Metadata | undefined;
  const properties = lookup(metadata, 'applicationProperties') as Metadata | undefined;
  const either = (name: string) => text(lookup(properties, name)) ?? text(lookup(metadata, name));
  return {
    ...deliveryOf(message, context),
    deadLetterReason: either('deadLetterReason'),
    deadLetterErrorDescription: either('deadLetterErrorDescription'),
  };
}
