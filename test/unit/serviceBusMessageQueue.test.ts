// The Azure MessageQueue adapter (shared/adapters/serviceBus/serviceBusMessageQueue.ts) against a test double
// of the SDK's ServiceBusClient and ServiceBusSender (no Service Bus can run here): what each message becomes
// (MessageId, JSON body, properties, schedule), single sends and batches, and the errors it throws, with
// real ServiceBusError objects from @azure/service-bus.
import {
  ServiceBusError,
  type ServiceBusMessage,
  type ServiceBusMessageBatch,
  type ServiceBusSender,
} from '@azure/service-bus';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { splitIntoSends, estimateMessageBytes } from '../../shared/adapters/serviceBus/limits';
import { MessageQueueError } from '../../shared/adapters/serviceBus/messageQueueError';
import {
  serviceBusMessageQueue,
  toServiceBusMessage,
  type ServiceBusClientLike,
  type ServiceBusSenderLike,
} from '../../shared/adapters/serviceBus/serviceBusMessageQueue';
import type { OutgoingMessage } from '../../shared/ports/messageQueue';

type Sendable = Parameters<ServiceBusSender['sendMessages']>[0];

const credential: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({ token: 'token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

/** A batch the way the SDK's behaves: tryAddMessage refuses what would pass maxSizeInBytes. */
class FakeBatch implements ServiceBusMessageBatch {
  readonly messages: ServiceBusMessage[] = [];
  sizeInBytes = 0;
  constructor(readonly maxSizeInBytes: number) {}
  get count(): number {
    return this.messages.length;
  }
  tryAddMessage(message: ServiceBusMessage): boolean {
    const size = Buffer.byteLength(JSON.stringify(message.body)) + 100;
    if (this.sizeInBytes + size > this.maxSizeInBytes) return false;
    this.messages.push(message);
    this.sizeInBytes += size;
    return true;
  }
}

interface Sent {
  queue: string;
  kind: 'single' | 'batch';
  messages: ServiceBusMessage[];
}

/** A ServiceBusClient double: records what each sender sends, fails sends from a script. */
function fakeServiceBus(options: { maxBatchBytes?: number; failures?: unknown[] } = {}) {
  const sent: Sent[] = [];
  const created: { namespace: string; credential: TokenCredential }[] = [];
  const senders: { queue: string; closed: boolean }[] = [];
  const failures = [...(options.failures ?? [])];
  let clientClosed = false;
  const client: ServiceBusClientLike = {
    createSender(queue: string): ServiceBusSenderLike {
      const state = { queue, closed: false };
      senders.push(state);
      return {
        async sendMessages(messages: Sendable): Promise<void> {
          if (state.closed) throw new ServiceBusError('The sender has been closed', 'GeneralError');
          const failure = failures.shift();
          if (failure) throw failure;
          if (messages instanceof FakeBatch) sent.push({ queue, kind: 'batch', messages: [...messages.messages] });
          else if (Array.isArray(messages)) throw new Error('the adapter sends arrays as batches');
          else sent.push({ queue, kind: 'single', messages: [messages as ServiceBusMessage] });
        },
        async createMessageBatch(): Promise<ServiceBusMessageBatch> {
          return new FakeBatch(options.maxBatchBytes ?? 256 * 1024);
        },
        async close(): Promise<void> {
          state.closed = true;
        },
      };
    },
    async close(): Promise<void> {
      clientClosed = true;
    },
  };
  const queue = serviceBusMessageQueue({
    fullyQualifiedNamespace: 'sb-bwslcp.servicebus.windows.net',
    credential: async () => credential,
    createClient: async (namespace, given) => {
      created.push({ namespace, credential: given });
      return client;
    },
  });
  return { queue, client, sent, created, senders, clientClosed: () => clientClosed };
}

const transmission = (id: string, extra: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  messageId: id,
  body: { transmissionId: id, payloadRef: `transmissions/${id}` },
  ...extra,
});

describe('Service Bus MessageQueue adapter: mapping', () => {
  it('maps MessageId, JSON body, properties and the scheduled time onto a ServiceBusMessage', () => {
    const at = new Date('2031-05-01T10:00:00Z');
    expect(
      toServiceBusMessage(
        transmission('T-1', {
          subject: 'transmission',
          correlationId: 'BD-DEMO0001-C1',
          applicationProperties: { factoryId: 'BD-DEMO0001', attempt: 2, replay: false },
          scheduledEnqueueTime: at,
        })
      )
    ).toEqual({
      messageId: 'T-1',
      body: { transmissionId: 'T-1', payloadRef: 'transmissions/T-1' },
      contentType: 'application/json',
      subject: 'transmission',
      correlationId: 'BD-DEMO0001-C1',
      applicationProperties: { factoryId: 'BD-DEMO0001', attempt: 2, replay: false },
      scheduledEnqueueTimeUtc: at,
    });
    expect(toServiceBusMessage(transmission('T-2'))).toEqual({
      messageId: 'T-2',
      body: { transmissionId: 'T-2', payloadRef: 'transmissions/T-2' },
      contentType: 'application/json',
    });
  });

  it('creates the client on the first send only, with the namespace and the managed identity, one sender per queue', async () => {
    const bus = fakeServiceBus();
    expect(bus.created).toEqual([]);
    await bus.queue.send('gateway-transmissions', [transmission('T-1')]);
    await bus.queue.send('gateway-transmissions', [transmission('T-2')]);
    await bus.queue.send('other', [transmission('T-3')]);
    expect(bus.created).toEqual([{ namespace: 'sb-bwslcp.servicebus.windows.net', credential }]);
    expect(bus.senders.map((s) => s.queue)).toEqual(['gateway-transmissions', 'other']);
    expect(bus.sent.map((s) => [s.queue, s.kind, s.messages.map((m) => m.messageId)])).toEqual([
      ['gateway-transmissions', 'single', ['T-1']],
      ['gateway-transmissions', 'single', ['T-2']],
      ['other', 'single', ['T-3']],
    ]);
    await bus.queue.close();
    expect(bus.senders.every((s) => s.closed)).toBe(true);
    expect(bus.clientClosed()).toBe(true);
  });

  it('sends nothing for no messages', async () => {
    const bus = fakeServiceBus();
    await bus.queue.send('gateway-transmissions', []);
    expect(bus.created).toEqual([]);
  });
});

describe('Service Bus MessageQueue adapter: batches', () => {
  it('sends several messages as one batch, in order, when they fit', async () => {
    const bus = fakeServiceBus();
    await bus.queue.send('q', [transmission('A'), transmission('B'), transmission('C')]);
    expect(bus.sent).toHaveLength(1);
    expect(bus.sent[0]).toMatchObject({ kind: 'batch' });
    expect(bus.sent[0]!.messages.map((m) => m.messageId)).toEqual(['A', 'B', 'C']);
  });

  it('splits messages that do not fit one batch into several, in order, none lost', async () => {
    const bus = fakeServiceBus({ maxBatchBytes: 400 });
    const messages = Array.from({ length: 7 }, (_, i) => transmission(`T-${i}`));
    await bus.queue.send('q', messages);
    expect(bus.sent.length).toBeGreaterThan(1);
    expect(bus.sent.every((s) => s.kind === 'batch' && s.messages.length > 0)).toBe(true);
    expect(bus.sent.flatMap((s) => s.messages.map((m) => m.messageId))).toEqual(messages.map((m) => m.messageId));
  });

  it('refuses a message larger than a batch may be, naming it, as a permanent error', async () => {
    const bus = fakeServiceBus({ maxBatchBytes: 400 });
    const big = transmission('BIG', { body: { text: 'x'.repeat(1_000) } });
    const failure = await bus.queue.send('q', [big, transmission('small')]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MessageQueueError);
    expect(failure).toMatchObject({ code: 'MessageSizeExceeded', retryable: false, queueName: 'q' });
    expect((failure as Error).message).toMatch(/message BIG is larger than a batch may be \(400 bytes\)/);
    expect(bus.sent).toEqual([]);
  });

  it('says how much of a split send went out when a later batch fails', async () => {
    const bus = fakeServiceBus({
      maxBatchBytes: 400,
      failures: [undefined, new ServiceBusError('busy', 'ServiceBusy')],
    });
    const failure = await bus.queue
      .send(
        'q',
        Array.from({ length: 6 }, (_, i) => transmission(`T-${i}`))
      )
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'ServiceBusy', retryable: true });
    expect((failure as Error).message).toMatch(/after \d+ of 6 were sent in 1 batch\(es\)/);
  });
});

