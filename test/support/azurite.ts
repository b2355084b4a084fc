// A real Azurite blob service for API tests (the `azurite` package the local platform runs), in a child
// process of its own on a free port, in memory, with the account name and key the test gives it. Stopping it
// ends the child (SIGTERM, then SIGKILL if it lingers).
import { spawn, type ChildProcess } from 'node:child_process';

export interface AzuriteBlob {
  port: number;
  stop(): Promise<void>;
}

export async function startAzuriteBlob(options: {
  accountName: string;
  accountKey: string;
  cwd: string;
  timeoutMs?: number;
}): Promise<AzuriteBlob> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      require.resolve('azurite/dist/src/blob/main.js'),
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--inMemoryPersistence',
      '--extentMemoryLimit',
      '256',
      '--disableTelemetry',
      '--skipApiVersionCheck',
      '--silent',
    ],
    {
      cwd: options.cwd,
      env: { ...process.env, AZURITE_ACCOUNTS: `${options.accountName}:${options.accountKey}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killed = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killed);
  };
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Azurite did not start within ${options.timeoutMs ?? 30_000} ms:\n${output}`)),
      options.timeoutMs ?? 30_000
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /successfully listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited before it listened:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  // Keep draining its output so a full pipe never blocks it.
  child.stdout?.resume();
  child.stderr?.resume();
  return { port, stop };
}
