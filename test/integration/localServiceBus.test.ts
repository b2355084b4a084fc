// The local Service Bus queue end to end: a real '@azure/functions' app (test/fixtures/serviceBusApp.ts)
// with `app.serviceBusQueue` functions on a queue and its dead-letter queue, loaded into the real LocalHost;
// messages sent by the app's local MessageQueue adapter over HTTP to the host's queue API, kept in a real
// Cosmos-compatible server through the real SDK, delivered to the functions as the Functions host does.
// Waiting is done with the queue's settle() (nothing in flight), never with timed sleeps.
import { CosmosClient } from '@azure/cosmos';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalClock } from '../../local/clock';
import type { CoreApi } from '../../local/core/coreApi';
import { CERT_FILE, startCosmosServer, type CosmosServer } from '../../local/cosmos/server';
import { LocalHost } from '../../local/host';
import { CosmosMessageStore } from '../../local/serviceBus/cosmosStore';
import { localMessageQueue } from '../../shared/adapters/serviceBus/localMessageQueue';
import { MessageQueueError } from '../../shared/adapters/serviceBus/messageQueueError';
import { transmissionQueue } from '../../shared/config/queues';

let mockCoreApi: CoreApi | undefined;
jest.mock(
  '@azure/functions-core',
  () =>
    new Proxy(
      {},
      { get: (_target, property) => (mockCoreApi as unknown as Record<string | symbol, unknown>)[property] }
    ),
  { virtual: true }
);

jest.setTimeout(120_000);

type Fixture = typeof import('../fixtures/serviceBusApp');

const queueName = transmissionQueue.name;
const dir = mkdtempSync(join(tmpdir(), 'local-service-bus-'));
const lines: string[] = [];
const clock = new LocalClock('virtual');
clock.jumpTo(new Date('2031-01-01T00:00:00Z'));
let cosmos: CosmosServer | undefined;
let host: LocalHost;
let fixture: Fixture;
let base = '';
let api = '';
const savedUrl = process.env['LOCAL_SERVICE_BUS_URL'];

beforeAll(async () => {
  cosmos = await startCosmosServer({ port: 0, dataDir: join(dir, 'cosmos') });
  const ca = readFileSync(join(dir, 'cosmos', CERT_FILE));
  const endpoint = cosmos.endpoint;
  host = new LocalHost({
    host: '127.0.0.1',
    port: 0,
    routePrefix: 'api',
    maxRequestBodyBytes: 1024 * 1024,
    functionAppDirectory: dir,
    clock,
    writeLine: (line) => lines.push(line),
    serviceBus: {
      store: new CosmosMessageStore({
        connect: async () =>
          new CosmosClient({
            endpoint,
            key: Buffer.from('local-service-bus-test').toString('base64'),
            agent: new https.Agent({ ca }),
            connectionPolicy: { enableEndpointDiscovery: false },
          }),
        databaseName: 'slcp-servicebus',
      }),
      // The transmission queue with fewer deliveries and a short lock, so the tests stay short.
      queues: [{ ...transmissionQueue, maxDeliveryCount: 3, lockDuration: 'PT2S' }],
      settings: { maxConcurrentCalls: 4, autoCompleteMessages: true, maxAutoLockRenewalMs: 0 },
    },
  });
  mockCoreApi = host.coreApi;
  await host.loadApp(async () => {
    fixture = await import('../fixtures/serviceBusApp');
  });
  await host.start();
  base = `http://127.0.0.1:${host.port}/api`;
  api = host.serviceBusApiUrl();
  process.env['LOCAL_SERVICE_BUS_URL'] = api;
});

afterAll(async () => {
  await host?.stop();
  await cosmos?.close();
  if (savedUrl === undefined) delete process.env['LOCAL_SERVICE_BUS_URL'];
  else process.env['LOCAL_SERVICE_BUS_URL'] = savedUrl;
  rmSync(dir, { recursive: true, force: true });
});

const settle = () => host.serviceBus!.settle();

/** Sends through the fixture app's HTTP function, which uses the app's local MessageQueue adapter. */
async function sendThroughApp(
  messages: {
    messageId: string;
    body: unknown;
    applicationProperties?: Record<string, string>;
    scheduledEnqueueTime?: string;
  }[]
): Promise<number> {
  const response = await fetch(`${base}/sb/send`, { method: 'POST', body: JSON.stringify({ messages }) });
  await settle();
  return response.status;
}

