// The local stand-in for outgoing email: an SMTP server on loopback that keeps every message it receives
// as a JSON file, and a web inbox where a person reads them. Nothing is ever relayed to the outside.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser, type AddressObject, type EmailAddress } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface MailSinkOptions {
  /** SMTP port; 0 picks a free one. */
  smtpPort: number;
  /** Web inbox port; 0 picks a free one. */
  webPort: number;
  /** The data folder; messages go to `<dataDir>/mail`. */
  dataDir: string;
  /** Interface for both servers; default 127.0.0.1. */
  host?: string;
  /** Largest message accepted (SMTP SIZE); default 10 MB. */
  maxMessageBytes?: number;
  log?: (line: string) => void;
}

interface SmtpConnectionPrototype {
  init(this: SmtpConnectionPrototype): void;
  _setListeners(callback: () => void): void;
  connectionReady(): void;
}

let greetsAtOnce = false;

/**
 * smtp-server waits 100 ms after it accepts a connection before it greets, to catch clients that talk too
 * early (spam bots). The app's SMTP sender opens a connection per email and the outbox delivers one after
 * another, so every email held the outbox 100 ms (a thousand: 100 s of a virtual-clock jump). The sink, on
 * loopback and relaying nothing, greets at once: its connections' `init` without the delay (smtp-server's own
 * `init` otherwise does only a `maxClients` check, which the sink does not set).
 */
function greetAtOnce(): void {
  if (greetsAtOnce) return;
  const module = createRequire(require.resolve('smtp-server'))('smtp-server/lib/smtp-connection') as {
    SMTPConnection?: { prototype: SmtpConnectionPrototype };
  };
  const prototype = module.SMTPConnection?.prototype;
  if (!prototype || typeof prototype._setListeners !== 'function' || typeof prototype.connectionReady !== 'function') {
    return; // another smtp-server: keep its own greeting
  }
  prototype.init = function init(this: SmtpConnectionPrototype) {
    this._setListeners(() => this.connectionReady());
  };
  greetsAtOnce = true;
}

/** One received message, as stored in its JSON file and returned by the JSON API. */
export interface StoredMail {
  /** Hash of the Message-ID: the message's key in the inbox URLs and its file name. */
  id: string;
  messageId: string;
  receivedAt: string;
  from: string;
  to: string[];
  cc: string[];
  envelope: { from: string | null; to: string[] };
  subject: string;
  /** The Date header, if any. */
  date: string | null;
  text: string | null;
  html: string | null;
  attachments: { filename: string | null; contentType: string; size: number }[];
  /** Size of the raw message in bytes. */
  size: number;
}

export interface MailSink {
  readonly host: string;
  readonly smtpPort: number;
  readonly webPort: number;
  /** http://host:webPort */
  readonly webUrl: string;
  /** Newest first. */
  messages(): StoredMail[];
  close(): Promise<void>;
}

/** A port of the sink is taken; `which` says which one so the caller can name the flag to change it. */
export class MailSinkPortInUseError extends Error {
  override name = 'MailSinkPortInUseError';
  constructor(
    readonly which: 'smtp' | 'web',
    readonly port: number,
    host: string
  ) {
    super(`port ${port} on ${host} (mail sink ${which === 'smtp' ? 'SMTP' : 'web inbox'}) is in use`);
  }
}

export class CorruptMailDataError extends Error {
  override name = 'CorruptMailDataError';
  constructor(file: string, problem: string) {
    super(`corrupt data: ${file} ${problem}; move it aside (or delete the mail folder to start empty) and start again`);
  }
}

const defaultMaxMessageBytes = 10 * 1024 * 1024;
const fileNamePattern = /^(.+)-([0-9a-f]{32})\.json$/;
const loopbackHosts = new Set(['127.0.0.1', '::1', 'localhost']);

/** The inbox key of a Message-ID. */
export function mailKey(messageId: string): string {
  return createHash('sha256').update(messageId, 'utf8').digest('hex').slice(0, 32);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function addressesOf(field: AddressObject | AddressObject[] | undefined): string[] {
  const flatten = (list: EmailAddress[]): string[] =>
    list.flatMap((a) => [...(a.address ? [a.address] : []), ...flatten(a.group ?? [])]);
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((o) => flatten(o.value));
}

function isStoredMail(value: unknown, key: string): value is StoredMail {
  const v = value as Partial<StoredMail> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.id === key &&
    typeof v.messageId === 'string' &&
    typeof v.receivedAt === 'string' &&
    typeof v.subject === 'string' &&
    Array.isArray(v.to) &&
    Array.isArray(v.cc) &&
    typeof v.envelope === 'object' &&
    v.envelope !== null &&
    Array.isArray(v.envelope.to)
  );
}

