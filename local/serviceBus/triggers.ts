// serviceBusTrigger functions on the local host: which registrations it serves, the entity a binding names,
// and what an invocation receives, as the Functions host and the Service Bus extension 5.x give it to the
// Node.js worker:
// - the trigger input is the body as a string (`string` typed data; `bytes` with `dataType: 'binary'`),
//   which @azure/functions parses when it is JSON, so a JSON body arrives as an object;
// - the trigger metadata is the extension's binding data (ServiceBusTriggerBindingStrategy): strings as
//   `string`, everything else as JSON the way the host serializes .NET values. @azure/functions camel-cases
//   the keys, the nested ones too: `context.triggerMetadata.messageId`, `.deliveryCount` (a number),
//   `.enqueuedTimeUtc` (a .NET DateTime of unspecified kind: ISO text WITHOUT a zone; `.enqueuedTime` has
//   `+00:00`), `.applicationProperties` (a dead letter's `deadLetterReason` and
//   `deadLetterErrorDescription` are there, as Service Bus stores them), `.lockToken`, `.sequenceNumber`.

import { randomUUID } from 'node:crypto';
import type { RegisteredFunction } from '../core/registry';
import type { RpcTypedData } from '../core/types';
import type { LocalServiceBus, ReceivedMessage } from './engine';
import { parseEntityPath } from './model';
import type { ServiceBusHostSettings } from './settings';

/** Checks a serviceBusTrigger registration the local host can serve (a queue, one message at a time). */
export function validateServiceBusTrigger(fn: RegisteredFunction): void {
  const binding = fn.trigger;
  const refuse = (why: string) => {
    throw new Error(`Function "${fn.name}" has a Service Bus trigger the local host cannot serve: ${why}.`);
  };
  if (binding['topicName'] !== undefined || binding['subscriptionName'] !== undefined) {
    refuse('it listens to a topic subscription (the local host serves queues)');
  }
  if (typeof binding['queueName'] !== 'string' || binding['queueName'].trim() === '') refuse('queueName is missing');
  if (binding['isSessionsEnabled'] === true) refuse('sessions are not supported');
  if (binding['cardinality'] === 'many') refuse('batches (cardinality "many") are not supported');
  if (binding['autoCompleteMessages'] === false) {
    refuse('autoCompleteMessages false needs message settlement actions, which Node.js functions do not have');
  }
  if (binding['sdkBinding'] === true) refuse('SDK-type bindings are not supported');
}

/** Resolves `%AppSetting%` expressions in a binding value, as the Functions host does. */
export function resolveBindingExpression(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/%([^%]+)%/g, (_match, name: string) => {
    const resolved = env[name];
    if (resolved === undefined || resolved === '') {
      throw new Error(`the app setting ${name} (used as %${name}% in a binding) is not set`);
    }
    return resolved;
  });
}

/** .NET's round-trip text of a UTC instant: 7 fraction digits at most, trailing zeros dropped. */
export function dotNetDateTime(date: Date, zone: 'unspecified' | 'utc' | 'offset'): string {
  const text = date.toISOString().slice(0, -1);
  const [main, fraction = ''] = text.split('.');
  const trimmed = fraction.replace(/0+$/, '');
  const suffix = zone === 'utc' ? 'Z' : zone === 'offset' ? '+00:00' : '';
  return `${main}${trimmed ? `.${trimmed}` : ''}${suffix}`;
}

/** DateTimeOffset.MaxValue: the expiry of a message without a time to live. */
const neverExpires = '9999-12-31T23:59:59.9999999';

const json = (value: unknown): RpcTypedData => ({ json: JSON.stringify(value) });
const text = (value: string): RpcTypedData => ({ string: value });

export interface ServiceBusInvocation {
  trigger: RpcTypedData;
  triggerMetadata: Record<string, RpcTypedData>;
}

/** The trigger input and metadata of one delivery. */
export function serviceBusInvocation(
  fn: RegisteredFunction,
  message: ReceivedMessage,
  now: Date
): ServiceBusInvocation {
  const trigger: RpcTypedData =
    fn.trigger['dataType'] === 'binary' ? { bytes: Buffer.from(message.body, 'utf8') } : text(message.body);
  const metadata: Record<string, RpcTypedData> = {
    DeliveryCount: json(message.deliveryCount),
    LockToken: text(message.lockToken),
    ExpiresAtUtc: json(neverExpires),
    ExpiresAt: json(`${neverExpires}+00:00`),
    EnqueuedTimeUtc: json(dotNetDateTime(message.enqueuedTime, 'unspecified')),
    EnqueuedTime: json(dotNetDateTime(message.enqueuedTime, 'offset')),
    MessageId: text(message.messageId),
    SequenceNumber: json(message.sequenceNumber),
    ApplicationProperties: json(message.applicationProperties),
    UserProperties: json(message.applicationProperties),
    sys: json({ MethodName: fn.name, UtcNow: dotNetDateTime(now, 'utc'), RandGuid: randomUUID() }),
  };
  if (message.contentType !== undefined) metadata['ContentType'] = text(message.contentType);
  if (message.subject !== undefined) {
    metadata['Subject'] = text(message.subject);
    metadata['Label'] = text(message.subject);
  }
  if (message.correlationId !== undefined) metadata['CorrelationId'] = text(message.correlationId);
  return { trigger, triggerMetadata: metadata };
}

export type ServiceBusInvoker = (fn: RegisteredFunction, invocation: ServiceBusInvocation) => Promise<void>;

/**
 * Makes each serviceBusTrigger function a consumer of the entity its binding names. Fails start-up, naming
 * the function, when the entity is not a declared queue (in Azure its listener would fail to start).
 */
export function bindServiceBusTriggers(
  bus: LocalServiceBus,
  functions: readonly RegisteredFunction[],
  settings: ServiceBusHostSettings,
  env: Record<string, string | undefined>,
  now: () => Date,
  invoke: ServiceBusInvoker
): { name: string; entity: string }[] {
  return functions.map((fn) => {
    let entityPath: string;
    try {
      entityPath = resolveBindingExpression(String(fn.trigger['queueName']), env);
      if (!parseEntityPath(entityPath)) {
        throw new Error(`"${entityPath}" is not a queue name or <queue>/$DeadLetterQueue`);
      }
      bus.entity(entityPath);
    } catch (error) {
      throw new Error(`Function "${fn.name}" cannot listen on its Service Bus queue: ${(error as Error).message}`);
    }
    bus.listen(entityPath, {
      name: fn.name,
      maxConcurrentCalls: settings.maxConcurrentCalls,
      handle: (message) => invoke(fn, serviceBusInvocation(fn, message, now())),
    });
    return { name: fn.name, entity: entityPath };
  });
}
