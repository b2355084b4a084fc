// Starts the built local platform (`dist/local/main.js`, what `npm start` runs) as a child process on
// free ports, for end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../local/processes/ports';

export const repoRoot = join(__dirname, '..', '..');
export const mainScript = join(repoRoot, 'dist', 'local', 'main.js');

export interface RunningPlatform {
  child: ChildProcess;
  base: string;
  ports: Record<'port' | 'cosmos' | 'blob' | 'queue' | 'table' | 'gateway' | 'smtp' | 'mailWeb', number>;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function platformPorts(): Promise<RunningPlatform['ports']> {
  return {
    port: await freePort(),
    cosmos: await freePort(),
    blob: await freePort(),
    queue: await freePort(),
    table: await freePort(),
    gateway: await freePort(),
    smtp: await freePort(),
    mailWeb: await freePort(),
  };
}

export function portArgs(ports: RunningPlatform['ports']): string[] {
  const flags: Record<keyof RunningPlatform['ports'], string> = {
    port: '--port',
    cosmos: '--cosmos-port',
    blob: '--blob-port',
    queue: '--queue-port',
    table: '--table-port',
    gateway: '--gateway-port',
    smtp: '--smtp-port',
    mailWeb: '--mail-web-port',
  };
  return Object.entries(flags).flatMap(([key, flag]) => [flag, String(ports[key as keyof typeof flags])]);
}

/** Spawns the local host; resolves when it says it is ready, rejects if it exits first. */
export function launch(
  args: string[],
  env: NodeJS.ProcessEnv = {}
): Omit<RunningPlatform, 'base' | 'ports'> & { ready: Promise<string> } {
  const child = spawn(process.execPath, [mainScript, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal }))
  );
  const ready = new Promise<string>((resolve, reject) => {
    child.on('message', (message: { type?: string; base?: string }) => {
      if (message?.type === 'ready' && message.base) resolve(message.base);
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`local host exited (${code ?? signal}) before ready:\n${output}`))
    );
  });
  ready.catch(() => undefined);
  return { child, output: () => output, exited, ready };
}

/** A launched platform that has said it is ready, on ports its caller chose. */
export type LaunchedPlatform = Omit<RunningPlatform, 'base' | 'ports'> & { base: string };

/**
 * Launches the local host on `dataDir` and `ports` (chosen once, so that a crash test can start it again on the
 * same data and ports); resolves when it is ready.
 */
export async function launchOn(
  dataDir: string,
  ports: RunningPlatform['ports'],
  extraArgs: string[] = []
): Promise<LaunchedPlatform> {
  const launched = launch(['--data-dir', dataDir, ...portArgs(ports), ...extraArgs]);
  return { ...launched, base: await launched.ready };
}

/**
 * Starts the platform on free ports; when one of them was taken between the choice and the start (another test
 * file's servers run in parallel), tries again on new ones.
 */
export async function startPlatform(dataDir: string, extraArgs: string[] = []): Promise<RunningPlatform> {
  for (let attempt = 1; ; attempt++) {
    const ports = await platformPorts();
    try {
      return { ...(await launchOn(dataDir, ports, extraArgs)), ports };
    } catch (error) {
      const portTaken = /EADDRINUSE|is in use/.test((error as Error).message);
      if (!portTaken || attempt >= 3) throw error;
    }
  }
}

/**
 * A test's cleanup of the platform it started on `dataDir`: SIGINT (as Ctrl-C), SIGKILL if it has not exited
 * within 15 s; then, after waiting up to `childrenMs` for its child servers to stop by themselves, SIGKILL (after
 * SIGCONT: a test may have stalled one with SIGSTOP) to every process still mentioning `dataDir`, and the folder
 * removed. Either may be undefined (a beforeAll that failed early).
 */
export async function stopPlatform(
  platform: Pick<RunningPlatform, 'child' | 'exited'> | undefined,
  dataDir: string | undefined,
  { childrenMs = 0 }: { childrenMs?: number } = {}
): Promise<void> {
  if (platform && platform.child.exitCode === null && platform.child.signalCode === null) {
    platform.child.kill('SIGINT');
    const stopped = await Promise.race([
      platform.exited.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 15_000).unref()),
    ]);
    if (!stopped) platform.child.kill('SIGKILL');
  }
  if (!dataDir) return;
  if (childrenMs > 0) {
    await waitFor(() => processesMentioning(dataDir).length === 0, childrenMs, 'the child servers to stop').catch(
      () => undefined
    );
  }
  for (const { pid } of processesMentioning(dataDir)) {
    process.kill(pid, 'SIGCONT');
    process.kill(pid, 'SIGKILL');
  }
  rmSync(dataDir, { recursive: true, force: true });
}

/** Every live process whose command line mentions `text` (e.g. a test's own data folder). */
export function processesMentioning(text: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (cmdline.includes(text) && state !== 'Z') found.push({ pid: Number(entry), cmdline });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

export async function waitFor<T>(probe: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