/** Writes a file so that it is either absent or complete, and durable once this resolves. */
async function writeFileAtomically(dir: string, name: string, content: string): Promise<void> {
  const tmp = join(dir, `.${name}.${process.pid}.${randomUUID()}.tmp`);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, join(dir, name));
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Not every platform can fsync a directory (Windows); the rename itself is still atomic there.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Messages on disk, keyed by the hash of their Message-ID. */
class MailStore {
  private readonly byKey = new Map<string, { mail: StoredMail; file: string }>();
  /** Writes under way, so a concurrent delivery of the same Message-ID waits for the first one. */
  private readonly writing = new Map<string, Promise<void>>();

  constructor(readonly dir: string) {}

  async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const names = (await readdir(this.dir)).sort();
    for (const name of names) {
      if (name.endsWith('.tmp')) {
        // A write that was cut off before its rename: it was never acknowledged to the sender.
        await unlink(join(this.dir, name)).catch(() => undefined);
        continue;
      }
      const match = fileNamePattern.exec(name);
      if (!match) continue;
      const key = match[2] ?? '';
      const file = join(this.dir, name);
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(file, 'utf8'));
      } catch {
        throw new CorruptMailDataError(file, 'is not valid JSON');
      }
      if (!isStoredMail(parsed, key)) throw new CorruptMailDataError(file, 'is not a stored message');
      if (!this.byKey.has(key)) this.byKey.set(key, { mail: parsed, file });
    }
  }

  list(): StoredMail[] {
    return [...this.byKey.values()]
      .sort((a, b) => (a.file < b.file ? 1 : a.file > b.file ? -1 : 0))
      .map((entry) => entry.mail);
  }

  get(key: string): StoredMail | undefined {
    return this.byKey.get(key)?.mail;
  }

  /** Stores the message unless one with the same Message-ID is already stored; true if it was new. */
  async add(mail: StoredMail): Promise<boolean> {
    const pending = this.writing.get(mail.id);
    if (pending) {
      await pending;
      return false;
    }
    if (this.byKey.has(mail.id)) return false;
    const name = `${mail.receivedAt.replace(/[:.]/g, '-')}-${mail.id}.json`;
    const write = writeFileAtomically(this.dir, name, `${JSON.stringify(mail, null, 2)}\n`).then(() => {
      this.byKey.set(mail.id, { mail, file: join(this.dir, name) });
    });
    this.writing.set(mail.id, write);
    try {
      await write;
      return true;
    } finally {
      this.writing.delete(mail.id);
    }
  }

  async clear(): Promise<number> {
    await Promise.allSettled(this.writing.values());
    const entries = [...this.byKey.entries()];
    for (const [key, { file }] of entries) {
      await unlink(file).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      this.byKey.delete(key);
    }
    await syncDirectory(this.dir);
    return entries.length;
  }

  async settle(): Promise<void> {
    await Promise.allSettled(this.writing.values());
  }
}

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

// --- web inbox ------------------------------------------------------------------------------------

const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // No script anywhere; e-mail HTML (in a sandboxed srcdoc frame, which inherits this policy) may use
  // inline styles and data: images but loads nothing from the network.
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

const style = `
  body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem; color: #1b1b1b; }
  h1 { font-size: 1.3rem; } table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
  th { background: #f4f4f4; } td.time { white-space: nowrap; color: #555; }
  pre { white-space: pre-wrap; background: #f7f7f7; padding: .8rem; border: 1px solid #e3e3e3; }
  iframe { width: 100%; height: 32rem; border: 1px solid #ccc; background: #fff; }
  .muted { color: #666; }`;

function page(title: string, body: string, refreshSeconds?: number): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    refreshSeconds ? `<meta http-equiv="refresh" content="${refreshSeconds}">` : '',
    `<title>${escapeHtml(title)}</title><style>${style}</style></head>`,
    `<body>${body}</body></html>`,
  ].join('\n');
}

function displayTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

