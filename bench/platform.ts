// Runs `npm start` the way a developer does, in its own process group, on free loopback ports and a
// fresh data directory; waits for GET /api/health to answer 200; stops it with SIGINT to the group
// (as Ctrl-C does) and checks that nothing of it is left.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from '../local/processes/ports';
import { isAlive, processGroup, processTree, type ProcInfo } from './procTree';

export const loopback = '127.0.0.1';
const startTimeoutMs = 180_000;
export const stopTimeoutMs = 30_000;
const pollIntervalMs = 100;

export interface RunningPlatform {
  pid: number;
  port: number;
  /** Every port the platform was given (all free loopback ports picked by the runner). */
  ports: PlatformPorts;
  /** The platform's data directory (inside the runner's temporary directory, removed afterwards). */
  dataDir: string;
  /** From spawn to the first 200 of GET /api/health. */
  startToHealthyMs: number;
  healthUrl: string;
  logFile: string;
}

export interface PlatformPorts {
  port: number;
  cosmos: number;
  blob: number;
  queue: number;
  table: number;
  gateway: number;
  smtp: number;
  mailWeb: number;
}

export interface PlatformOptions {
  /** More `npm start` flags, e.g. `--virtual-clock`. */
  extraArgs?: readonly string[];
}

export interface StopReport {
  /** From SIGINT to the last process of the tree gone. */
  stopMs: number;
  /** Processes still running when the stop timed out (then killed with SIGKILL). */
  leftover: ProcInfo[];
  killed: boolean;
}

/** Process groups (and their temporary directories) this runner started and has not seen stop. */
const liveGroups = new Set<number>();
const liveTmpDirs = new Set<string>();

/** For when the runner itself is interrupted: kills what it started and removes its temporary directories. */
export function killLiveGroups(): void {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  liveGroups.clear();
  for (const dir of liveTmpDirs) rmSync(dir, { recursive: true, force: true });
  liveTmpDirs.clear();
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Distinct free loopback ports (the OS could hand out the same port twice between probes). */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let attempt = 0; ports.size < count && attempt < count * 20; attempt += 1) {
    ports.add(await freePort(loopback));
  }
  if (ports.size < count) throw new Error('could not find free loopback ports');
  return [...ports];
}

/** The status of GET url, or undefined if it could not be reached. */
export function httpStatus(url: string, timeoutMs = 2_000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Starts the platform, runs `use` while it serves, and stops it, whatever happens; the temporary
 * directory (data and log) is removed afterwards.
 */
export async function withPlatform<T>(
  repoRoot: string,
  use: (platform: RunningPlatform) => Promise<T>,
  options: PlatformOptions = {}
): Promise<{ result: T; stop: StopReport }> {
  const [port, cosmos, blob, queue, table, gateway, smtp, mailWeb] = (await freePorts(8)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ports: PlatformPorts = { port, cosmos, blob, queue, table, gateway, smtp, mailWeb };
  const tmp = mkdtempSync(join(tmpdir(), 'bench-platform-'));
  liveTmpDirs.add(tmp);
  const logFile = join(tmp, 'platform.log');
  const dataDir = join(tmp, 'data');
  const args = [
    'start',
    '--',
    '--data-dir',
    dataDir,
    '--port',
    String(port),
    '--cosmos-port',
    String(cosmos),
    '--blob-port',
    String(blob),
    '--queue-port',
    String(queue),
    '--table-port',
    String(table),
    '--gateway-port',
    String(gateway),
    '--smtp-port',
    String(smtp),
    '--mail-web-port',
    String(mailWeb),
    ...(options.extraArgs ?? []),
  ];
  // The platform logs to a file: a pipe would have to be drained by this process, costing it CPU under load.
  const logFd = openSync(logFile, 'w');
  let child: ChildProcess | undefined;
  let stop: StopReport | undefined;
  try {
    const spawnedAt = performance.now();
    child = spawn('npm', args, {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, LOCAL_HOST_ADDRESS: loopback },
    });
    const spawned = child;
    const spawnError = new Promise<never>((_, reject) => spawned.once('error', reject));
    spawnError.catch(() => undefined);
    const pid = child.pid;
    if (pid === undefined) await spawnError;
    liveGroups.add(pid!);

    const healthUrl = `http://${loopback}:${port}/api/health`;
    let startToHealthyMs: number | undefined;
    while (startToHealthyMs === undefined) {
      const status = await Promise.race([httpStatus(healthUrl), spawnError]);
      if (status === 200) {
        startToHealthyMs = performance.now() - spawnedAt;
        break;
      }
      if (exited(child)) {
        throw new Error(
          `npm start exited (code ${child.exitCode ?? child.signalCode}) before healthy:\n${logTail(logFile)}`
        );
      }
      if (performance.now() - spawnedAt > startTimeoutMs) {
        throw new Error(
          `not healthy within ${startTimeoutMs / 1000} s (last status ${status ?? 'none'}):\n${logTail(logFile)}`
        );
      }
      await sleep(pollIntervalMs);
    }
    const result = await use({ pid: pid!, port, ports, dataDir, startToHealthyMs, healthUrl, logFile });
    stop = await stopPlatform(child);
    return { result, stop };
  } finally {
    if (child?.pid !== undefined && !stop) {
      const report = await stopPlatform(child);
      if (report.killed)
        process.stderr.write(`platform did not stop on SIGINT; killed ${report.leftover.length} process(es)\n`);
    }
    closeSync(logFd);
    rmSync(tmp, { recursive: true, force: true });
    liveTmpDirs.delete(tmp);
  }
}

/** SIGINT to the group, wait until every process of the tree is gone; SIGKILL as a last resort. */
async function stopPlatform(child: ChildProcess): Promise<StopReport> {
  const pgid = child.pid!;
  // Everything to wait for: the tree now, plus anything in the group that lost its parent.
  const watched = new Map<string, ProcInfo>();
  for (const p of [...processTree(pgid), ...processGroup(pgid)]) watched.set(`${p.pid}:${p.startTime}`, p);
  const childExit = exited(child)
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stoppedAt = performance.now();
  try {
    process.kill(-pgid, 'SIGINT');
  } catch {
    // the group is already gone
  }
  const remaining = () => {
    for (const p of processGroup(pgid)) watched.set(`${p.pid}:${p.startTime}`, p);
    return [...watched.values()].filter(isAlive);
  };
  let left = remaining();
  while ((left.length > 0 || !exited(child)) && performance.now() - stoppedAt < stopTimeoutMs) {
    await sleep(50);
    left = remaining();
  }
  const stopMs = performance.now() - stoppedAt;
  let killed = false;
  if (left.length > 0 || !exited(child)) {
    killed = true;
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    for (const p of left) {
      try {
        if (isAlive(p)) process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    await Promise.race([childExit, sleep(5_000)]);
  }
  liveGroups.delete(pgid);
  return { stopMs, leftover: left, killed };
}
