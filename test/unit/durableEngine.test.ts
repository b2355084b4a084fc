// The local durable engine through the real replay of `durable-functions`: orchestrators registered with
// df.app.orchestration, run by the engine through the host's invocation path, on an in-memory store and a
// virtual clock. What goes in is a history, what comes out the actions; these tests check that the engine
// numbers the work it schedules as the SDK does (a wrong number hands a result to the wrong task, or none).
import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { LocalClock } from '../../local/clock';
import { createCoreApi, type CoreApi } from '../../local/core/coreApi';
import { FunctionRegistry } from '../../local/core/registry';
import { clientData, durableClientInputs } from '../../local/durable/clientData';
import { DurableEngine } from '../../local/durable/engine';
import { EventType, type HistoryEvent } from '../../local/durable/history';
import type { InstanceDoc } from '../../local/durable/instance';
import { hostDurableFunctions } from '../../local/durable/invoker';
import { retryDelayMs } from '../../local/durable/model';
import { defaultDurableTaskSettings, durableTaskSettings, timeSpanMs } from '../../local/durable/settings';
import { MemoryInstanceStore, type InstanceStore } from '../../local/durable/store';
import { refusedTriggers, supportedTriggers } from '../../local/host';
import { Scheduler } from '../../local/timers/scheduler';

let mockCoreApi: CoreApi | undefined = undefined;
jest.mock(
  '@azure/functions-core',
  () =>
    new Proxy(
      {},
      { get: (_target, property) => (mockCoreApi as unknown as Record<string | symbol, unknown>)[property] }
    ),
  { virtual: true }
);

const day = 24 * 3600 * 1000;
const registry = new FunctionRegistry(supportedTriggers, refusedTriggers);
const logs: string[] = [];
mockCoreApi = createCoreApi(registry, (_level, _category, message) => logs.push(message));

const counts = new Map<string, number>();
const gates = new Map<string, () => void>();
let storeForChecks: InstanceStore | undefined;
const scheduledWhenRun: boolean[] = [];
let replayFlip = false;

df.app.activity('echo', { handler: (input: unknown) => input });
df.app.activity('flakyU', {
  handler: (key: unknown) => {
    const n = (counts.get(String(key)) ?? 0) + 1;
    counts.set(String(key), n);
    if (n <= 2) throw new Error(`flakyU ${String(key)} attempt ${n}`);
    return `ok after ${n}`;
  },
});
df.app.activity('held', {
  handler: async (key: unknown) => {
    counts.set(`held:${String(key)}`, (counts.get(`held:${String(key)}`) ?? 0) + 1);
    await new Promise<void>((resolve) => gates.set(String(key), resolve));
    return `released ${String(key)}`;
  },
});
df.app.activity('checkWriteAhead', {
  handler: async (instanceId: unknown) => {
    const stored = await storeForChecks!.read(String(instanceId));
    scheduledWhenRun.push(
      stored?.doc.history.some((e) => e.EventType === EventType.TaskScheduled && e.Name === 'checkWriteAhead') ?? false
    );
    return 'checked';
  },
});

df.app.orchestration('interleaved', function* (context: OrchestrationContext) {
  const start = context.df.currentUtcDateTime.getTime();
  const retried = context.df.callActivityWithRetry('flakyU', new df.RetryOptions(1000, 3), context.df.instanceId);
  const long = context.df.createTimer(new Date(start + 20 * day));
  const plain = context.df.callActivity('echo', 'x');
  const results = (yield context.df.Task.all([retried, long, plain])) as unknown[];
  const after: unknown = yield context.df.callActivity('echo', 'y');
  return { retried: results[0], plain: results[2], after, at: context.df.currentUtcDateTime.toISOString() };
});

df.app.orchestration('raceRetry', function* (context: OrchestrationContext) {
  const retried = context.df.callActivityWithRetry('flakyU', new df.RetryOptions(5000, 3), context.df.instanceId);
  const event = context.df.waitForExternalEvent('Poke');
  const first: unknown = yield context.df.Task.any([retried, event]);
  const second: unknown = first === event ? yield retried : yield event;
  const tail: unknown = yield context.df.callActivity('echo', 'tail');
  return { firstWasEvent: first === event, second, event: event.result, tail };
});