function inboxPage(messages: StoredMail[]): string {
  const rows = messages
    .map(
      (m) =>
        `<tr><td class="time">${escapeHtml(displayTime(m.receivedAt))}</td>` +
        `<td>${escapeHtml(m.to.join(', ') || m.envelope.to.join(', '))}</td>` +
        `<td><a href="/messages/${escapeHtml(m.id)}">${escapeHtml(m.subject || '(no subject)')}</a></td>` +
        `<td>${escapeHtml(m.from)}</td></tr>`
    )
    .join('\n');
  const body =
    messages.length === 0
      ? '<p class="muted">No messages yet. Email the app sends on the local platform arrives here.</p>'
      : `<table><thead><tr><th>Received</th><th>To</th><th>Subject</th><th>From</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
  return page(
    'Local mail inbox',
    `<h1>Local mail inbox</h1><p class="muted">${messages.length} message${messages.length === 1 ? '' : 's'}, newest first. Nothing here was sent to the outside world. JSON: <a href="/api/messages">/api/messages</a></p>${body}`,
    10
  );
}

function messagePage(m: StoredMail): string {
  const header = (name: string, value: string) => `<tr><th>${name}</th><td>${escapeHtml(value)}</td></tr>`;
  const attachments = m.attachments.length
    ? header(
        'Attachments',
        m.attachments.map((a) => `${a.filename ?? '(unnamed)'} (${a.contentType}, ${a.size} bytes)`).join(', ')
      )
    : '';
  return page(
    m.subject || '(no subject)',
    [
      '<p><a href="/">&larr; Inbox</a></p>',
      `<h1>${escapeHtml(m.subject || '(no subject)')}</h1>`,
      '<table>',
      header('From', m.from),
      header('To', m.to.join(', ')),
      m.cc.length ? header('Cc', m.cc.join(', ')) : '',
      header('Envelope', `${m.envelope.from ?? '<>'} → ${m.envelope.to.join(', ')}`),
      header('Date', m.date ?? ''),
      header('Received', m.receivedAt),
      header('Message-ID', m.messageId),
      attachments,
      '</table>',
      m.html !== null
        ? `<h2>HTML</h2><iframe sandbox="" referrerpolicy="no-referrer" title="HTML body" srcdoc="${escapeHtml(m.html)}"></iframe>`
        : '',
      m.text !== null ? `<h2>Text</h2><pre>${escapeHtml(m.text)}</pre>` : '',
      `<p class="muted"><a href="/api/messages/${escapeHtml(m.id)}">JSON</a></p>`,
    ].join('\n')
  );
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(JSON.stringify(value));
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(`${text}\n`);
}

function sendPage(res: ServerResponse, status: number, html: string, method: string): void {
  res.writeHead(status, pageHeaders);
  res.end(method === 'HEAD' ? undefined : html);
}

// --- the sink ---------------------------------------------------------------------------------------

function listen(
  server: { listen(port: number, host: string, cb: () => void): unknown } & NodeJS.EventEmitter,
  port: number,
  host: string,
  which: 'smtp' | 'web'
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new MailSinkPortInUseError(which, port, host) : error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Starts the SMTP server and the web inbox on `dataDir/mail`; resolves once both listen. */
export async function startMailSink(options: MailSinkOptions): Promise<MailSink> {
  const host = options.host ?? '127.0.0.1';
  const maxBytes = options.maxMessageBytes ?? defaultMaxMessageBytes;
  const log = options.log ?? (() => undefined);
  const store = new MailStore(join(options.dataDir, 'mail'));
  await store.load();

  // Received times are strictly increasing, so "newest first" is the order of arrival.
  let lastReceived = store.list().reduce((latest, m) => Math.max(latest, Date.parse(m.receivedAt) || 0), 0);
  const receivedAt = () => {
    lastReceived = Math.max(Date.now(), lastReceived + 1);
    return new Date(lastReceived).toISOString();
  };

  const receive = async (raw: Buffer, session: SMTPServerSession): Promise<string> => {
    const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true });
    const messageId = parsed.messageId ?? `<${randomUUID()}@mail-sink.local>`;
    const mail: StoredMail = {
      id: mailKey(messageId),
      messageId,
      receivedAt: receivedAt(),
      from: parsed.from?.text ?? '',
      to: addressesOf(parsed.to),
      cc: addressesOf(parsed.cc),
      envelope: {
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
        to: session.envelope.rcptTo.map((r) => r.address),
      },
      subject: parsed.subject ?? '',
      date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : null,
      text: parsed.text ?? null,
      html: typeof parsed.html === 'string' ? parsed.html : null,
      attachments: parsed.attachments.map((a) => ({
        filename: a.filename ?? null,
        contentType: a.contentType,
        size: a.size,
      })),
      size: raw.length,
    };
    const added = await store.add(mail);
    log(
      added
        ? `mail: stored ${messageId} to ${mail.envelope.to.join(', ')}`
        : `mail: ${messageId} is already stored; not stored again`
    );
    return added ? `Message stored as ${mail.id}` : `Message ${mail.id} was already stored`;
  };

  greetAtOnce();
  const smtp = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: maxBytes,
    banner: 'BW-SLCP local mail sink (nothing is relayed)',
    logger: false,
    closeTimeout: 5_000,
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      let length = 0;
      let done = false;
      const finish = (error: Error | null, reply?: string) => {
        if (done) return;
        done = true;
        callback(error, reply);
      };
      stream.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (length <= maxBytes) chunks.push(chunk);
      });
      stream.once('error', (error: Error) => finish(error));
      stream.once('end', () => {
        if (stream.sizeExceeded || length > maxBytes) {
          finish(smtpError(`message exceeds the fixed maximum message size of ${maxBytes} bytes`, 552));
          return;
        }
        receive(Buffer.concat(chunks), session).then(
          (reply) => finish(null, reply),
          (error: unknown) => {
            log(`mail: could not store a message: ${(error as Error)?.message ?? String(error)}`);
            finish(smtpError('the message could not be stored; try again later', 451));
          }
        );
      });
    },
  });

  const allowedHostHeaders = new Set<string>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // The inbox has no sign-in: on loopback, refuse requests for other host names (DNS rebinding).
    if (allowedHostHeaders.size > 0 && !allowedHostHeaders.has((req.headers.host ?? '').toLowerCase())) {
      sendText(res, 421, 'unexpected Host header');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://inbox.invalid');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const notAllowed = (allow: string) => sendText(res, 405, 'method not allowed', { allow });
    const isRead = method === 'GET' || method === 'HEAD';

    if (path === '/') {
      if (!isRead) return notAllowed('GET, HEAD');
      return sendPage(res, 200, inboxPage(store.list()), method);
    }
    const pageMatch = /^\/messages\/([^/]+)$/.exec(path);
    if (pageMatch) {
      if (!isRead) return notAllowed('GET, HEAD');
      const mail = store.get(pageMatch[1] ?? '');
      if (!mail) return sendPage(res, 404, page('Not found', '<p>No such message. <a href="/">Inbox</a></p>'), method);
      return sendPage(res, 200, messagePage(mail), method);
    }
    if (path === '/api/messages') {
      if (method === 'DELETE') return sendJson(res, 200, { deleted: await store.clear() });
      if (!isRead) return notAllowed('GET, HEAD, DELETE');
      const to = url.searchParams.get('to')?.trim().toLowerCase();
      const messages = to
        ? store
            .list()
            .filter((m) => [...m.to, ...m.cc, ...m.envelope.to].some((address) => address.toLowerCase() === to))
        : store.list();
      return sendJson(res, 200, { messages });
    }
    const apiMatch = /^\/api\/messages\/([^/]+)$/.exec(path);
    if (apiMatch) {
      if (!isRead) return notAllowed('GET, HEAD');
      const mail = store.get(apiMatch[1] ?? '');
      return mail ? sendJson(res, 200, mail) : sendJson(res, 404, { error: 'no such message' });
    }
    sendText(res, 404, 'not found');
  };
  const web: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`mail: inbox request failed: ${(error as Error)?.message ?? String(error)}`);
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    });
  });

  // An error of one SMTP session (a client that went away) must not stop the sink.
  smtp.on('error', (error: Error) => log(`mail: smtp: ${error.message}`));
  await listen(smtp, options.smtpPort, host, 'smtp');
  try {
    await listen(web, options.webPort, host, 'web');
  } catch (error) {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    throw error;
  }
  web.on('error', (error: Error) => log(`mail: inbox: ${error.message}`));

  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const webPort = (web.address() as AddressInfo).port;
  if (loopbackHosts.has(host)) {
    for (const name of ['127.0.0.1', 'localhost', '[::1]']) allowedHostHeaders.add(`${name}:${webPort}`);
  }
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    host,
    smtpPort,
    webPort,
    webUrl: `http://${urlHost}:${webPort}`,
    messages: () => store.list(),
    close() {
      closing ??= (async () => {
        const smtpClosed = new Promise<void>((resolve) => smtp.close(() => resolve()));
        const webClosed = new Promise<void>((resolve) => web.close(() => resolve()));
        web.closeAllConnections();
        await Promise.all([smtpClosed, webClosed]);
        await store.settle();
      })();
      return closing;
    },
  };
}
