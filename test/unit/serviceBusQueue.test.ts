// The local Service Bus queue's state machine (local/serviceBus/engine.ts) on an in-memory store and a
// virtual clock moved through the host's scheduler: peek-lock, complete, abandon, dead-lettering at the
// maximum delivery count, lock expiry, scheduled delivery, duplicate detection, restart recovery, resubmit.
import { LocalClock } from '../../local/clock';
import { LocalServiceBus, LocalServiceBusError, type ReceivedMessage } from '../../local/serviceBus/engine';
import type { QueueDeclaration } from '../../local/serviceBus/model';
import { MemoryMessageStore } from '../../local/serviceBus/store';
import { Scheduler } from '../../local/timers/scheduler';

const queue: QueueDeclaration = {
  name: 'work',
  maxDeliveryCount: 3,
  lockDuration: 'PT30S',
  duplicateDetectionWindow: 'PT1H',
};
const dlq = 'work/$DeadLetterQueue';
const start = new Date('2031-03-01T08:00:00.000Z');

interface Rig {
  bus: LocalServiceBus;
  clock: LocalClock;
  scheduler: Scheduler;
  store: MemoryMessageStore;
  logs: string[];
  advance(ms: number): Promise<void>;
}

const rigs: LocalServiceBus[] = [];
afterEach(async () => {
  for (const bus of rigs.splice(0)) await bus.stop();
});

async function rig(
  options: { store?: MemoryMessageStore; clock?: LocalClock; renewMs?: number; start?: boolean } = {}
): Promise<Rig> {
  const clock = options.clock ?? new StillClock();
  const store = options.store ?? new MemoryMessageStore();
  const logs: string[] = [];
  const scheduler = new Scheduler(clock, (line) => logs.push(`[scheduler] ${line}`));
  const bus = new LocalServiceBus({
    queues: [queue],
    store,
    clock,
    settings: { maxConcurrentCalls: 2, autoCompleteMessages: true, maxAutoLockRenewalMs: options.renewMs ?? 0 },
    log: (level, message) => logs.push(`${level}: ${message}`),
    onDueChanged: () => scheduler.changed(),
  });
  rigs.push(bus);
  scheduler.add(bus);
  if (options.start !== false) await bus.start();
  return {
    bus,
    clock,
    scheduler,
    store,
    logs,
    advance: (ms) => scheduler.advanceTo(new Date(clock.now().getTime() + ms)),
  };
}

/** A virtual clock that stands still between jumps, so times can be compared exactly. */
class StillClock extends LocalClock {
  private at = start.getTime();
  constructor() {
    super('virtual');
  }
  override now(): Date {
    return new Date(this.at);
  }
  override jumpTo(target: Date): void {
    if (target.getTime() < this.at) throw new Error('the clock only moves forward');
    this.at = target.getTime();
  }
}

const order = (key: string) => ({ messageId: key, body: { key } });

