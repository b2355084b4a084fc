// Process entry point of the local Cosmos DB stand-in (built to dist/local/cosmos-child.js).
//
//   node dist/local/cosmos-child.js --port 8081 --data-dir .data/cosmos [--host 127.0.0.1]
//
// Ready: IPC { type: 'ready', service: 'cosmos', port, endpoint } and "cosmos ready on <endpoint>".
// Fatal: IPC { type: 'fatal', service: 'cosmos', message }, the message on stderr, exit 1.
// Exits by itself when the parent's IPC channel goes away; SIGTERM/SIGINT close cleanly (exit 0).
import { startCosmosServer, type CosmosServer } from './server';

const SERVICE = 'cosmos';
const USAGE = 'usage: cosmos-child.js --port <port> --data-dir <dir> [--host <host>]';

interface Args {
  port: number;
  dataDir: string;
  host?: string;
}

function parseArgs(argv: string[]): Args {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const match = /^--(port|data-dir|host)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument '${arg}'; ${USAGE}`);
    const name = match[1] ?? '';
    const value = match[2] ?? argv[++i];
    if (value === undefined || value === '') throw new Error(`missing value for --${name}; ${USAGE}`);
    values.set(name, value);
  }
  const portText = values.get('port');
  const dataDir = values.get('data-dir');
  if (portText === undefined || dataDir === undefined) throw new Error(`--port and --data-dir are required; ${USAGE}`);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid port '${portText}'; choose one with --cosmos-port <port> (or env LOCAL_COSMOS_PORT)`);
  }
  const host = values.get('host');
  return host === undefined ? { port, dataDir } : { port, dataDir, host };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
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

let exiting = false;

async function fatal(error: unknown): Promise<never> {
  const message = oneLine(error instanceof Error ? error.message : String(error)) || 'unknown error';
  if (!exiting) {
    exiting = true;
    process.stderr.write(`${message}\n`);
    await send({ type: 'fatal', service: SERVICE, message });
  }
  process.exit(1);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // Set once started; a stop request during start-up exits at once, which is safe (compaction
  // replaces the journal atomically and nothing has been acknowledged yet).
  const running: { server?: CosmosServer } = {};
  let stopping = false;

  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => {
      process.stderr.write(`cosmos: shutdown (${reason}) timed out; exiting\n`);
      process.exit(1);
    }, 10_000);
    force.unref();
    void (running.server ? running.server.close() : Promise.resolve()).then(
      () => process.exit(0),
      (error: unknown) => fatal(error)
    );
  };

  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // The parent died or let go of us: do not linger as an orphan.
  if (process.send) process.on('disconnect', () => shutdown('parent disconnected'));

  const server = await startCosmosServer({
    ...args,
    log: (line) => process.stdout.write(`${oneLine(line)}\n`),
    onJournalFailure: (error) => {
      void fatal(new Error(`${oneLine(error.message)}; exiting so the unjournaled in-memory state is discarded`));
    },
  });
  running.server = server;
  process.stdout.write(`cosmos ready on ${server.endpoint}\n`);
  await send({ type: 'ready', service: SERVICE, port: server.port, endpoint: server.endpoint });
}

process.on('uncaughtException', (error) => void fatal(error));
process.on('unhandledRejection', (error) => void fatal(error));
main().catch((error: unknown) => fatal(error));
