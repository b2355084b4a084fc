// How the local host serves serviceBusTrigger registrations: which it refuses, how a binding's queue name is
// resolved, the .NET date texts of the trigger metadata, and host.json's serviceBus section.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RegisteredFunction } from '../../local/core/registry';
import type { ReceivedMessage } from '../../local/serviceBus/engine';
import { parseEntityPath } from '../../local/serviceBus/model';
import { serviceBusHostSettings } from '../../local/serviceBus/settings';
import {
  dotNetDateTime,
  resolveBindingExpression,
  serviceBusInvocation,
  validateServiceBusTrigger,
} from '../../local/serviceBus/triggers';

function fn(binding: Record<string, unknown>): RegisteredFunction {
  const trigger = { type: 'serviceBusTrigger', direction: 'in' as const, connection: 'ServiceBus', ...binding };
  return {
    name: 'sendTransmission',
    metadata: { name: 'sendTransmission', bindings: { trigger } },
    callback: () => undefined,
    triggerName: 'trigger',
    trigger,
  };
}

describe('serviceBusTrigger registrations on the local host', () => {
  it('serves a queue and its dead-letter queue, one message at a time', () => {
    expect(() => validateServiceBusTrigger(fn({ queueName: 'gateway-transmissions' }))).not.toThrow();
    expect(() => validateServiceBusTrigger(fn({ queueName: 'gateway-transmissions/$DeadLetterQueue' }))).not.toThrow();
  });

  it.each([
    [{ topicName: 't', subscriptionName: 's' }, /topic subscription/],
    [{ queueName: '' }, /queueName is missing/],
    [{ queueName: 'q', isSessionsEnabled: true }, /sessions/],
    [{ queueName: 'q', cardinality: 'many' }, /cardinality "many"/],
    [{ queueName: 'q', autoCompleteMessages: false }, /autoCompleteMessages false/],
    [{ queueName: 'q', sdkBinding: true }, /SDK-type bindings/],
  ])('refuses %j, saying why', (binding, why) => {
    expect(() => validateServiceBusTrigger(fn(binding))).toThrow(why);
  });

  it('resolves %AppSetting% in a queue name and names a missing setting', () => {
    expect(resolveBindingExpression('%QUEUE%/$DeadLetterQueue', { QUEUE: 'gateway-transmissions' })).toBe(
      'gateway-transmissions/$DeadLetterQueue'
    );
    expect(() => resolveBindingExpression('%QUEUE%', {})).toThrow(/app setting QUEUE/);
  });

  it('reads entity paths with the dead-letter suffix in any case', () => {
    expect(parseEntityPath('q/$deadletterqueue')).toEqual({ queue: 'q', subQueue: 'deadLetter' });
    expect(parseEntityPath('q')).toEqual({ queue: 'q', subQueue: 'active' });
    expect(parseEntityPath('q/other')).toBeUndefined();
  });
});

describe('what a Service Bus delivery gives the Node.js worker', () => {
  const enqueued = new Date('2031-05-01T10:20:30.120Z');
  const message: ReceivedMessage = {
    queue: 'gateway-transmissions',
    subQueue: 'deadLetter',
    sequenceNumber: 42,
    messageId: 'T-42',
    body: '{"transmissionId":"T-42"}',
    contentType: 'application/json',
    subject: undefined,
    correlationId: 'BD-DEMO0001-C1',
    applicationProperties: { factoryId: 'BD-DEMO0001', DeadLetterReason: 'MaxDeliveryCountExceeded' },
    enqueuedTime: enqueued,
    deliveryCount: 11,
    lockToken: '2d3f0c8e-6a8b-4a38-9a55-0f1f3c1f7a11',
    lockedUntil: new Date(enqueued.getTime() + 60_000),
    deadLetterReason: 'MaxDeliveryCountExceeded',
    deadLetterErrorDescription: 'Message could not be consumed after 10 delivery attempts.',
  };

  it('writes dates as .NET does: DateTime of unspecified kind without a zone, DateTimeOffset with +00:00', () => {
    expect(dotNetDateTime(enqueued, 'unspecified')).toBe('2031-05-01T10:20:30.12');
    expect(dotNetDateTime(enqueued, 'offset')).toBe('2031-05-01T10:20:30.12+00:00');
    expect(dotNetDateTime(new Date('2031-05-01T10:20:30Z'), 'utc')).toBe('2031-05-01T10:20:30Z');
  });

  it('gives the body as a string (binary with dataType binary) and the extension binding data as metadata', () => {
    const invocation = serviceBusInvocation(fn({ queueName: 'gateway-transmissions' }), message, enqueued);
    expect(invocation.trigger).toEqual({ string: '{"transmissionId":"T-42"}' });
    const metadata = invocation.triggerMetadata;
    expect(metadata).toMatchObject({
      MessageId: { string: 'T-42' },
      DeliveryCount: { json: '11' },
      SequenceNumber: { json: '42' },
      EnqueuedTimeUtc: { json: '"2031-05-01T10:20:30.12"' },
      EnqueuedTime: { json: '"2031-05-01T10:20:30.12+00:00"' },
      ContentType: { string: 'application/json' },
      CorrelationId: { string: 'BD-DEMO0001-C1' },
      LockToken: { string: message.lockToken },
      ApplicationProperties: { json: JSON.stringify(message.applicationProperties) },
      UserProperties: { json: JSON.stringify(message.applicationProperties) },
    });
    expect(metadata).not.toHaveProperty('Subject');
    expect(metadata).not.toHaveProperty('DeadLetterReason'); // the extension has it only among the properties
    const binary = serviceBusInvocation(fn({ queueName: 'q', dataType: 'binary' }), message, enqueued);
    expect(Buffer.from(binary.trigger.bytes!).toString('utf8')).toBe(message.body);
  });
});

describe("host.json's serviceBus section", () => {
  it('is read as the Service Bus extension 5.x reads it', () => {
    const hostJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'host.json'), 'utf8')) as {
      extensions: { serviceBus: Record<string, unknown> };
    };
    expect(hostJson.extensions.serviceBus).not.toHaveProperty('messageHandlerOptions'); // the 3.x/4.x shape
    expect(serviceBusHostSettings(hostJson)).toEqual({
      maxConcurrentCalls: 16,
      autoCompleteMessages: true,
      maxAutoLockRenewalMs: 5 * 60_000,
    });
    expect(serviceBusHostSettings({})).toEqual({
      maxConcurrentCalls: 16,
      autoCompleteMessages: true,
      maxAutoLockRenewalMs: 5 * 60_000,
    });
  });
});
