// The life of a child server of the local host (the Cosmos stand-in, the mail sink): read its flags,
// start it, say "ready" over IPC, report a fatal error as one line, and stop cleanly on SIGTERM/SIGINT or
// when the host's IPC channel goes away (the host stopped it, or died) so nothing is left running.
import { parseArgs } from 'node:util';

export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** `--name value` flags; throws a one-line error naming the usage when one is unknown or missing. */
export function parseChildArgs<R extends string, O extends string>(
  argv: string[],
  flags: { required: readonly R[]; optional: readonly O[]; usage: string }
): Record<R, string> & Partial<Record<O, string>> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: Object.fromEntries([...flags.required, ...flags.optional].map((name) => [name, { type: 'string' }])),
      strict: true,
    }).values;
  } catch (error) {
    throw new Error(`${oneLine((error as Error).message)}; ${flags.usage}`);
  }
  const missing = flags.required.filter((name) => !values[name]);
  if (missing.length > 0) throw new Error(`${missing.map((m) => `--${m}`).join(', ')} required; ${flags.usage}`);
  return values as Record<R, string> & Partial<Record<O, string>>;
}

function send(message: Record<string, unknown>): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) {
      resolve();
      return;
    }
    try {
      process.send(message, undefined, {}, () => resolve());
    } catch {
      resolve();
    }
  });
}

export interface StartedChildServer {
  close(): Promise<void>;
  /** Printed on stdout once ready. */
  readyLine: string;
  /** Sent over IPC with `type: 'ready'` and the service name. */
  readyMessage: Record<string, unknown>;
}

export function runChildServer(spec: {
  service: string;
  /** Turns an error into the one line the host shows (e.g. how to choose another port). */
  describeFatal?: (error: unknown) => string;
  start: (fatal: (error: unknown) => void) => Promise<StartedChildServer>;
}): void {
  let exiting = false;
  const fatal = async (error: unknown): Promise<never> => {
    const message =
      spec.describeFatal?.(error) ??
      (oneLine(error instanceof Error ? error.message : String(error)) || 'unknown error');
    if (!exiting) {
      exiting = true;
      process.stderr.write(`${message}\n`);
      await send({ type: 'fatal', service: spec.service, message });
    }
    process.exit(1);
  };

  // Set once started; a stop request during start-up exits at once, which is safe: nothing was
  // acknowledged yet.
  let running: StartedChildServer | undefined;
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => {
      process.stderr.write(`${spec.service}: shutdown (${reason}) timed out; exiting\n`);
      process.exit(1);
    }, 10_000);
    force.unref();
    void (running ? running.close() : Promise.resolve()).then(
      () => process.exit(0),
      (error: unknown) => fatal(error)
    );
  };

  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (process.send) process.on('disconnect', () => shutdown('parent disconnected'));
  process.on('uncaughtException', (error) => void fatal(error));
  process.on('unhandledRejection', (error) => void fatal(error));

  spec
    .start((error) => void fatal(error))
    .then(async (started) => {
      running = started;
      process.stdout.write(`${started.readyLine}\n`);
      await send({ type: 'ready', service: spec.service, ...started.readyMessage });
    })
    .catch((error: unknown) => fatal(error));
}