/** Waits (event loop turns, no clock) until the condition holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error('the condition never held');
}

async function receive(bus: LocalServiceBus, entity = 'work'): Promise<ReceivedMessage> {
  const message = await bus.receive(entity);
  if (!message) throw new Error(`nothing to receive from ${entity}`);
  return message;
}

describe('local Service Bus queue: peek-lock and settlement', () => {
  it('delivers under a peek-lock with delivery count 1; complete removes the message', async () => {
    const { bus } = await rig();
    const sent = await bus.send('work', [{ ...order('m-1'), applicationProperties: { kind: 'transmission' } }]);
    expect(sent).toEqual({ accepted: [{ messageId: 'm-1', sequenceNumber: 1 }], duplicates: [] });
    const message = await receive(bus);
    expect(message).toMatchObject({
      messageId: 'm-1',
      sequenceNumber: 1,
      deliveryCount: 1,
      body: '{"key":"m-1"}',
      applicationProperties: { kind: 'transmission' },
    });
    expect(message.enqueuedTime).toEqual(start);
    expect(message.lockedUntil).toEqual(new Date(start.getTime() + 30_000));
    expect(await bus.receive('work')).toBeUndefined(); // locked: nobody else gets it
    expect(bus.counts('work')).toMatchObject({ active: 0, locked: 1 });
    await bus.complete(message.lockToken);
    expect(bus.peek('work')).toEqual([]);
    expect(bus.counts('work')).toEqual({ active: 0, scheduled: 0, locked: 0, deadLettered: 0, completedInWindow: 1 });
    await expect(bus.complete(message.lockToken)).rejects.toMatchObject({ code: 'MessageLockLost' });
  });

  it('abandon makes the message available again at once; the next delivery counts one more', async () => {
    const { bus } = await rig();
    await bus.send('work', [order('m-2')]);
    const first = await receive(bus);
    await bus.abandon(first.lockToken, 'Gateway answered 503');
    expect(bus.peek('work')).toMatchObject([
      { messageId: 'm-2', state: 'active', deliveryCount: 1, lastError: 'Gateway answered 503' },
    ]);
    const second = await receive(bus);
    expect(second.deliveryCount).toBe(2);
    expect(second.sequenceNumber).toBe(first.sequenceNumber);
    await bus.complete(second.lockToken);
  });

  it('dead-letters after maxDeliveryCount failed deliveries with MaxDeliveryCountExceeded, as Service Bus words it', async () => {
    const { bus } = await rig();
    await bus.send('work', [{ ...order('m-3'), applicationProperties: { transmissionId: 'T-3' } }]);
    for (let delivery = 1; delivery <= 3; delivery++) {
      const message = await receive(bus);
      expect(message.deliveryCount).toBe(delivery);
      await bus.abandon(message.lockToken, `failure ${delivery}`);
    }
    expect(await bus.receive('work')).toBeUndefined();
    expect(bus.counts('work')).toMatchObject({ active: 0, deadLettered: 1 });
    expect(bus.peek(dlq)).toMatchObject([
      {
        messageId: 'm-3',
        state: 'deadLettered',
        deliveryCount: 3,
        deadLetterReason: 'MaxDeliveryCountExceeded',
        deadLetterErrorDescription: 'Message could not be consumed after 3 delivery attempts.',
        lastError: 'failure 3',
        applicationProperties: {
          transmissionId: 'T-3',
          DeadLetterReason: 'MaxDeliveryCountExceeded',
          DeadLetterErrorDescription: 'Message could not be consumed after 3 delivery attempts.',
        },
      },
    ]);
    const dead = await receive(bus, 'WORK/$deadletterqueue'); // entity names are case-insensitive
    expect(dead).toMatchObject({
      subQueue: 'deadLetter',
      deliveryCount: 4,
      deadLetterReason: 'MaxDeliveryCountExceeded',
    });
    await bus.complete(dead.lockToken);
    expect(bus.peek(dlq)).toEqual([]);
  });

  it('a receiver may dead-letter a message itself, with its own reason; a dead letter cannot be dead-lettered again', async () => {
    const { bus } = await rig();
    await bus.send('work', [order('m-4')]);
    const message = await receive(bus);
    await bus.deadLetter(message.lockToken, 'PayloadInvalid', 'the payload failed validation');
    expect(bus.peek(dlq)).toMatchObject([{ deadLetterReason: 'PayloadInvalid', deliveryCount: 1 }]);
    const dead = await receive(bus, dlq);
    await expect(bus.deadLetter(dead.lockToken, 'again', 'again')).rejects.toMatchObject({ code: 'InvalidMessage' });
  });
});

describe('local Service Bus queue: locks on the clock', () => {
  it('a lock that expires makes the message deliverable again; the late completion is refused (MessageLockLost)', async () => {
    const { bus, advance, logs } = await rig();
    await bus.send('work', [order('m-5')]);
    const first = await receive(bus);
    await advance(29_000);
    expect(await bus.receive('work')).toBeUndefined(); // still locked
    await advance(2_000);
    expect(logs.join('\n')).toMatch(/lock on message m-5 \(#1\) of work expired after 30 s/);
    const second = await receive(bus);
    expect(second.deliveryCount).toBe(2);
    await expect(bus.complete(first.lockToken)).rejects.toBeInstanceOf(LocalServiceBusError);
    await bus.complete(second.lockToken);
    expect(bus.metrics()).toMatchObject({ locksExpired: 1, completed: 1 });
  });

  it('a lock that expires on the last allowed delivery dead-letters the message', async () => {
    const { bus, advance } = await rig();
    await bus.send('work', [order('m-6')]);
    for (let i = 0; i < 3; i++) {
      await receive(bus);
      await advance(31_000);
    }
    expect(bus.peek(dlq)).toMatchObject([
      {
        messageId: 'm-6',
        deadLetterReason: 'MaxDeliveryCountExceeded',
        lastError: expect.stringMatching(/lock expired/),
      },
    ]);
  });

  it('a trigger renews its lock up to maxAutoLockRenewalDuration: a slow handler keeps its message that long', async () => {
    const { bus, clock, advance } = await rig({ renewMs: 5 * 60_000 });
    await bus.send('work', [order('m-7')]);
    let releaseHandler = () => undefined as void;
    const handled: number[] = [];
    bus.listen('work', {
      name: 'slow',
      maxConcurrentCalls: 2,
      handle: async (message) => {
        handled.push(message.deliveryCount);
        if (message.deliveryCount === 1) await new Promise<void>((resolve) => (releaseHandler = resolve));
      },
    });
    await until(() => handled.length === 1);
    const lockedAt = clock.now().getTime();
    // The scheduler would wait for the running delivery to settle before moving: move the clock and fire.
    clock.jumpTo(new Date(lockedAt + 4 * 60_000));
    await bus.fireDue(clock.now());
    expect(bus.counts('work').locked).toBe(1); // renewed past the 30 s lock duration
    clock.jumpTo(new Date(lockedAt + 5 * 60_000 + 1_000));
    await bus.fireDue(clock.now());
    await until(() => handled.length === 2);
    expect(handled).toEqual([1, 2]); // lost after 5 min: delivered again
    releaseHandler();
    await bus.settle();
    expect(bus.metrics()).toMatchObject({ lateOutcomesIgnored: 1, completed: 1 });
    await advance(1);
  });
});

describe('local Service Bus queue: scheduled delivery and duplicate detection on the project clock', () => {
  it('delivers a scheduled message no earlier than its scheduled enqueue time on the virtual clock', async () => {
    const { bus, clock, advance } = await rig();
    const at = new Date(clock.now().getTime() + 3_600_000);
    await bus.send('work', [{ ...order('m-8'), scheduledEnqueueTime: at }]);
    expect(bus.peek('work')).toMatchObject([
      { messageId: 'm-8', state: 'scheduled', scheduledEnqueueTimeUtc: at.toISOString() },
    ]);
    expect(bus.nextDue()).toEqual(at);
    expect(await bus.receive('work')).toBeUndefined();
    await advance(3_599_000);
    expect(await bus.receive('work')).toBeUndefined();
    await advance(1_000);
    const message = await receive(bus);
    expect(message.enqueuedTime).toEqual(at);
    expect(bus.peek('work')).toMatchObject([{ state: 'locked' }]);
  });

  it('a virtual-clock jump waits at each instant for the deliveries due there', async () => {
    const { bus, clock, scheduler } = await rig();
    const seen: { key: string; at: string }[] = [];
    bus.listen('work', {
      name: 'recorder',
      maxConcurrentCalls: 2,
      handle: async (message) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen.push({ key: (JSON.parse(message.body) as { key: string }).key, at: clock.now().toISOString() });
      },
    });
    const t0 = clock.now().getTime();
    await bus.send('work', [
      { ...order('later'), scheduledEnqueueTime: new Date(t0 + 7_200_000) },
      { ...order('sooner'), scheduledEnqueueTime: new Date(t0 + 3_600_000) },
    ]);
    await scheduler.advanceTo(new Date(t0 + 86_400_000));
    // Each was handled at its own moment, not at the jump's end.
    expect(seen).toEqual([
      { key: 'sooner', at: new Date(t0 + 3_600_000).toISOString() },
      { key: 'later', at: new Date(t0 + 7_200_000).toISOString() },
    ]);
  });

  it('drops a MessageId accepted within the duplicate-detection window, in the same send too, and accepts it after', async () => {
    const { bus, advance } = await rig();
    expect((await bus.send('work', [order('m-9'), order('m-9')])).duplicates).toEqual(['m-9']);
    const message = await receive(bus);
    await bus.complete(message.lockToken);
    await advance(59 * 60_000);
    expect(await bus.send('work', [order('m-9'), order('m-10')])).toEqual({
      accepted: [{ messageId: 'm-10', sequenceNumber: 2 }],
      duplicates: ['m-9'],
    });
    await advance(60_000);
    expect((await bus.send('work', [order('m-9')])).accepted).toEqual([{ messageId: 'm-9', sequenceNumber: 3 }]);
    expect(bus.metrics().duplicatesDropped).toBe(2);
  });
});

describe('local Service Bus queue: sends are all or nothing', () => {
  it('a send the store does not take is refused whole, and the same send succeeds when repeated', async () => {
    const { bus, store } = await rig();
    store.failNext = 1;
    await expect(bus.send('work', [order('a'), order('b')])).rejects.toMatchObject({ code: 'ServiceUnavailable' });
    expect(bus.peek('work')).toEqual([]);
    expect((await bus.send('work', [order('a'), order('b')])).accepted.map((m) => m.messageId)).toEqual(['a', 'b']);
  });

  it('refuses, whole, a send with an oversized or unnamed message, and unknown queues', async () => {
    const { bus } = await rig();
    const big = { messageId: 'big', body: { text: 'x'.repeat(300 * 1024) } };
    await expect(bus.send('work', [order('ok'), big])).rejects.toMatchObject({ code: 'MessageSizeExceeded' });
    await expect(bus.send('work', [order('ok'), { messageId: '', body: 1 }])).rejects.toMatchObject({
      code: 'InvalidMessage',
    });
    await expect(bus.send('nowhere', [order('ok')])).rejects.toMatchObject({ code: 'MessagingEntityNotFound' });
    await expect(bus.send(dlq, [order('ok')])).rejects.toMatchObject({ code: 'InvalidMessage' });
    expect(bus.peek('work')).toEqual([]);
  });
});

describe('local Service Bus queue: triggers (listeners)', () => {
  it('completes when the handler returns and redelivers when it throws, up to the maximum', async () => {
    const { bus } = await rig();
    const counts: Record<string, number[]> = {};
    bus.listen('work', {
      name: 'flaky',
      maxConcurrentCalls: 2,
      handle: async (message) => {
        const { key } = JSON.parse(message.body) as { key: string };
        (counts[key] ??= []).push(message.deliveryCount);
        if (key === 'twice' && message.deliveryCount <= 2) throw new Error('not yet');
        if (key === 'never') throw new Error('never');
      },
    });
    const deadLetters: string[] = [];
    bus.listen(dlq, {
      name: 'deadLetters',
      maxConcurrentCalls: 1,
      handle: async (message) => void deadLetters.push(`${message.messageId}:${message.deadLetterReason}`),
    });
    await bus.send('work', [order('once'), order('twice'), order('never')]);
    await bus.settle();
    expect(counts).toEqual({ once: [1], twice: [1, 2, 3], never: [1, 2, 3] });
    expect(deadLetters).toEqual(['never:MaxDeliveryCountExceeded']);
    expect(bus.counts('work')).toMatchObject({ active: 0, locked: 0, deadLettered: 0 });
  });

  it('runs at most maxConcurrentCalls deliveries of a function at once', async () => {
    const { bus } = await rig();
    let running = 0;
    let most = 0;
    bus.listen('work', {
      name: 'bounded',
      maxConcurrentCalls: 3,
      handle: async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 2));
        running--;
      },
    });
    await bus.send(
      'work',
      Array.from({ length: 20 }, (_, i) => order(`c-${i}`))
    );
    expect(bus.counts('work')).toMatchObject({ locked: 3, active: 17 });
    await bus.settle();
    expect(most).toBe(3);
    expect(bus.metrics()).toMatchObject({ completed: 20, deliveries: 20 });
  });

  it('retries a failing dead-letter function after a growing delay instead of at once', async () => {
    const { bus, advance } = await rig();
    const tries: number[] = [];
    bus.listen(dlq, {
      name: 'failingDeadLetters',
      maxConcurrentCalls: 1,
      handle: async (message) => {
        tries.push(message.deliveryCount);
        throw new Error('alerting is down');
      },
    });
    await bus.send('work', [order('m-11')]);
    for (let i = 0; i < 3; i++) await bus.abandon((await receive(bus)).lockToken);
    await bus.settle();
    expect(tries).toEqual([4]);
    await advance(999);
    expect(tries).toEqual([4]);
    await advance(1);
    expect(tries).toEqual([4, 5]);
    await advance(2_000);
    expect(tries).toEqual([4, 5, 6]);
  });
});

describe('local Service Bus queue: restart and resubmit', () => {
  it('after a restart a message that was locked is delivered again with its count raised; others are kept', async () => {
    const store = new MemoryMessageStore();
    const clock = new StillClock();
    const first = await rig({ store, clock });
    await first.bus.send('work', [
      order('locked-1'),
      order('waiting-1'),
      { ...order('later-1'), scheduledEnqueueTime: new Date(start.getTime() + 60_000) },
    ]);
    const held = await receive(first.bus);
    expect(held.messageId).toBe('locked-1');
    // The process dies: nothing more is written; a new queue loads the same store.
    const second = await rig({ store, clock });
    expect(second.logs.join('\n')).toMatch(
      /3 messages loaded \(2 active, 1 scheduled, 0 dead-lettered\); 1 locks of the previous run released/
    );
    const again = await receive(second.bus);
    expect(again).toMatchObject({ messageId: 'locked-1', deliveryCount: 2 });
    const waiting = await receive(second.bus);
    expect(waiting).toMatchObject({ messageId: 'waiting-1', deliveryCount: 1 });
    await second.bus.complete(again.lockToken);
    await second.bus.complete(waiting.lockToken);
    await second.advance(60_000);
    expect(await receive(second.bus)).toMatchObject({ messageId: 'later-1', deliveryCount: 1 });
    expect((await second.bus.send('work', [order('locked-1')])).duplicates).toEqual(['locked-1']);
    expect((await second.bus.send('work', [order('new-1')])).accepted[0]!.sequenceNumber).toBe(4);
  });

  it('resubmits a dead letter: refused under its MessageId within the window, accepted under a new one', async () => {
    const { bus, advance } = await rig();
    await bus.send('work', [{ ...order('m-12'), applicationProperties: { transmissionId: 'T-12' } }]);
    const message = await receive(bus);
    await bus.deadLetter(message.lockToken, 'GatewayOutage', 'the Gateway was down for 2 hours');
    await expect(bus.resubmit('work', message.sequenceNumber)).rejects.toMatchObject({ code: 'DuplicateMessage' });
    expect(bus.peek(dlq)).toHaveLength(1);
    const replay = await bus.resubmit('work', message.sequenceNumber, 'm-12:replay');
    expect(bus.peek(dlq)).toEqual([]);
    expect(bus.peek('work')).toMatchObject([
      {
        messageId: 'm-12:replay',
        sequenceNumber: replay.sequenceNumber,
        deliveryCount: 0,
        resubmittedFrom: message.sequenceNumber,
        applicationProperties: { transmissionId: 'T-12' },
      },
    ]);
    expect(bus.peek('work')[0]!.applicationProperties).not.toHaveProperty('DeadLetterReason');
    // After the window, the original MessageId is accepted again.
    const again = await receive(bus);
    await bus.deadLetter(again.lockToken, 'GatewayOutage', 'again');
    await advance(3_600_001);
    expect(await bus.resubmit('work', again.sequenceNumber, 'm-12')).toMatchObject({ messageId: 'm-12' });
  });
});
