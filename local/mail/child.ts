// Process entry point of the local mail sink (built to dist/local/mail-child.js).
//
//   node dist/local/mail-child.js --smtp-port 2525 --web-port 7073 --data-dir .data [--host 127.0.0.1]
//
// Messages are kept in <data-dir>/mail. Ready: IPC { type: 'ready', service: 'mail', smtpPort, webPort }
// and "mail ready: smtp <host>:<port>, inbox <url>". Fatal: IPC { type: 'fatal', service: 'mail', message },
// the message on stderr, exit 1. Exits by itself when the parent's IPC channel goes away; SIGTERM/SIGINT
// close the servers cleanly (exit 0).
import { oneLine, parseChildArgs, runChildServer } from '../processes/childServer';
import { MailSinkPortInUseError, startMailSink } from './mailSink';

/** How the local host names the options that choose these ports. */
const portFlags = {
  smtp: '--smtp-port <port> (or env LOCAL_SMTP_PORT)',
  web: '--mail-web-port <port> (or env LOCAL_MAIL_WEB_PORT)',
} as const;

function parsePort(text: string, which: keyof typeof portFlags): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    throw new Error(`invalid port '${text}'; choose one with ${portFlags[which]}`);
  return port;
}

runChildServer({
  service: 'mail',
  describeFatal: (error) => {
    const message = oneLine(error instanceof Error ? error.message : String(error)) || 'unknown error';
    return error instanceof MailSinkPortInUseError
      ? `${message}: stop what uses it, or choose another with ${portFlags[error.which]}`
      : message;
  },
  async start() {
    const args = parseChildArgs(process.argv.slice(2), {
      required: ['smtp-port', 'web-port', 'data-dir'],
      optional: ['host'],
      usage: 'usage: mail-child.js --smtp-port <port> --web-port <port> --data-dir <dir> [--host <host>]',
    });
    const sink = await startMailSink({
      smtpPort: parsePort(args['smtp-port'], 'smtp'),
      webPort: parsePort(args['web-port'], 'web'),
      dataDir: args['data-dir'],
      ...(args.host ? { host: args.host } : {}),
      log: (line) => process.stdout.write(`${oneLine(line)}\n`),
    });
    return {
      close: () => sink.close(),
      readyLine: `mail ready: smtp ${sink.host}:${sink.smtpPort}, inbox ${sink.webUrl}`,
      readyMessage: { smtpPort: sink.smtpPort, webPort: sink.webPort },
    };
  },
});
