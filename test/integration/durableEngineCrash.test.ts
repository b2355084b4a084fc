// kill -9 of the local host in the middle of an orchestration: `npm start` (dist/local/main.js) runs the
// fixture app (test/fixtures/durableApp.ts, bundled as the real app is) on the virtual clock; the host is
// killed while an activity is running (its side effect done, its result not yet recorded), a two-day
// timer is armed and an event has been accepted; started again on the same data, the orchestration
// completes. Each idempotent side effect is recorded exactly once; the raw invocations are counted too (the
// killed activity runs again: at least once, as in Azure).
import { build } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

const dir = mkdtempSync(join(tmpdir(), 'durable-crash-'));
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
    entryPoints: [join(repoRoot, 'test', 'fixtures', 'durableApp.ts')],
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

async function startHost(
  ports: RunningPlatform['ports']
): Promise<{ base: string; origin: string; child: RunningPlatform['child']; output: () => string }> {
  const launched = launch(['--data-dir', dataDir, '--app', appFile, '--virtual-clock', ...portArgs(ports)], {
    DURABLE_FIXTURE_EFFECTS: effects,
  });
  running.push(launched.child);
  const base = await launched.ready;
  return { base, origin: new URL(base).origin, child: launched.child, output: launched.output };
}

interface Status {
  runtimeStatus: string;
  output: unknown;
  historyEvents: { EventType: string; Name?: string }[];
}

async function status(origin: string, id: string): Promise<Status> {
  const response = await fetch(`${origin}/runtime/webhooks/durabletask/instances/${id}?showHistory=true`);
  return (await response.json()) as Status;
}

async function eventually(what: string, probe: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function records(): { kind: string; key: string }[] {
  if (!existsSync(effects)) return [];
  return readFileSync(effects, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { kind: string; key: string });
}

function count(kind: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records()) if (record.kind === kind) counts[record.key] = (counts[record.key] ?? 0) + 1;
  return counts;
}

describe('local durable engine under kill -9', () => {
  it('resumes an orchestration after kill -9: the timer, the running activity and the accepted event survive', async () => {
    await buildFixtureApp();
    const ports = await platformPorts();
    const first = await startHost(ports);
    expect(first.output()).toMatch(
      /Durable\s+task hub bwslcp: \d+ orchestrators, \d+ activities, state in Cosmos container slcp-durable\/durableTaskHub/
    );

    const started = await fetch(`${first.base}/start/crashFlow/crash-1`, { method: 'POST' });
    expect(started.status).toBe(202);
    // The slow activity has done its side effect and waits: its episode (with the timer) was written first.
    await eventually(
      'the slow activity to run',
      () => existsSync(`${effects}.started`) && readFileSync(`${effects}.started`, 'utf8').includes('crash-1:b')
    );
    const before = await status(first.origin, 'crash-1');
    expect(before.runtimeStatus).toBe('Running');
    expect(before.historyEvents.map((e) => e.EventType)).toEqual(
      expect.arrayContaining(['TimerCreated', 'TaskScheduled', 'TaskCompleted'])
    );
    const raised = await fetch(`${first.base}/raise/crash-1/Finish`, {
      method: 'POST',
      body: JSON.stringify({ ok: 1 }),
    });
    expect(raised.status).toBe(202);

    first.child.kill('SIGKILL');
    await waitFor(
      () => first.child.signalCode === 'SIGKILL' && processesMentioning(dataDir).length === 0,
      30_000,
      'the host and its servers to be gone after kill -9'
    );
    expect(count('effect')).toEqual({ 'crash-1:a': 1, 'crash-1:b': 1 });

    writeFileSync(`${effects}.release`, 'go');
    const second = await startHost(ports);
    expect(second.output()).toMatch(
      /\(durable\) task hub bwslcp: \d+ instances loaded, 1 resumed \(1 activities run again, 1 timers re-armed\)/
    );
    await eventually(
      'the re-run activity to be recorded',
      async () =>
        (await status(second.origin, 'crash-1')).historyEvents.filter((e) => e.EventType === 'TaskCompleted').length ===
        2
    );
    expect((await status(second.origin, 'crash-1')).runtimeStatus).toBe('Running'); // the two-day timer

    const moved = await fetch(`${second.base}/_dev/clock`, {
      method: 'POST',
      body: JSON.stringify({ advance: 'P2DT1H' }),
    });
    expect(moved.status).toBe(200);
    await eventually(
      'the orchestration to complete',
      async () => (await status(second.origin, 'crash-1')).runtimeStatus === 'Completed'
    );
    const after = await status(second.origin, 'crash-1');
    expect(after.output).toMatchObject({ done: true, eventData: { ok: 1 } });

    // Each side effect exactly once; the activity killed mid-way ran twice.
    const effectCounts = count('effect');
    const invocationCounts = count('invocation');
    process.stdout.write(
      `durable kill -9: effects ${JSON.stringify(effectCounts)}, raw invocations ${JSON.stringify(invocationCounts)}\n`
    );
    expect(effectCounts).toEqual({ 'crash-1:a': 1, 'crash-1:b': 1, 'crash-1:c': 1 });
    expect(invocationCounts).toEqual({ 'crash-1:a': 1, 'crash-1:b': 2, 'crash-1:c': 1 });

    second.child.kill('SIGINT');
    await waitFor(() => second.child.exitCode !== null, 30_000, 'the host to stop on Ctrl-C');
    expect(second.child.exitCode).toBe(0);
  });
});
