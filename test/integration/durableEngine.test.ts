// The local durable engine end to end: a real '@azure/functions' + 'durable-functions' app (test/fixtures/
// durableApp.ts) in the local host, its HTTP starters calling the Durable HTTP API through df.getClient, the
// instances persisted in a real Cosmos-compatible server through the real SDK, timers on the virtual clock
// moved with POST /api/_dev/clock. Waiting is done with the engine's settle() (nothing in flight), never
// with timed sleeps.
import { CosmosClient } from '@azure/cosmos';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalClock } from '../../local/clock';
import type { CoreApi } from '../../local/core/coreApi';
import { CERT_FILE, startCosmosServer, type CosmosServer } from '../../local/cosmos/server';
import { CosmosInstanceStore } from '../../local/durable/cosmosStore';
import { durableTaskSettings } from '../../local/durable/settings';
import { LocalHost } from '../../local/host';

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

type Fixture = typeof import('../fixtures/durableApp');
interface Status {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: {
    EventType: string;
    EventId: number;
    Timestamp: string;
    TaskScheduledId?: number;
    TimerId?: number;
    FireAt?: string;
    Name?: string;
    Input?: unknown;
    Result?: unknown;
    InstanceId?: string;
  }[];
}

const hostJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'host.json'), 'utf8')) as unknown;
const dir = mkdtempSync(join(tmpdir(), 'durable-engine-'));
const lines: string[] = [];
const clock = new LocalClock('virtual');
clock.jumpTo(new Date('2030-01-01T00:00:00Z'));
let cosmos: CosmosServer | undefined;
let host: LocalHost;
let fixture: Fixture;
let base = '';

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
    durable: {
      store: new CosmosInstanceStore({
        connect: async () =>
          new CosmosClient({
            endpoint,
            key: Buffer.from('durable-engine-test').toString('base64'),
            agent: new https.Agent({ ca }),
            connectionPolicy: { enableEndpointDiscovery: false },
          }),
        databaseName: 'durableEngineTest',
      }),
      settings: durableTaskSettings(hostJson),
    },
  });
  mockCoreApi = host.coreApi;
  await host.loadApp(async () => {
    fixture = await import('../fixtures/durableApp');
  });
  await host.start();
  base = `http://127.0.0.1:${host.port}`;
});

afterAll(async () => {
  await host?.stop();
  await cosmos?.close();
  rmSync(dir, { recursive: true, force: true });
});

const settle = () => host.durable!.settle();
const webhook = (path: string, init?: RequestInit) => fetch(`${base}/runtime/webhooks/durabletask/${path}`, init);

async function start(name: string, id: string, input?: unknown): Promise<Response> {
  const response = await fetch(`${base}/api/start/${name}/${id}`, {
    method: 'POST',
    ...(input !== undefined ? { body: JSON.stringify(input) } : {}),
  });
  await settle();
  return response;
}

async function raise(id: string, event: string, data: unknown): Promise<Response> {
  const response = await fetch(`${base}/api/raise/${id}/${event}`, { method: 'POST', body: JSON.stringify(data) });
  await settle();
  return response;
}

async function status(id: string): Promise<{ http: number; body: Status }> {
  const response = await webhook(`instances/${id}?showHistory=true&showHistoryOutput=true`);
  return { http: response.status, body: (await response.json()) as Status };
}

async function moveClock(command: { advance: string } | { to: string }): Promise<void> {
  const response = await fetch(`${base}/api/_dev/clock`, { method: 'POST', body: JSON.stringify(command) });
  expect(response.status).toBe(200);
  await settle();
}

function events(body: Status, type: string) {
  return (body.historyEvents ?? []).filter((e) => e.EventType === type);
}

