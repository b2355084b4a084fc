import { spawn, type ChildProcess } from 'node:child_process';
import { HostStartError } from '../errors';

export interface ChildServiceSpec {
  name: string;
  script: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Preloaded so the child exits when the host dies. */
  parentWatch: string;
  /** Ready when this IPC message type arrives, or a stdout line matches. */
  readyWhen: { ipcType?: string; stdout?: RegExp };
  startTimeoutMs: number;
  log: (line: string) => void;
}

/** A local server the host runs as a child process, with the host's IPC channel as its lifeline. */
export class ChildService {
  private child: ChildProcess | undefined;
  private stopping = false;
  onUnexpectedExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;

  constructor(readonly spec: ChildServiceSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    const { spec } = this;
    this.stopping = false;
    const child = spawn(process.execPath, ['-r', spec.parentWatch, spec.script, ...spec.args], {
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    let stderrTail = '';
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () => settle(new HostStartError(`${spec.name} did not start within ${spec.startTimeoutMs / 1000} s`)),
        spec.startTimeoutMs
      );
      child.on('message', (message: { type?: string; message?: string }) => {
        if (message?.type === 'fatal') settle(new HostStartError(`${spec.name}: ${message.message ?? 'failed'}`));
        if (spec.readyWhen.ipcType && message?.type === spec.readyWhen.ipcType) settle();
      });
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        if (spec.readyWhen.stdout?.test(chunk)) settle();
      });
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        stderrTail = (stderrTail + chunk).slice(-2000);
      });
      child.once('exit', (code, signal) => {
        const lastLine = stderrTail.trim().split('\n').pop()?.trim();
        settle(
          new HostStartError(
            `${spec.name} exited during start (code ${code ?? signal})${lastLine ? `: ${lastLine}` : ''}`
          )
        );
        if (!this.stopping && settled) {
          spec.log(`${spec.name} exited unexpectedly (code ${code ?? signal})${lastLine ? `: ${lastLine}` : ''}`);
          this.onUnexpectedExit?.(code, signal);
        }
      });
    });
  }

  /**
   * Asks the child to stop by closing its lifeline (see parentWatch: it then shuts down as on SIGTERM,
   * and the open channel no longer keeps it alive) and waits; kills it if it does not stop in time.
   */
  async stop(timeoutMs = 15_000): Promise<void> {
    const child = this.child;
    this.stopping = true;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (child.connected) child.disconnect();
    else child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