df.app.orchestration('roundTrip', function* (context: OrchestrationContext) {
  const values: unknown[] = [];
  for (const input of ['abc', '{"a":1}', 5, { a: [1, 2] }, null, undefined, true]) {
    values.push(yield context.df.callActivity('echo', input));
  }
  const input = context.df.getInput();
  if (input === 'second') return values;
  context.df.continueAsNew('second');
  return undefined;
});

df.app.orchestration('flipper', function* (context: OrchestrationContext) {
  yield context.df.callActivity(replayFlip ? 'flakyU' : 'echo', 'a');
  replayFlip = true;
  yield context.df.callActivity('echo', 'b');
  return 'done';
});

df.app.orchestration('entityUser', function* (context: OrchestrationContext) {
  yield context.df.callEntity(new df.EntityId('counter', 'k'), 'add', 1);
  return 'never';
});

df.app.orchestration('writeAhead', function* (context: OrchestrationContext) {
  return yield context.df.callActivity('checkWriteAhead', context.df.instanceId);
});

df.app.orchestration('heldWithTimer', function* (context: OrchestrationContext) {
  const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + day));
  const held = context.df.callActivity('held', context.df.instanceId);
  const [, released] = (yield context.df.Task.all([timer, held])) as unknown[];
  return released;
});

df.app.orchestration('earlyEvent', function* (context: OrchestrationContext) {
  return yield context.df.waitForExternalEvent('Early');
});

df.app.orchestration('flakyChild', function* (context: OrchestrationContext) {
  return yield context.df.callActivity('flakyU', context.df.getInput());
});

df.app.orchestration('retryingParent', function* (context: OrchestrationContext) {
  const named: unknown = yield context.df.callSubOrchestratorWithRetry(
    'flakyChild',
    new df.RetryOptions(1000, 3),
    `${context.df.instanceId}-named`,
    `${context.df.instanceId}-child`
  );
  const unnamed: unknown = yield context.df.callSubOrchestratorWithRetry(
    'flakyChild',
    new df.RetryOptions(1000, 3),
    `${context.df.instanceId}-unnamed`
  );
  return { named, unnamed };
});

df.app.orchestration('continueWhileBusy', function* (context: OrchestrationContext) {
  if (context.df.getInput() === 'second') return yield context.df.callActivity('echo', 'second execution');
  const busy = context.df.callActivity('held', context.df.instanceId);
  const go = context.df.waitForExternalEvent('Go');
  yield context.df.Task.any([busy, go]);
  context.df.continueAsNew('second');
  return undefined;
});

df.app.orchestration('sleepUntil', function* (context: OrchestrationContext) {
  yield context.df.createTimer(new Date(String(context.df.getInput())));
  return context.df.currentUtcDateTime.toISOString();
});

function engineOn(store: InstanceStore, clock: LocalClock): DurableEngine {
  return new DurableEngine({
    store,
    functions: hostDurableFunctions(
      registry,
      () => undefined,
      () => clientData(7071, 'unit')
    ),
    clock,
    settings: { ...defaultDurableTaskSettings, hubName: 'unit' },
    log: (level, message) => logs.push(`${level}: ${message}`),
  });
}

function setUp() {
  const clock = new LocalClock('virtual');
  clock.jumpTo(new Date('2030-01-01T00:00:00Z'));
  const store = new MemoryInstanceStore();
  const engine = engineOn(store, clock);
  const scheduler = new Scheduler(clock, (line) => logs.push(line));
  scheduler.add(engine);
  return { clock, store, engine, scheduler };
}

async function finished(engine: DurableEngine, id: string): Promise<InstanceDoc> {
  await engine.settle();
  const doc = await engine.get(id);
  if (!doc) throw new Error(`no instance ${id}`);
  return doc;
}

function types(history: HistoryEvent[]): string[] {
  return history
    .filter((e) => e.EventType !== EventType.OrchestratorStarted && e.EventType !== EventType.OrchestratorCompleted)
    .map((e) => {
      const name = Object.entries(EventType).find(([, code]) => code === e.EventType)?.[0] ?? '?';
      const id = e.EventId >= 0 ? e.EventId : (e.TaskScheduledId ?? e.TimerId);
      return id === undefined ? name : `${name}#${id}`;
    });
}