describe('Service Bus MessageQueue adapter: errors', () => {
  it.each([
    ['ServiceBusy', true],
    ['ServiceTimeout', true],
    ['ServiceCommunicationProblem', true],
    ['QuotaExceeded', true],
    ['MessagingEntityNotFound', false],
    ['MessageSizeExceeded', false],
    ['UnauthorizedAccess', false],
  ] as const)('maps ServiceBusError %s to a MessageQueueError (retryable: %s)', async (code, retryable) => {
    const bus = fakeServiceBus({ failures: [new ServiceBusError(`the service said ${code}`, code)] });
    const failure = await bus.queue.send('gateway-transmissions', [transmission('T-1')]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MessageQueueError);
    expect(failure).toMatchObject({ queueName: 'gateway-transmissions', code, retryable });
    expect((failure as Error).message).toMatch(
      new RegExp(`sending 1 message\\(s\\) to gateway-transmissions failed: the service said ${code}`)
    );
    expect((failure as MessageQueueError).cause).toBeInstanceOf(ServiceBusError);
  });

  it('drops a sender that failed and sends the next time on a new one', async () => {
    const bus = fakeServiceBus({ failures: [new ServiceBusError('link detached', 'ServiceCommunicationProblem')] });
    await expect(bus.queue.send('q', [transmission('T-1')])).rejects.toThrow(MessageQueueError);
    await bus.queue.send('q', [transmission('T-1')]);
    expect(bus.senders).toEqual([
      { queue: 'q', closed: true },
      { queue: 'q', closed: false },
    ]);
    expect(bus.sent.map((s) => s.messages[0]!.messageId)).toEqual(['T-1']);
  });

  it('tries the credential again on the next send when it failed', async () => {
    let calls = 0;
    const fake = fakeServiceBus();
    const queue = serviceBusMessageQueue({
      fullyQualifiedNamespace: 'sb.servicebus.windows.net',
      credential: async () => {
        calls++;
        if (calls === 1)
          throw Object.assign(new Error('managed identity endpoint not reachable'), { name: 'AuthenticationError' });
        return credential;
      },
      createClient: async () => fake.client,
    });
    const failure = await queue.send('q', [transmission('T-1')]).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'CredentialUnavailable', retryable: true });
    expect(calls).toBe(1);
    await queue.send('q', [transmission('T-1')]);
    expect(calls).toBe(2);
    expect(fake.sent.map((s) => s.messages[0]!.messageId)).toEqual(['T-1']);
  });
});

describe('Service Bus limits shared by both adapters', () => {
  it('splits sends at 100 messages and at the batch size, keeping the order', () => {
    const small = Array.from({ length: 250 }, (_, i) => transmission(`S-${i}`));
    expect(splitIntoSends(small).map((part) => part.length)).toEqual([100, 100, 50]);
    const large = Array.from({ length: 5 }, (_, i) => transmission(`L-${i}`, { body: { text: 'x'.repeat(100_000) } }));
    const parts = splitIntoSends(large);
    expect(parts.map((part) => part.length)).toEqual([2, 2, 1]);
    expect(parts.flat().map((m) => m.messageId)).toEqual(large.map((m) => m.messageId));
    expect(parts.every((part) => part.reduce((n, m) => n + estimateMessageBytes(m), 0) <= 256 * 1024)).toBe(true);
  });
});
