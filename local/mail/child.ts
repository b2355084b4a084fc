// Process entry point of the local mail sink (built to dist/local/mail-child.js).
//
//   node dist/local/mail-child.js --smtp-port 2525 --web-port 7073 --data-dir .data [--host 127.0.0.1]
//
// Messages are kept in <data-dir>/mail. Ready: IPC { type: 'ready', service: 'mail', smtpPort, webPort }
// and "mail ready: smtp <host>:<port>, inbox <url>". Fatal: IPC { type: 'fatal', service: 'mail', message },
// the message on stderr, exit 1. Exits by itself when the parent's IPC channel goes away; SIGTERM/SIGINT
// close the servers cleanly (exit 0).
import { MailSinkPortInUseError, startMailSink, type MailSink } from './mailSink';

const SERVICE = 'mail';
const USAGE = 'usage: mail-child.js --smtp-port <port> --web-port <port> --data-dir <dir> [--host <host>]';
/** How the local host names the options that choose these ports. */
const portFlags = {
  smtp: '--smtp-port <port> (or env LOCAL_SMTP_PORT)',
  web: '--mail-web-port <port> (or env LOCAL_MAIL_WEB_PORT)',
} as const;

interface Args {
  smtpPort: number;
  webPort: number;
  dataDir: string;
  host?: string;
}

function parsePort(text: string, which: keyof typeof portFlags): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid port '${text}'; choose one with ${portFlags[which]}`);
  }
  return port;
}

function parseArgs(argv: string[]): Args {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const match = /^--(smtp-port|web-port|data-dir|host)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument '${arg}'; ${USAGE}`);
    const name = match[1] ?? '';
    const value = match[2] ?? argv[++i];
    if (value === undefined || value === '') throw new Error(`missing value for --${name}; ${USAGE}`);
    values.set(name, value);
  }
  const smtpPort = values.get('smtp-port');
  const webPort = values.get('web-port');
  const dataDir = values.get('data-dir');
  if (smtpPort === undefined || webPort === undefined || dataDir === undefined) {
    throw new Error(`--smtp-port, --web-port and --data-dir are required; ${USAGE}`);
  }
  const args: Args = { smtpPort: parsePort(smtpPort, 'smtp'), webPort: parsePort(webPort, 'web'), dataDir };
  const host = values.get('host');
  return host === undefined ? args : { ...args, host };
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
  let message = oneLine(error instanceof Error ? error.message : String(error)) || 'unknown error';
  if (error instanceof MailSinkPortInUseError) {
    message = `${message}: stop what uses it, or choose another with ${portFlags[error.which]}`;
  }
  if (!exiting) {
    exiting = true;
    process.stderr.write(`${message}\n`);
    await send({ type: 'fatal', service: SERVICE, message });
  }
  process.exit(1);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // Set once started; a stop request during start-up exits at once, which is safe (a message is
  // acknowledged only after its file is written, and nothing was acknowledged yet).
  const running: { sink?: MailSink } = {};
  let stopping = false;

  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => {
      process.stderr.write(`mail: shutdown (${reason}) timed out; exiting\n`);
      process.exit(1);
    }, 10_000);
    force.unref();
    void (running.sink ? running.sink.close() : Promise.resolve()).then(
      () => process.exit(0),
      (error: unknown) => fatal(error)
    );
  };

  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // The parent died or let go of us: do not linger as an orphan.
  if (process.send) process.on('disconnect', () => shutdown('parent disconnected'));

  const sink = await startMailSink({
    ...args,
    log: (line) => process.stdout.write(`${oneLine(line)}\n`),
  });
  running.sink = sink;
  process.stdout.write(`mail ready: smtp ${sink.host}:${sink.smtpPort}, inbox ${sink.webUrl}\n`);
  await send({ type: 'ready', service: SERVICE, smtpPort: sink.smtpPort, webPort: sink.webPort });
}

process.on('uncaughtException', (error) => void fatal(error));
process.on('unhandledRejection', (error) => void fatal(error));
main().catch((error: unknown) => fatal(error));