describe('local durable engine, through the real replay', () => {
  it('numbers a retried activity, a long timer and an activity awaited together as the SDK does', async () => {
    const { engine, scheduler } = setUp();
    await engine.start();
    await engine.startNew('interleaved', 'i-1', undefined);
    await engine.settle();
    await scheduler.advanceTo(new Date('2030-01-25T00:00:00Z'));
    const doc = await finished(engine, 'i-1');
    expect(doc.status).toBe('Completed');
    expect(JSON.parse(doc.output!)).toEqual({
      retried: 'ok after 3',
      plain: 'x',
      after: 'y',
      at: expect.stringMatching(/^2030-01-21T00:00:00/),
    });
    const timers = doc.history.filter((e) => e.EventType === EventType.TimerCreated);
    // Two retry timers (1 s each, backoff 1), and the 20-day timer in 3-day pieces, the last one at the final
    // time: 20 days after the first episode's time.
    const startedAt = Date.parse(doc.history.find((e) => e.EventType === EventType.OrchestratorStarted)!.Timestamp);
    const final = new Date(startedAt + 20 * day).toISOString();
    expect(timers.filter((t) => t.FireAt === final)).toHaveLength(1);
    expect(timers.filter((t) => Date.parse(t.FireAt!) - Date.parse(t.Timestamp) === 1000)).toHaveLength(2);
    const pieces = timers.filter((t) => Date.parse(t.FireAt!) - Date.parse(t.Timestamp) === 3 * day);
    expect(pieces.length).toBe(5);
    expect(types(doc.history).slice(0, 5)).toEqual([
      'ExecutionStarted',
      'TaskScheduled#0',
      'TimerCreated#1',
      'TaskScheduled#2',
      'TaskFailed#0',
    ]);
  });

  it('fires timers due within a second after the earliest together, at the last of them, never past the jump', async () => {
    const { engine, scheduler } = setUp();
    await engine.start();
    const t = (ms: number) => new Date(Date.parse('2030-01-02T00:00:00Z') + ms).toISOString();
    const sleepers = { a: t(0), b: t(400), c: t(900), d: t(5_000) };
    for (const [id, fireAt] of Object.entries(sleepers))
      await engine.startNew('sleepUntil', id, JSON.stringify(fireAt));
    await engine.settle();
    expect(engine.nextDue()?.toISOString()).toBe(t(900));
    expect(engine.nextDue(new Date(t(100)))?.toISOString()).toBe(t(100));
    expect(engine.nextDue(new Date(t(-1_000)))?.toISOString()).toBe(t(0));
    // a jump to a target between them fires what is due by the target, there
    await scheduler.advanceTo(new Date(t(100)));
    expect(JSON.parse((await finished(engine, 'a')).output!)).toBe(t(100));
    expect((await finished(engine, 'b')).status).toBe('Running');
    await scheduler.advanceTo(new Date(t(10_000)));
    const woke = async (id: string) => JSON.parse((await finished(engine, id)).output!) as string;
    expect([await woke('b'), await woke('c'), await woke('d')]).toEqual([t(900), t(900), t(5_000)]);
  });

  it('keeps the numbering when an event and a retry race in Task.any', async () => {
    const { engine, scheduler } = setUp();
    await engine.start();
    await engine.startNew('raceRetry', 'r-1', undefined);
    await engine.settle();
    await engine.raiseEvent('r-1', 'Poke', JSON.stringify({ poked: true }));
    await engine.settle();
    await scheduler.advanceTo(new Date('2030-01-02T00:00:00Z'));
    const doc = await finished(engine, 'r-1');
    expect(doc.status).toBe('Completed');
    expect(JSON.parse(doc.output!)).toEqual({
      firstWasEvent: true,
      second: 'ok after 3',
      event: { poked: true },
      tail: 'tail',
    });
  });

  it('passes activity and continueAsNew inputs and results through unchanged', async () => {
    const { engine } = setUp();
    await engine.start();
    await engine.startNew('roundTrip', 'rt-1', undefined);
    const doc = await finished(engine, 'rt-1');
    expect(doc.status).toBe('Completed');
    expect(JSON.parse(doc.output!)).toEqual(['abc', '{"a":1}', 5, { a: [1, 2] }, null, null, true]);
    expect(JSON.parse(doc.input!)).toBe('second');
    // The history restarted with the new execution.
    expect(types(doc.history)[0]).toBe('ExecutionStarted');
    expect(doc.history.filter((e) => e.EventType === EventType.ExecutionStarted)).toHaveLength(1);
  });

  it('fails an orchestrator whose replay differs from its first run, saying so', async () => {
    const { engine } = setUp();
    await engine.start();
    await engine.startNew('flipper', 'f-1', undefined);
    const doc = await finished(engine, 'f-1');
    expect(doc.status).toBe('Failed');
    expect(JSON.parse(doc.output!)).toMatch(
      /Non-deterministic orchestrator.*CallActivity\(flakyU\).*CallActivity\(echo\)/
    );
  });

  it('fails an orchestrator that calls an entity, naming what is not supported', async () => {
    const { engine } = setUp();
    await engine.start();
    await engine.startNew('entityUser', 'e-1', undefined);
    const doc = await finished(engine, 'e-1');
    expect(doc.status).toBe('Failed');
    expect(JSON.parse(doc.output!)).toMatch(/CallEntity is not supported by the local durable engine/);
    expect(logs.some((line) => /error: orchestration entityUser \(e-1\) failed/.test(line))).toBe(true);
  });

  it('writes the scheduled work before the activity runs (write-ahead)', async () => {
    const { engine, store } = setUp();
    storeForChecks = store;
    await engine.start();
    await engine.startNew('writeAhead', 'wa-1', undefined);
    const doc = await finished(engine, 'wa-1');
    expect(doc.status).toBe('Completed');
    expect(scheduledWhenRun).toEqual([true]);
    const stored = await store.read('wa-1');
    expect(stored?.doc.status).toBe('Completed');
  });

  it('delivers an event raised before the first episode, in order', async () => {
    const { engine } = setUp();
    await engine.start();
    await engine.startNew('earlyEvent', 'ee-1', undefined);
    await engine.raiseEvent('ee-1', 'Early', '"first"');
    const doc = await finished(engine, 'ee-1');
    expect(doc.status).toBe('Completed');
    expect(JSON.parse(doc.output!)).toBe('first');
  });

  it('ignores a result for an execution that continued as new', async () => {
    const { engine } = setUp();
    await engine.start();
    await engine.startNew('continueWhileBusy', 'cw-1', undefined);
    for (let i = 0; i < 100 && !gates.has('cw-1'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await engine.raiseEvent('cw-1', 'Go', 'true');
    for (let i = 0; i < 100 && (await engine.get('cw-1'))?.status !== 'Completed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    gates.get('cw-1')!(); // the first execution's activity finishes now
    const doc = await finished(engine, 'cw-1');
    expect(doc.status).toBe('Completed');
    expect(JSON.parse(doc.output!)).toBe('second execution');
    expect(doc.executions).toBe(2);
    expect(types(doc.history)).toEqual([
      'ExecutionStarted',
      'TaskScheduled#0',
      'TaskCompleted#0',
      'ExecutionCompleted',
    ]);
  });

  it('retries a failing sub-orchestration, with its own instance id or one per attempt', async () => {
    const { engine, scheduler } = setUp();
    await engine.start();
    await engine.startNew('retryingParent', 'sp-1', undefined);
    await engine.settle();
    await scheduler.advanceTo(new Date('2030-01-01T01:00:00Z'));
    const doc = await finished(engine, 'sp-1');
    expect(doc.status).toBe('Completed');
    expect(JSON.parse(doc.output!)).toEqual({ named: 'ok after 3', unnamed: 'ok after 3' });
    const created = doc.history.filter((e) => e.EventType === EventType.SubOrchestrationInstanceCreated);
    expect(created.map((e) => e.InstanceId)).toEqual([
      'sp-1-child',
      'sp-1-child',
      'sp-1-child',
      'sp-1:5',
      'sp-1:7',
      'sp-1:9',
    ]);
    expect((await engine.get('sp-1-child'))?.status).toBe('Completed');
    expect((await engine.get('sp-1:5'))?.status).toBe('Failed');
  });

  it('recovers an instance from the store: the unfinished activity runs again, the timer is re-armed', async () => {
    const { clock, store, engine, scheduler } = setUp();
    await engine.start();
    await engine.startNew('heldWithTimer', 'h-1', undefined);
    for (let i = 0; i < 100 && !gates.has('h-1'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(gates.has('h-1')).toBe(true);
    await engine.stop(); // the "crash": the first engine is gone, its activity never reports
    await scheduler.stop();
    gates.get('h-1')!();
    gates.delete('h-1');

    const again = engineOn(store, clock);
    const scheduler2 = new Scheduler(clock, (line) => logs.push(line));
    scheduler2.add(again);
    await again.start();
    for (let i = 0; i < 100 && !gates.has('h-1'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    gates.get('h-1')!();
    await again.settle();
    expect((await again.get('h-1'))?.status).toBe('Running');
    await scheduler2.advanceTo(new Date('2030-01-03T00:00:00Z'));
    const doc = await finished(again, 'h-1');
    expect(doc.status).toBe('Completed');
    expect(JSON.parse(doc.output!)).toBe('released h-1');
    expect(counts.get('held:h-1')).toBe(2);
    expect(logs.some((line) => /1 resumed \(1 activities run again, 1 timers re-armed\)/.test(line))).toBe(true);
    await again.stop();
  });
});

describe('durable engine parts', () => {
  it('computes retry delays as DurableTask.Core does: backoff, capped', () => {
    const options = { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 5, backoffCoefficient: 2 };
    expect([0, 1, 2, 3].map((n) => retryDelayMs(options, n))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs({ ...options, maxRetryIntervalInMilliseconds: 3000 }, 3)).toBe(3000);
    expect(retryDelayMs({ firstRetryIntervalInMilliseconds: 500, maxNumberOfAttempts: 2 }, 4)).toBe(500);
  });

  it('reads TimeSpans and the durableTask section of host.json', () => {
    expect(timeSpanMs('6.00:00:00')).toBe(6 * day);
    expect(timeSpanMs('00:00:01.5')).toBe(1500);
    expect(() => timeSpanMs('six days')).toThrow(/TimeSpan/);
    expect(
      durableTaskSettings({ extensions: { durableTask: { hubName: 'hub', maxConcurrentActivityFunctions: 3 } } })
    ).toMatchObject({ hubName: 'hub', maxConcurrentActivityFunctions: 3, maxConcurrentOrchestratorFunctions: 10 });
  });

  it('gives the durable client data to functions with a durableClient or orchestrationClient binding only', () => {
    const fn = (bindings: Record<string, { type: string; direction: 'in' | 'out' }>) =>
      ({
        name: 'f',
        metadata: { name: 'f', bindings },
        callback: () => undefined,
        triggerName: 't',
        trigger: { type: 'httpTrigger' },
      }) as const;
    const data = () => clientData(7071, 'hub');
    expect(durableClientInputs(fn({ t: { type: 'httpTrigger', direction: 'in' } }), data)).toEqual([]);
    const inputs = durableClientInputs(
      fn({
        t: { type: 'httpTrigger', direction: 'in' },
        starter: { type: 'durableClient', direction: 'in' },
        legacy: { type: 'orchestrationClient', direction: 'in' },
      }),
      data
    );
    expect(inputs.map((i) => i.name)).toEqual(['starter', 'legacy']);
    const parsed = JSON.parse(inputs[0]!.data!.string!) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      taskHubName: 'hub',
      rpcBaseUrl: 'http://127.0.0.1:7071/runtime/webhooks/durabletask/',
      managementUrls: { id: 'INSTANCEID' },
      creationUrls: {
        createNewInstancePostUri: expect.stringContaining('/orchestrators/{functionName}[/{instanceId}]'),
      },
    });
  });

  it('lets the virtual clock jump on only once the work of the last instant has settled', async () => {
    const clock = new LocalClock('virtual');
    clock.jumpTo(new Date('2030-01-01T00:00:00Z'));
    const scheduler = new Scheduler(clock, () => undefined);
    const seen: string[] = [];
    let work: Promise<void> = Promise.resolve();
    let firstDue: Date | undefined = new Date('2030-01-02T00:00:00Z');
    let secondDue: Date | undefined = new Date('2030-01-03T00:00:00Z');
    scheduler.add({
      name: 'slow work',
      nextDue: () => firstDue,
      fireDue: async () => {
        firstDue = undefined;
        work = new Promise((resolve) =>
          setTimeout(() => {
            seen.push(`slow work done at ${clock.now().toISOString().slice(0, 10)}`);
            resolve();
          }, 20)
        );
      },
      settle: () => work,
    });
    scheduler.add({
      name: 'next day',
      nextDue: () => secondDue,
      fireDue: async () => {
        secondDue = undefined;
        seen.push(`next day at ${clock.now().toISOString().slice(0, 10)}`);
      },
    });
    await scheduler.advanceTo(new Date('2030-01-04T00:00:00Z'));
    expect(seen).toEqual(['slow work done at 2030-01-02', 'next day at 2030-01-03']);
  });

  it('refuses entity triggers with a reason', () => {
    expect(() => df.app.entity('counterEntity', () => undefined)).toThrow(
      /"entityTrigger" trigger: Durable entities are not supported by the local durable engine/
    );
  });
});
