import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startMailSink, type MailSink, type StoredMail } from '../../local/mail/mailSink';
import { createSmtpEmailSender, smtpMessageId } from '../../shared/adapters/email/smtpEmailSender';
import type { EmailSender } from '../../shared/ports/email';

let dataDir: string;
let sink: MailSink | undefined;
let sender: EmailSender;
const logs: string[] = [];

async function start(options: { maxMessageBytes?: number } = {}): Promise<MailSink> {
  sink = await startMailSink({ smtpPort: 0, webPort: 0, dataDir, log: (line) => logs.push(line), ...options });
  sender = createSmtpEmailSender({ host: '127.0.0.1', port: sink.smtpPort, timeoutMs: 5_000 });
  return sink;
}

async function stop(): Promise<void> {
  await sink?.close();
  sink = undefined;
}

async function api(path: string, init?: RequestInit): Promise<Response> {
  if (!sink) throw new Error('sink not started');
  return fetch(`${sink.webUrl}${path}`, init);
}

async function messagesTo(to?: string): Promise<StoredMail[]> {
  const response = await api(`/api/messages${to ? `?to=${encodeURIComponent(to)}` : ''}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { messages: StoredMail[] }).messages;
}

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mail-sink-'));
  logs.length = 0;
  await start();
});

afterEach(async () => {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('local mail sink', () => {
  it('receives text and html messages over SMTP and lists them by recipient, newest first', async () => {
    await sender.send({ id: 'welcome:f-1', to: 'manager@factory.example', subject: 'Welcome', text: 'Hello there' });
    await sender.send({
      id: 'report:f-2',
      to: 'Staff@BetterWork.example',
      subject: 'Report released',
      text: 'Plain version',
      html: '<p>The <b>report</b> is out.</p>',
    });

    const all = await messagesTo();
    expect(all.map((m) => m.subject)).toEqual(['Report released', 'Welcome']);

    const [welcome, ...others] = await messagesTo('manager@factory.example');
    expect(others).toEqual([]);
    expect(welcome).toMatchObject({
      subject: 'Welcome',
      to: ['manager@factory.example'],
      envelope: { to: ['manager@factory.example'] },
      from: '"Better Work SLCP" <no-reply@bw-slcp.local>',
      messageId: smtpMessageId('welcome:f-1'),
      html: null,
    });
    expect(welcome?.text?.trim()).toBe('Hello there');

    // Recipient matching ignores case.
    const [report] = await messagesTo('staff@betterwork.example');
    expect(report?.html).toBe('<p>The <b>report</b> is out.</p>');
    expect(report?.text?.trim()).toBe('Plain version');
    expect(await messagesTo('nobody@example.com')).toEqual([]);

    const one = await api(`/api/messages/${report?.id}`);
    expect(await one.json()).toEqual(report);
    expect((await api('/api/messages/ffffffffffffffffffffffffffffffff')).status).toBe(404);
  });

  it('shows an HTML inbox and message pages with every user-controlled text escaped', async () => {
    await sender.send({
      id: 'xss:1',
      to: 'manager@factory.example',
      subject: 'Hi <script>alert(1)</script> & "you"',
      text: 'Body <img src=x onerror=alert(2)>',
      html: '<p onclick="x()">Hello "there"</p><script>alert(3)</script>',
    });

    const inbox = await api('/');
    expect(inbox.status).toBe(200);
    expect(inbox.headers.get('content-type')).toMatch(/^text\/html/);
    expect(inbox.headers.get('content-security-policy')).toContain("default-src 'none'");
    const inboxHtml = await inbox.text();
    expect(inboxHtml).toContain('Hi &#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;you&#34;');
    expect(inboxHtml).toContain('manager@factory.example');
    expect(inboxHtml).not.toContain('<script>');

    const [mail] = await messagesTo('manager@factory.example');
    expect(inboxHtml).toContain(`href="/messages/${mail?.id}"`);
    const page = await api(`/messages/${mail?.id}`);
    expect(page.status).toBe(200);
    const pageHtml = await page.text();
    expect(pageHtml).not.toContain('<script>');
    expect(pageHtml).not.toContain('<img');
    expect(pageHtml).toContain('Body &#60;img src=x onerror=alert(2)&#62;');
    // The html body is only ever shown inside a sandboxed frame, as an escaped srcdoc attribute.
    expect(pageHtml).toContain(
      '<iframe sandbox="" referrerpolicy="no-referrer" title="HTML body" srcdoc="&#60;p onclick=&#34;x()&#34;&#62;Hello &#34;there&#34;&#60;/p&#62;&#60;script&#62;alert(3)&#60;/script&#62;"></iframe>'
    );
    expect((await api('/messages/not-a-message')).status).toBe(404);
  });

  it('stores a message once however often the same id is sent, also concurrently', async () => {
    const message = { id: 'reminder:f-1:2026-11', to: 'm@factory.example', subject: 'Reminder', text: 'Due soon' };
    await sender.send(message);
    await sender.send(message);
    await Promise.all([sender.send(message), sender.send(message), sender.send(message)]);
    await sender.send({ ...message, id: 'reminder:f-1:2026-12' });

    const stored = await messagesTo('m@factory.example');
    expect(stored.map((m) => m.messageId).sort()).toEqual(
      [smtpMessageId('reminder:f-1:2026-11'), smtpMessageId('reminder:f-1:2026-12')].sort()
    );
    expect(readdirSync(join(dataDir, 'mail')).filter((name) => name.endsWith('.json'))).toHaveLength(2);
  });

  it('keeps the messages across a restart on the same folder, still idempotent', async () => {
    await sender.send({ id: 'a', to: 'x@factory.example', subject: 'First', text: '1' });
    await sender.send({ id: 'b', to: 'x@factory.example', subject: 'Second', text: '2', html: '<i>2</i>' });
    const before = await messagesTo();
    await stop();
    await start();

    expect(await messagesTo()).toEqual(before);
    expect(await (await api('/')).text()).toContain('Second');
    await sender.send({ id: 'a', to: 'x@factory.example', subject: 'First', text: '1' });
    expect(await messagesTo()).toHaveLength(2);
  });

  it('clears the inbox on DELETE /api/messages', async () => {
    await sender.send({ id: 'c', to: 'x@factory.example', subject: 'To clear', text: '1' });
    const response = await api('/api/messages', { method: 'DELETE' });
    expect(await response.json()).toEqual({ deleted: 1 });
    expect(await messagesTo()).toEqual([]);
    expect(readdirSync(join(dataDir, 'mail'))).toEqual([]);
    expect((await api('/api/messages', { method: 'POST' })).status).toBe(405);
  });

  it('refuses requests for another host name (DNS rebinding)', async () => {
    // fetch will not send another Host header, so this one goes through node:http.
    const status = (host: string) =>
      new Promise<number | undefined>((resolveStatus, reject) => {
        const req = request(
          { host: '127.0.0.1', port: sink!.webPort, path: '/api/messages', headers: { host } },
          (res) => {
            res.resume();
            resolveStatus(res.statusCode);
          }
        );
        req.on('error', reject);
        req.end();
      });
    expect(await status('evil.example')).toBe(421);
    expect(await status(`evil.example:${sink!.webPort}`)).toBe(421);
    expect(await status(`localhost:${sink!.webPort}`)).toBe(200);
  });

  it('rejects a send when the sink is down', async () => {
    const port = sink!.smtpPort;
    await stop();
    const down = createSmtpEmailSender({ host: '127.0.0.1', port, timeoutMs: 2_000 });
    await expect(down.send({ id: 'lost?', to: 'x@factory.example', subject: 'S', text: 'T' })).rejects.toThrow(
      new RegExp(`email lost\\? was not sent to SMTP 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`)
    );
  });

  it('rejects a message over the size limit and stores nothing', async () => {
    await stop();
    await start({ maxMessageBytes: 2_000 });
    await expect(
      sender.send({ id: 'big', to: 'x@factory.example', subject: 'Big', text: 'x'.repeat(10_000) })
    ).rejects.toThrow(/size/i);
    expect(await messagesTo()).toEqual([]);
  });

  it('refuses to start on a corrupt message file, naming it', async () => {
    await stop();
    const file = join(dataDir, 'mail', '2026-01-01T00-00-00-000Z-0123456789abcdef0123456789abcdef.json');
    writeFileSync(file, '{ not json');
    writeFileSync(join(dataDir, 'mail', '.leftover.json.1.x.tmp'), 'partial');
    await expect(start()).rejects.toThrow(`corrupt data: ${file} is not valid JSON`);
    rmSync(file);
    await start();
    expect(readdirSync(join(dataDir, 'mail'))).toEqual([]);
  });
});

describe('mail sink child process', () => {
  const script = resolve(__dirname, '../../dist/local/mail-child.js');
  const parentWatch = resolve(__dirname, '../../dist/local/parent-watch.js');
  const children: ChildProcess[] = [];

  function spawnChild(args: string[]): ChildProcess {
    const child = fork(script, args, { execArgv: ['-r', parentWatch], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    children.push(child);
    return child;
  }

  function nextMessage(child: ChildProcess): Promise<Record<string, unknown>> {
    return new Promise((resolveMessage, reject) => {
      child.once('message', (message) => resolveMessage(message as Record<string, unknown>));
      child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
  }

  const exited = (child: ChildProcess) =>
    child.exitCode !== null
      ? Promise.resolve(child.exitCode)
      : new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));

  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('is built', () => {
    expect(existsSync(script)).toBe(true);
  });

  it('reports ready over IPC, receives mail, and exits when the parent lets go', async () => {
    await stop();
    const child = spawnChild(['--smtp-port', '0', '--web-port', '0', '--data-dir', dataDir]);
    const ready = await nextMessage(child);
    expect(ready).toMatchObject({ type: 'ready', service: 'mail' });
    const { smtpPort, webPort } = ready as { smtpPort: number; webPort: number };
    expect(smtpPort).toBeGreaterThan(0);

    await createSmtpEmailSender({ host: '127.0.0.1', port: smtpPort }).send({
      id: 'child-1',
      to: 'c@factory.example',
      subject: 'Via the child',
      text: 'ok',
    });
    const listed = (await (await fetch(`http://127.0.0.1:${webPort}/api/messages`)).json()) as {
      messages: StoredMail[];
    };
    expect(listed.messages.map((m) => m.subject)).toEqual(['Via the child']);

    child.disconnect();
    expect(await exited(child)).toBe(0);
  });

  it('fails with one line naming the flag when a port is in use', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((ready) => blocker.listen(0, '127.0.0.1', () => ready()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const child = spawnChild(['--smtp-port', String(port), '--web-port', '0', '--data-dir', dataDir]);
      const fatal = await nextMessage(child);
      expect(fatal).toEqual({
        type: 'fatal',
        service: 'mail',
        message: `port ${port} on 127.0.0.1 (mail sink SMTP) is in use: stop what uses it, or choose another with --smtp-port <port> (or env LOCAL_SMTP_PORT)`,
      });
      expect(await exited(child)).toBe(1);
    } finally {
      blocker.close();
    }
  });
});