async function sendToApi(messages: unknown[]): Promise<Response> {
  const response = await fetch(`${api}/queues/${queueName}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages }),
  });
  await settle();
  return response;
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 3_000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error(`gave up waiting for ${what}`);
}

const deliveriesOf = (key: string, fn = 'sbWork') =>
  fixture.calls.deliveries.filter((d) => d.key === key && d.fn === fn);

async function devView(): Promise<{
  queues: { name: string; counts: Record<string, number>; deadLetters: Record<string, unknown>[] }[];
  lateOutcomesIgnored: number;
}> {
  const response = await fetch(`${base}/_dev/service-bus`);
  expect(response.status).toBe(200);
  return (await response.json()) as Awaited<ReturnType<typeof devView>>;
}

describe('local Service Bus queue in the local host', () => {
  it('delivers a JSON body as an object, with the trigger metadata the Service Bus extension gives', async () => {
    const sentAt = clock.now().getTime();
    expect(
      await sendThroughApp([
        {
          messageId: 'T-meta',
          body: { key: 'meta', transmissionId: 'T-meta' },
          applicationProperties: { factoryId: 'BD-DEMO0001', TransmissionKind: 'cycle' },
        },
      ])
    ).toBe(202);
    const [delivery] = deliveriesOf('meta');
    expect(delivery!.message).toEqual({ key: 'meta', transmissionId: 'T-meta' });
    const meta = delivery!.triggerMetadata;
    expect(meta).toMatchObject({
      messageId: 'T-meta',
      deliveryCount: 1,
      contentType: 'application/json',
      // @azure/functions camel-cases every key, the application properties' too.
      applicationProperties: { factoryId: 'BD-DEMO0001', transmissionKind: 'cycle' },
      lockToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
      sys: { methodName: 'sbWork' },
    });
    expect(typeof meta['sequenceNumber']).toBe('number');
    expect(meta['enqueuedTimeUtc']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$/);
    const enqueued = Date.parse(String(meta['enqueuedTime']));
    expect(String(meta['enqueuedTime'])).toMatch(/\+00:00$/);
    expect(enqueued).toBeGreaterThanOrEqual(sentAt);
    expect(enqueued).toBeLessThanOrEqual(clock.now().getTime());
    expect((await devView()).queues[0]!.counts).toMatchObject({ active: 0, locked: 0, deadLettered: 0 });
  });

  it('redelivers after a failure with the delivery count raised, and completes on success', async () => {
    expect(await sendThroughApp([{ messageId: 'T-flaky', body: { key: 'flaky', failTimes: 2 } }])).toBe(202);
    expect(deliveriesOf('flaky').map((d) => d.triggerMetadata['deliveryCount'])).toEqual([1, 2, 3]);
    expect(fixture.calls.done.filter((k) => k === 'flaky')).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/\[sbWork\] .*failing on purpose: delivery 2 of flaky/);
    const peek = (await (await fetch(`${api}/queues/${queueName}/messages`)).json()) as { messages: unknown[] };
    expect(peek.messages).toEqual([]);
  });

  it('dead-letters after maxDeliveryCount failures; the dead-letter function gets the reason and description', async () => {
    expect(await sendThroughApp([{ messageId: 'T-poison', body: { key: 'poison', failTimes: 99 } }])).toBe(202);
    expect(deliveriesOf('poison').map((d) => d.triggerMetadata['deliveryCount'])).toEqual([1, 2, 3]);
    const [dead] = deliveriesOf('poison', 'sbDeadLetters');
    expect(dead!.message).toEqual({ key: 'poison', failTimes: 99 });
    expect(dead!.triggerMetadata).toMatchObject({
      messageId: 'T-poison',
      deliveryCount: 4,
      applicationProperties: {
        deadLetterReason: 'MaxDeliveryCountExceeded',
        deadLetterErrorDescription: 'Message could not be consumed after 3 delivery attempts.',
      },
    });
    // The dead-letter function completed it: the dead-letter queue is empty again.
    expect((await devView()).queues[0]!.deadLetters).toEqual([]);
  });

  it('shows a dead letter the dead-letter function could not take, and replays it under a new MessageId', async () => {
    expect(
      await sendThroughApp([{ messageId: 'T-stuck', body: { key: 'stuck', failTimes: 99, failInDeadLetter: true } }])
    ).toBe(202);
    const view = await devView();
    expect(view.queues[0]!.deadLetters).toMatchObject([
      {
        messageId: 'T-stuck',
        reason: 'MaxDeliveryCountExceeded',
        description: 'Message could not be consumed after 3 delivery attempts.',
        lastError: expect.stringMatching(/the dead-letter function fails on purpose for stuck/),
      },
    ]);
    // Dead-lettered after 3 deliveries, then delivered (and failed) in the dead-letter queue at least once.
    expect(view.queues[0]!.deadLetters[0]!['deliveryCount']).toBeGreaterThanOrEqual(4);
    const sequenceNumber = view.queues[0]!.deadLetters[0]!['sequenceNumber'] as number;
    /** Resubmits, waiting while the failing dead-letter function holds the message (it retries after 1 s, 2 s, …). */
    const resubmit = async (
      body?: unknown
    ): Promise<{ status: number; problem: { code?: string; detail?: string } }> => {
      for (;;) {
        const response = await fetch(
          `${api}/queues/${queueName}/$DeadLetterQueue/messages/${sequenceNumber}/resubmit`,
          {
            method: 'POST',
            ...(body ? { body: JSON.stringify(body) } : {}),
          }
        );
        const problem = (await response.json()) as { code?: string; detail?: string };
        if (problem.code !== 'MessageBusy') return { status: response.status, problem };
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const same = await resubmit();
    expect(same.status).toBe(409);
    expect(same.problem).toMatchObject({ code: 'DuplicateMessage' });
    expect(same.problem.detail).toMatch(/duplicate-detection window \(PT1H/);
    const replay = await resubmit({ messageId: 'T-stuck:replay' });
    expect(replay.status).toBe(201);
    await settle();
    expect(deliveriesOf('stuck').at(-1)!.triggerMetadata).toMatchObject({
      messageId: 'T-stuck:replay',
      deliveryCount: 1,
    });
    expect(fixture.calls.done).toContain('stuck');
    expect((await devView()).queues[0]!.deadLetters).toEqual([]);
  });

  it('drops a second message with the same MessageId within the window, and takes it after the window', async () => {
    const first = await sendToApi([{ messageId: 'T-dup', body: { key: 'dup' } }]);
    expect(first.status).toBe(201);
    const again = await sendToApi([{ messageId: 'T-dup', body: { key: 'dup' } }]);
    expect(await again.json()).toEqual({ accepted: [], duplicates: ['T-dup'] });
    expect(deliveriesOf('dup')).toHaveLength(1);
    const moved = await fetch(`${base}/_dev/clock`, { method: 'POST', body: JSON.stringify({ advance: 'PT1H1M' }) });
    expect(moved.status).toBe(200);
    await sendToApi([{ messageId: 'T-dup', body: { key: 'dup' } }]);
    expect(deliveriesOf('dup')).toHaveLength(2);
  });

  it('delivers a scheduled message when the virtual clock reaches its time, not before', async () => {
    const at = new Date(clock.now().getTime() + 2 * 3_600_000);
    expect(
      await sendThroughApp([{ messageId: 'T-later', body: { key: 'later' }, scheduledEnqueueTime: at.toISOString() }])
    ).toBe(202);
    expect(deliveriesOf('later')).toEqual([]);
    const peek = (await (await fetch(`${api}/queues/${queueName}/messages`)).json()) as {
      messages: { messageId: string; state: string }[];
    };
    expect(peek.messages).toMatchObject([{ messageId: 'T-later', state: 'scheduled' }]);
    await fetch(`${base}/_dev/clock`, { method: 'POST', body: JSON.stringify({ advance: 'PT1H' }) });
    expect(deliveriesOf('later')).toEqual([]);
    await fetch(`${base}/_dev/clock`, { method: 'POST', body: JSON.stringify({ advance: 'PT1H' }) });
    expect(deliveriesOf('later')).toHaveLength(1);
    expect(Date.parse(String(deliveriesOf('later')[0]!.triggerMetadata['enqueuedTime']))).toBe(at.getTime());
  });

  it('a delivery that outlives its lock is delivered again, and its late completion is ignored', async () => {
    const before = (await devView()).lateOutcomesIgnored;
    const sent = fetch(`${base}/sb/send`, {
      method: 'POST',
      body: JSON.stringify({ messages: [{ messageId: 'T-slow', body: { key: 'slow', holdOnce: true } }] }),
    });
    expect((await sent).status).toBe(202);
    // The first delivery holds on past the 2 s lock (real time passes on the virtual clock too).
    await until('the second delivery', () => deliveriesOf('slow').length === 2);
    expect(deliveriesOf('slow').map((d) => d.triggerMetadata['deliveryCount'])).toEqual([1, 2]);
    fixture.release('slow');
    await settle();
    expect(fixture.calls.done.filter((k) => k === 'slow')).toHaveLength(2); // at least once: both ran to the end
    expect((await devView()).lateOutcomesIgnored).toBe(before + 1);
    expect(lines.join('\n')).toMatch(/lock on message T-slow .* expired after 2 s/);
    expect((await devView()).queues[0]!.counts).toMatchObject({ active: 0, locked: 0 });
  });

  it("runs at most host.json's maxConcurrentCalls deliveries of a function at once", async () => {
    fixture.calls.maxRunning = 0;
    const keys = Array.from({ length: 10 }, (_, i) => `held-${i}`);
    // Not settled here: the held deliveries do not finish until released.
    const sent = await fetch(`${base}/sb/send`, {
      method: 'POST',
      body: JSON.stringify({ messages: keys.map((key) => ({ messageId: `T-${key}`, body: { key, hold: true } })) }),
    });
    expect(sent.status).toBe(202);
    await until('4 deliveries', () => fixture.calls.running === 4);
    expect((await devView()).queues[0]!.counts).toMatchObject({ locked: 4, active: 6 });
    for (const key of keys) fixture.release(key);
    await settle();
    expect(fixture.calls.maxRunning).toBe(4);
    expect(keys.every((key) => fixture.calls.done.includes(key))).toBe(true);
  });

  it('takes a send all or nothing, and the local adapter reports a refused send', async () => {
    const response = await sendToApi([
      { messageId: 'T-ok', body: { key: 'ok' } },
      { messageId: 'x'.repeat(129), body: { key: 'bad' } },
    ]);
    expect(response.status).toBe(400);
    const big = await sendToApi([
      { messageId: 'T-ok', body: { key: 'ok' } },
      { messageId: 'T-big', body: { key: 'big', text: 'x'.repeat(300 * 1024) } },
    ]);
    expect(big.status).toBe(413);
    expect(deliveriesOf('ok')).toEqual([]);
    const adapter = localMessageQueue({ url: api });
    const failure = await adapter.send('no-such-queue', [{ messageId: 'T-1', body: {} }]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MessageQueueError);
    expect(failure).toMatchObject({ code: 'MessagingEntityNotFound', retryable: false, queueName: 'no-such-queue' });
    const unset = await localMessageQueue({ url: undefined })
      .send(queueName, [{ messageId: 'T-1', body: {} }])
      .catch((e: unknown) => e);
    expect(unset).toMatchObject({ code: 'NotConfigured' });
  });

  it('splits a large send through the local adapter the way the Azure adapter batches it, none lost', async () => {
    const adapter = localMessageQueue({ url: api });
    const keys = Array.from({ length: 150 }, (_, i) => `bulk-${i}`);
    await adapter.send(
      queueName,
      keys.map((key) => ({ messageId: `T-${key}`, body: { key } }))
    );
    await settle();
    expect(keys.filter((key) => fixture.calls.done.includes(key))).toHaveLength(150);
  });

  it('refuses at start a function on a queue that is not declared', async () => {
    const other = new LocalHost({
      host: '127.0.0.1',
      port: 0,
      routePrefix: 'api',
      maxRequestBodyBytes: 1024,
      functionAppDirectory: dir,
      clock,
      writeLine: () => undefined,
      serviceBus: { queues: [{ ...transmissionQueue, name: 'something-else' }] },
    });
    const saved = mockCoreApi;
    mockCoreApi = other.coreApi;
    try {
      other.registry.registerFunction(
        {
          name: 'orphan',
          bindings: {
            trigger: {
              type: 'serviceBusTrigger',
              direction: 'in',
              queueName: 'gateway-transmissions',
              connection: 'ServiceBus',
            },
          },
        },
        () => undefined
      );
      await expect(other.start()).rejects.toThrow(
        /Function "orphan" cannot listen on its Service Bus queue: The messaging entity 'gateway-transmissions' could not be found/
      );
    } finally {
      mockCoreApi = saved;
      await other.stop().catch(() => undefined);
    }
  });
});