/** Polls a condition the test cannot await directly (an activity held at a gate); bounded, never timed. */
async function eventually(what: string, probe: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('local durable engine', () => {
  it('registers orchestrations, activities and durable client starters', () => {
    const types = new Map(host.functions().map((f) => [f.name, f.trigger.type]));
    expect(types.get('chain')).toBe('orchestrationTrigger');
    expect(types.get('sayHello')).toBe('activityTrigger');
    expect(types.get('startOrchestration')).toBe('httpTrigger');
    expect(types.get('newYearChain')).toBe('timerTrigger');
  });

  it('runs an activity chain started by an HTTP function through df.getClient', async () => {
    const response = await start('chain', 'chain-1', ['Tokyo', 'Seattle', 'London']);
    expect(response.status).toBe(202);
    const payload = (await response.json()) as Record<string, string>;
    expect(payload.id).toBe('chain-1');
    expect(payload.statusQueryGetUri).toBe(
      `${base}/runtime/webhooks/durabletask/instances/chain-1?taskHub=bwslcp&connection=Storage`
    );
    const { http, body } = await status('chain-1');
    expect(http).toBe(200);
    expect(body).toMatchObject({
      name: 'chain',
      instanceId: 'chain-1',
      runtimeStatus: 'Completed',
      input: ['Tokyo', 'Seattle', 'London'],
      output: { greetings: ['Hello Tokyo', 'Hello Seattle', 'Hello London'], parent: null },
      customStatus: { greeting: 'London' },
    });
    expect(body.createdTime).toMatch(/^2030-01-01T00:00:\d\dZ$/);
    // One episode per step, each OrchestratorStarted … OrchestratorCompleted, as the extension records it.
    expect(events(body, 'OrchestratorStarted')).toHaveLength(4);
    expect(events(body, 'OrchestratorCompleted')).toHaveLength(4);
    expect(events(body, 'TaskScheduled').map((e) => [e.EventId, e.Name, e.Input])).toEqual([
      [0, 'sayHello', 'Tokyo'],
      [1, 'sayHello', 'Seattle'],
      [2, 'sayHello', 'London'],
    ]);
    expect(events(body, 'TaskCompleted').map((e) => e.TaskScheduledId)).toEqual([0, 1, 2]);
    expect(body.historyEvents).toHaveLength(4 * 2 + 1 + 3 + 3 + 1);
  });

  it('reads the status through df.getClient as the SDK parses it, and builds management URLs on this host', async () => {
    const response = await fetch(`${base}/api/status/chain-1`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ runtimeStatus: 'Completed', instanceId: 'chain-1' });
    const payload = (await (await fetch(`${base}/api/manage/chain-1/payload`, { method: 'POST' })).json()) as Record<
      string,
      string
    >;
    expect(payload.statusQueryGetUri).toBe(
      `http://127.0.0.1:${host.port}/runtime/webhooks/durabletask/instances/chain-1?taskHub=bwslcp&connection=Storage`
    );
  });

  it('fans out with Task.all and delivers the results in order', async () => {
    await start('fanOut', 'fan-1', ['a', 'b', 'c', 'd']);
    const { body } = await status('fan-1');
    expect(body.runtimeStatus).toBe('Completed');
    expect(body.output).toEqual(['Hello a', 'Hello b', 'Hello c', 'Hello d']);
  });

  it('retries a failing activity on the retry timers, as DurableTask.Core schedules them', async () => {
    await start('retrying', 'retry-1', { key: 'r1', failTimes: 2, attempts: 3 });
    let { body } = await status('retry-1');
    expect(body.runtimeStatus).toBe('Running');
    expect(fixture.calls.attempts.get('r1')).toBe(1);
    await moveClock({ advance: 'PT1M' });
    expect(fixture.calls.attempts.get('r1')).toBe(2);
    await moveClock({ advance: 'PT2M' }); // backoff 2: the second wait is two minutes
    ({ body } = await status('retry-1'));
    expect(body.runtimeStatus).toBe('Completed');
    expect(body.output).toEqual({ key: 'r1', attempt: 3 });
    const sequence = (body.historyEvents ?? [])
      .filter((e) => !['OrchestratorStarted', 'OrchestratorCompleted'].includes(e.EventType))
      .map((e) => `${e.EventType}#${e.EventId >= 0 ? e.EventId : (e.TaskScheduledId ?? e.TimerId ?? '')}`);
    expect(sequence).toEqual([
      'ExecutionStarted#',
      'TaskScheduled#0',
      'TaskFailed#0',
      'TimerCreated#1',
      'TimerFired#1',
      'TaskScheduled#2',
      'TaskFailed#2',
      'TimerCreated#3',
      'TimerFired#3',
      'TaskScheduled#4',
      'TaskCompleted#4',
      'ExecutionCompleted#',
    ]);
    const waits = events(body, 'TimerCreated').map((e) => Date.parse(e.FireAt!) - Date.parse(e.Timestamp));
    expect(waits).toEqual([60_000, 120_000]);
  });

  it('fails the orchestration when the retries are exhausted, visibly in the status and the log', async () => {
    await start('retrying', 'retry-2', { key: 'r2', failTimes: 5, attempts: 2 });
    await moveClock({ advance: 'PT10M' });
    const { http, body } = await status('retry-2');
    expect(http).toBe(200);
    expect(body.runtimeStatus).toBe('Failed');
    expect(body.output).toEqual(expect.stringMatching(/flaky r2 failed on attempt 2/));
    expect(fixture.calls.attempts.get('r2')).toBe(2);
    expect(lines.some((l) => /\(durable\) warning: activity flaky of retry-2 \(task 0\) failed/.test(l))).toBe(true);
    expect(lines.some((l) => /\(durable\) error: orchestration retrying \(retry-2\) failed/.test(l))).toBe(true);
    const internal = await webhook('instances/retry-2?returnInternalServerErrorOnFailure=true');
    expect(internal.status).toBe(500);
  });

  it('fails an orchestration whose activity throws, with the error as its output', async () => {
    await start('failing', 'fail-1');
    const { body } = await status('fail-1');
    expect(body.runtimeStatus).toBe('Failed');
    expect(body.output).toEqual(expect.stringMatching(/the activity always fails/));
  });

  it('fires a 10-month timer at its date, in 3-day pieces, and the activity after it sees that date', async () => {
    const until = '2030-11-01T00:00:00.000Z';
    await start('sleeper', 'sleep-1', { until });
    let { body } = await status('sleep-1');
    expect(body.runtimeStatus).toBe('Running');
    const startedAt = Date.parse(events(body, 'OrchestratorStarted')[0]!.Timestamp);
    await moveClock({ to: '2030-11-02T00:00:00Z' });
    ({ body } = await status('sleep-1'));
    expect(body.runtimeStatus).toBe('Completed');
    const created = events(body, 'TimerCreated');
    const fired = events(body, 'TimerFired');
    const day = 24 * 3600 * 1000;
    // Pieces of 3 days while more than 6 days remain, then the final piece at the date itself.
    const expectedPieces = Math.ceil((Date.parse(until) - startedAt - 6 * day) / (3 * day)) + 1;
    expect(created).toHaveLength(expectedPieces);
    expect(fired).toHaveLength(expectedPieces);
    expect(created.slice(0, -1).every((e) => Date.parse(e.FireAt!) - Date.parse(e.Timestamp) === 3 * day)).toBe(true);
    expect(created.at(-1)!.FireAt).toBe(until);
    const seen = Date.parse(String(body.output));
    expect(seen).toBeGreaterThanOrEqual(Date.parse(until));
    expect(seen - Date.parse(until)).toBeLessThan(60_000);
  });

  it('races a timer against an event with Task.any; the event wins and the timer is cancelled', async () => {
    const deadline = new Date(clock.now().getTime() + 5 * 24 * 3600 * 1000).toISOString();
    await start('race', 'race-1', { deadline });
    expect(host.durable!.nextDue()?.toISOString()).toBe(deadline);
    const raised = await raise('race-1', 'Approval', { ok: true });
    expect(raised.status).toBe(202);
    const { body } = await status('race-1');
    expect(body.runtimeStatus).toBe('Completed');
    expect(body.output).toEqual({ won: 'event', data: { ok: true } });
    expect(events(body, 'TimerCreated')).toHaveLength(1);
    expect(events(body, 'TimerFired')).toHaveLength(0);
    expect(host.durable!.nextDue()).toBeUndefined();
    await moveClock({ advance: 'P6D' });
    expect(events((await status('race-1')).body, 'TimerFired')).toHaveLength(0);
  });

  it('races a timer against an event; the timer wins when nothing comes', async () => {
    const deadline = new Date(clock.now().getTime() + 24 * 3600 * 1000).toISOString();
    await start('race', 'race-2', { deadline });
    await moveClock({ advance: 'P2D' });
    const { body } = await status('race-2');
    expect(body.output).toEqual({ won: 'timer' });
    expect(events(body, 'TimerFired').map((e) => e.FireAt)).toEqual([deadline]);
  });

  it('delivers an event raised before the orchestrator waits for it', async () => {
    const response = await fetch(`${base}/api/start/lateWaiter/late-1`, { method: 'POST' });
    expect(response.status).toBe(202);
    await eventually('the gate activity to be scheduled', async () => {
      const { body } = await status('late-1');
      return events(body, 'TaskScheduled').length === 1;
    });
    const raised = await fetch(`${base}/api/raise/late-1/Go`, { method: 'POST', body: JSON.stringify('early') });
    expect(raised.status).toBe(202);
    await eventually('the event to reach the history', async () => {
      const { body } = await status('late-1');
      return events(body, 'EventRaised').length === 1;
    });
    fixture.openGate('late-1');
    await settle();
    const { body } = await status('late-1');
    expect(body.runtimeStatus).toBe('Completed');
    expect(body.output).toEqual({ passed: 'passed late-1', go: 'early' });
    const order = (body.historyEvents ?? []).map((e) => e.EventType);
    expect(order.indexOf('EventRaised')).toBeLessThan(order.indexOf('TaskCompleted'));
  });

  it('runs sub-orchestrations and reports a failing one to its parent', async () => {
    await start('parent', 'parent-1');
    const { body } = await status('parent-1');
    expect(body.runtimeStatus).toBe('Completed');
    expect(body.output).toEqual({
      child: { greetings: ['Hello child-a', 'Hello child-b'], parent: 'parent-1' },
      failure: expect.stringMatching(/the activity always fails/),
    });
    expect(events(body, 'SubOrchestrationInstanceCreated').map((e) => e.InstanceId)).toEqual([
      'parent-1-child',
      'parent-1:1',
    ]);
    expect((await status('parent-1-child')).body.runtimeStatus).toBe('Completed');
    expect((await status('parent-1:1')).body.runtimeStatus).toBe('Failed');
  });

  it('continues as new with a fresh history, and an event raised during the continue is not lost', async () => {
    const { app } = await import('@azure/functions');
    let raisedDuringContinue = false;
    app.hook.preInvocation(async (context) => {
      if (raisedDuringContinue || context.invocationContext.functionName !== 'counter') return;
      const trigger = context.inputs[0] as { instanceId: string; history: { EventType: number }[] };
      // The episode that delivers the first execution's activity result is the one that continues as new.
      if (trigger.instanceId === 'count-1' && trigger.history.some((e) => e.EventType === 5)) {
        raisedDuringContinue = true;
        await host.durable!.raiseEvent('count-1', 'Bump', JSON.stringify({ n: 2 }));
      }
    });
    await start('counter', 'count-1');
    await raise('count-1', 'Bump', { n: 1 });
    expect(raisedDuringContinue).toBe(true);
    const { body } = await status('count-1');
    expect(body.runtimeStatus).toBe('Completed');
    expect(body.output).toEqual({ count: 2, seen: [{ n: 1 }, { n: 2 }] });
    expect(body.input).toEqual({ count: 2, seen: [{ n: 1 }, { n: 2 }] });
    // The last execution's own history: it started over with OrchestratorStarted + ExecutionStarted.
    expect(body.historyEvents?.slice(0, 2).map((e) => e.EventType)).toEqual([
      'OrchestratorStarted',
      'ExecutionStarted',
    ]);
    expect(events(body, 'ExecutionStarted')).toHaveLength(1);
    expect(events(body, 'TaskScheduled')).toHaveLength(0);
    const dev = await fetch(`${base}/api/_dev/durable/count-1`);
    expect(await dev.json()).toMatchObject({
      executions: 3,
      historyEvents: body.historyEvents?.length,
      largestHistory: 11,
    });
    const metrics = (await (await fetch(`${base}/api/_dev/durable`)).json()) as Record<string, unknown>;
    expect(metrics).toMatchObject({ taskHub: 'bwslcp', store: 'Cosmos container durableEngineTest/durableTaskHub' });
    expect(Number(metrics['continuedAsNew'])).toBeGreaterThanOrEqual(2);
  });

  it('refuses to start an instance that is running (409), and an unknown orchestrator (400)', async () => {
    await start('waiter', 'wait-1');
    const before = (await status('wait-1')).body;
    expect(before.runtimeStatus).toBe('Running');
    expect(before.customStatus).toBe('waiting for Never');
    const again = await webhook('orchestrators/waiter/wait-1', { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toBe('application/problem+json');
    expect(await again.json()).toMatchObject({
      status: 409,
      detail: expect.stringMatching(/already exists and is Running/),
    });
    expect((await status('wait-1')).body.createdTime).toBe(before.createdTime);
    const throughClient = await fetch(`${base}/api/start/waiter/wait-1`, { method: 'POST' });
    expect(throughClient.status).toBe(500);
    const unknown = await webhook('orchestrators/noSuchOrchestrator', { method: 'POST' });
    expect(unknown.status).toBe(400);
    const activityName = await webhook('orchestrators/sayHello', { method: 'POST' });
    expect(activityName.status).toBe(400);
  });

  it('answers 202 while running, 404 for an unknown instance, and refuses what it does not support with 501', async () => {
    const running = await webhook('instances/wait-1');
    expect(running.status).toBe(202);
    expect(running.headers.get('location')).toMatch(/instances\/wait-1\?taskHub=bwslcp/);
    expect((await webhook('instances/nobody')).status).toBe(404);
    expect((await fetch(`${base}/api/status/nobody`)).status).toBe(404);
    expect((await webhook('instances/wait-1/rewind?reason=x', { method: 'POST' })).status).toBe(501);
    expect((await webhook('entities/counter/one', { method: 'POST' })).status).toBe(501);
    expect((await webhook('instances/nobody/raiseEvent/Go', { method: 'POST', body: '1' })).status).toBe(404);
  });

  it('suspends and resumes: events wait while suspended', async () => {
    await start('waiter', 'wait-2');
    expect((await fetch(`${base}/api/manage/wait-2/suspend`, { method: 'POST' })).status).toBe(202);
    expect((await status('wait-2')).body.runtimeStatus).toBe('Suspended');
    await raise('wait-2', 'Never', { finally: true });
    expect((await status('wait-2')).body.runtimeStatus).toBe('Suspended');
    expect((await fetch(`${base}/api/manage/wait-2/resume`, { method: 'POST' })).status).toBe(202);
    await settle();
    const { body } = await status('wait-2');
    expect(body.runtimeStatus).toBe('Completed');
    expect(body.output).toEqual({ finally: true });
  });

  it('terminates a running instance; a finished one answers 410 to events and termination', async () => {
    expect((await fetch(`${base}/api/manage/wait-1/terminate`, { method: 'POST' })).status).toBe(202);
    await settle();
    const { http, body } = await status('wait-1');
    expect(http).toBe(200);
    expect(body.runtimeStatus).toBe('Terminated');
    expect(body.output).toBe('stopped by the test');
    expect(events(body, 'ExecutionTerminated')).toHaveLength(1);
    expect((await webhook('instances/wait-1/raiseEvent/Never', { method: 'POST', body: '1' })).status).toBe(410);
    expect((await webhook('instances/wait-1/terminate', { method: 'POST' })).status).toBe(410);
    // The client treats 410 as done.
    expect((await fetch(`${base}/api/raise/wait-1/Never`, { method: 'POST', body: '1' })).status).toBe(202);
  });

  it('lists instances with filters and continuation, and purges finished ones', async () => {
    const page1 = await webhook('instances/?runtimeStatus=Completed,Terminated&top=3&showInput=false');
    expect(page1.status).toBe(200);
    const first = (await page1.json()) as Status[];
    expect(first).toHaveLength(3);
    expect(first.every((s) => s.input === null)).toBe(true);
    const token = page1.headers.get('x-ms-continuation-token');
    expect(token).toBeTruthy();
    const page2 = await webhook('instances/?runtimeStatus=Completed,Terminated&top=1000', {
      headers: { 'x-ms-continuation-token': token! },
    });
    const rest = (await page2.json()) as Status[];
    expect(page2.headers.get('x-ms-continuation-token')).toBeNull();
    const all = [...first, ...rest];
    expect(all.every((s) => ['Completed', 'Terminated'].includes(s.runtimeStatus))).toBe(true);
    expect(all.map((s) => s.instanceId)).toEqual(expect.arrayContaining(['chain-1', 'wait-1', 'wait-2']));
    expect(new Set(all.map((s) => s.instanceId)).size).toBe(all.length);

    expect((await webhook('instances/late-1', { method: 'DELETE' })).status).toBe(200);
    const purged = (await (await fetch(`${base}/api/manage/wait-1/purge`, { method: 'POST' })).json()) as {
      instancesDeleted: number;
    };
    expect(purged.instancesDeleted).toBe(1);
    expect((await status('wait-1')).http).toBe(404);
    await start('waiter', 'wait-3');
    const notFinished = await webhook('instances/wait-3', { method: 'DELETE' });
    expect(notFinished.status).toBe(412);
    expect((await webhook('instances/', { method: 'DELETE' })).status).toBe(400);
    const byFilter = await webhook(`instances/?createdTimeFrom=2000-01-01T00:00:00Z&runtimeStatus=Failed`, {
      method: 'DELETE',
    });
    expect(byFilter.status).toBe(200);
    expect(((await byFilter.json()) as { instancesDeleted: number }).instancesDeleted).toBeGreaterThanOrEqual(3);
    expect((await status('fail-1')).http).toBe(404);
    expect((await status('wait-3')).body.runtimeStatus).toBe('Running');
  });

  it('gives timer triggers the durable client too', async () => {
    await moveClock({ to: '2031-01-01T04:00:00Z' });
    const { body } = await status('new-year-2031');
    expect(body.runtimeStatus).toBe('Completed');
    expect(body.output).toEqual({ greetings: ['Hello new year'], parent: null });
  });

  it('keeps the instances in the Cosmos container, one document each', async () => {
    const ca = readFileSync(join(dir, 'cosmos', CERT_FILE));
    const client = new CosmosClient({
      endpoint: cosmos!.endpoint,
      key: Buffer.from('x').toString('base64'),
      agent: new https.Agent({ ca }),
      connectionPolicy: { enableEndpointDiscovery: false },
    });
    try {
      const { resource } = await client
        .database('durableEngineTest')
        .container('durableTaskHub')
        .item('chain-1', 'chain-1')
        .read<{ status: string; taskHub: string; history: unknown[] }>();
      expect(resource).toMatchObject({ status: 'Completed', taskHub: 'bwslcp' });
      expect(resource!.history.length).toBe(16);
    } finally {
      client.dispose();
    }
    const metrics = host.durable!.metrics();
    expect(metrics.writes).toBeGreaterThan(metrics.episodes / 2);
  });
});
