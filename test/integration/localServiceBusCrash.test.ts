// kill -9 of the local host with messages in its Service Bus queue: `npm start` (dist/local/main.js) runs the
// fixture app (test/fixtures/serviceBusApp.ts, bundled as the real app is) on the virtual clock. The app
// sends 30 messages whose handler holds until released (16 get locked: host.json's maxConcurrentCalls; 14
// wait) and 3 scheduled an hour later; each send was acknowledged. The host is killed with kill -9. Started
// again on the same data, every message is delivered and completed, none lost: the locked ones once more
// with their delivery count raised, the waiting ones for the first time, the scheduled ones when the clock
// reaches their time. The raw deliveries are counted and reported.
import { build } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transmissionQueue } from '../../shared/config/queues';
import {
  launch,
  platformPorts,
  portArgs,
  processesMentioning,
  repoRoot,
  waitFor,
  type RunningPlatform,
} from '../support/platform';

jest.setTimeout(240_000);

const dir = mkdtempSync(join(tmpdir(), 'service-bus-crash-'));
const dataDir = join(dir, 'data');
const appFile = join(dir, 'app', 'index.mjs');
const effects = join(dir, 'effects.jsonl');
const running: RunningPlatform['child'][] = [];

afterAll(async () => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const { pid } of processesMentioning(dir)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** The fixture app bundled the way scripts/build.mjs bundles the real one. */
async function buildFixtureApp(): Promise<void> {
  mkdirSync(join(dir, 'app'), { recursive: true });
  await build({
    absWorkingDir: repoRoot,
    entryPoints: [join(repoRoot, 'test', 'fixtures', 'serviceBusApp.ts')],
    outfile: appFile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    external: ['@azure/functions-core'],
    logLevel: 'error',
  });
}

async function startHost(ports: RunningPlatform['ports']) {
  const launched = launch(['--data-dir', dataDir, '--app', appFile, '--virtual-clock', ...portArgs(ports)], {
    SB_FIXTURE_EFFECTS: effects,
  });
  running.push(launched.child);
  const base = await launched.ready;
  return { base, origin: new URL(base).origin, child: launched.child, output: launched.output };
}

interface Effect {
  kind: string;
  key: string;
  deliveryCount: number;
}

function records(): Effect[] {
  if (!existsSync(effects)) return [];
  return readFileSync(effects, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Effect);
}

async function eventually(what: string, probe: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

interface QueueInfo {
  name: string;
  counts: { active: number; scheduled: number; locked: number; deadLettered: number };
}

async function counts(origin: string): Promise<QueueInfo['counts']> {
  const response = await fetch(`${origin}/runtime/servicebus/queues/${transmissionQueue.name}`);
  return ((await response.json()) as QueueInfo).counts;
}

describe('local Service Bus queue under kill -9', () => {
  it('delivers every acknowledged message after kill -9: locked ones again (count + 1), waiting and scheduled ones', async () => {
    await buildFixtureApp();
    const ports = await platformPorts();
    const first = await startHost(ports);
    expect(first.output()).toMatch(
      /ServiceBus gateway-transmissions \(10 deliveries, lock PT1M, duplicates PT1H\): 2 triggers, messages in Cosmos container slcp-servicebus\/messages/
    );

    const held = Array.from({ length: 30 }, (_, i) => `held-${i}`);
    const scheduled = ['later-0', 'later-1', 'later-2'];
    const clock = (await (await fetch(`${first.base}/_dev/clock`)).json()) as { now: string };
    const inAnHour = new Date(Date.parse(clock.now) + 3_600_000).toISOString();
    const sent = await fetch(`${first.base}/sb/send`, {
      method: 'POST',
      body: JSON.stringify({
        messages: [
          ...held.map((key) => ({ messageId: `T-${key}`, body: { key, hold: true } })),
          ...scheduled.map((key) => ({ messageId: `T-${key}`, body: { key }, scheduledEnqueueTime: inAnHour })),
        ],
      }),
    });
    expect(sent.status).toBe(202); // acknowledged: written before the answer

    await eventually('16 deliveries to be running', () => records().filter((r) => r.kind === 'delivery').length === 16);
    expect(await counts(first.origin)).toEqual({
      active: 14,
      scheduled: 3,
      locked: 16,
      deadLettered: 0,
      completedInWindow: 0,
    });

    first.child.kill('SIGKILL');
    await waitFor(
      () => first.child.signalCode === 'SIGKILL' && processesMentioning(dataDir).length === 0,
      30_000,
      'the host and its servers to be gone after kill -9'
    );
    const lockedAtKill = records()
      .filter((r) => r.kind === 'delivery')
      .map((r) => r.key);
    expect(lockedAtKill).toHaveLength(16);
    expect(records().filter((r) => r.kind === 'done')).toEqual([]);

    writeFileSync(`${effects}.release`, 'go');
    const second = await startHost(ports);
    expect(second.output()).toMatch(
      /\(service bus\) 33 messages loaded \(30 active, 3 scheduled, 0 dead-lettered\); 16 locks of the previous run released/
    );
    await eventually('the 30 held messages to be done', () =>
      held.every((key) => records().some((r) => r.kind === 'done' && r.key === key))
    );
    await eventually('the queue to be empty but for the scheduled ones', async () => {
      const c = await counts(second.origin);
      return c.active === 0 && c.locked === 0 && c.scheduled === 3;
    });

    const moved = await fetch(`${second.base}/_dev/clock`, {
      method: 'POST',
      body: JSON.stringify({ advance: 'PT2H' }),
    });
    expect(moved.status).toBe(200);
    await eventually('the scheduled messages to be done', () =>
      scheduled.every((key) => records().some((r) => r.kind === 'done' && r.key === key))
    );
    expect(await counts(second.origin)).toMatchObject({ active: 0, scheduled: 0, locked: 0, deadLettered: 0 });

    // None lost; each completed once; the raw deliveries counted (the locked ones ran twice).
    const all = records();
    const deliveries: Record<string, number[]> = {};
    const done: Record<string, number> = {};
    for (const r of all) {
      if (r.kind === 'delivery') (deliveries[r.key] ??= []).push(r.deliveryCount);
      if (r.kind === 'done') done[r.key] = (done[r.key] ?? 0) + 1;
    }
    const keys = [...held, ...scheduled];
    expect(Object.keys(done).sort()).toEqual([...keys].sort());
    expect(Object.values(done).every((n) => n === 1)).toBe(true);
    for (const key of keys) {
      expect(deliveries[key]).toEqual(lockedAtKill.includes(key) ? [1, 2] : [1]);
    }
    const rawDeliveries = Object.values(deliveries).reduce((n, list) => n + list.length, 0);
    process.stdout.write(
      `service bus kill -9: ${keys.length} messages sent and acknowledged, ${Object.keys(done).length} completed ` +
        `(each once), 0 lost; raw deliveries ${rawDeliveries} (${lockedAtKill.length} locked at the kill delivered ` +
        `twice with delivery counts 1 then 2, ${keys.length - lockedAtKill.length} once)\n`
    );

    second.child.kill('SIGINT');
    await waitFor(() => second.child.exitCode !== null, 30_000, 'the host to stop on Ctrl-C');
    expect(second.child.exitCode).toBe(0);
  });
});
