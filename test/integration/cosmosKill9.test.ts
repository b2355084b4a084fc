import { CosmosClient, type Container } from '@azure/cosmos';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CHILD = resolve(__dirname, '../../dist/local/cosmos-child.js');
const KEY = Buffer.from('local-cosmos-test-key').toString('base64');

interface Ready {
  type: 'ready';
  service: string;
  port: number;
  endpoint: string;
}

interface Running {
  proc: ChildProcess;
  output: { stdout: string; stderr: string };
  messages: Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  ready: Promise<Ready>;
}

const running = new Set<ChildProcess>();
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cosmos-kill9-'));
  dirs.push(dir);
  return dir;
}

function startChild(dataDir: string, port = 0): Running {
  const proc = fork(CHILD, ['--port', String(port), '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  running.add(proc);
  const output = { stdout: '', stderr: '' };
  proc.stdout?.on('data', (d: Buffer) => (output.stdout += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output.stderr += d.toString()));
  const messages: Array<Record<string, unknown>> = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    proc.on('exit', (code, signal) => {
      running.delete(proc);
      done({ code, signal });
    });
  });
  const ready = new Promise<Ready>((done, fail) => {
    proc.on('message', (message: Record<string, unknown>) => {
      messages.push(message);
      if (message.type === 'ready') done(message as unknown as Ready);
    });
    void exited.then(({ code, signal }) =>
      fail(new Error(`cosmos child exited (${code ?? signal}) before ready: ${output.stderr.trim()}`))
    );
  });
  ready.catch(() => undefined);
  return { proc, output, messages, exited, ready };
}

async function kill9(child: Running): Promise<void> {
  child.proc.kill('SIGKILL');
  expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
}

function caOf(dataDir: string): string {
  return readFileSync(join(dataDir, 'cert.pem'), 'utf8');
}

function clientFor(ready: Ready, dataDir: string): CosmosClient {
  return new CosmosClient({
    endpoint: ready.endpoint,
    key: KEY,
    agent: new https.Agent({ ca: caOf(dataDir) }),
    connectionPolicy: { enableEndpointDiscovery: false },
  });
}

async function setUp(client: CosmosClient): Promise<Container> {
  const { database } = await client.databases.createIfNotExists({ id: 'db' });
  const { container } = await database.containers.createIfNotExists({ id: 'docs', partitionKey: { paths: ['/pk'] } });
  return container;
}

/** A raw HTTPS document create without SDK retries: resolves true only on a 201. */
function rawCreate(ready: Ready, ca: string, doc: { id: string; pk: string }): Promise<boolean> {
  const body = JSON.stringify(doc);
  return new Promise((done) => {
    const req = https.request(
      `${ready.endpoint}/dbs/db/colls/docs/docs`,
      {
        method: 'POST',
        ca,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-ms-documentdb-partitionkey': JSON.stringify([doc.pk]),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode === 201));
        res.on('error', () => done(false));
      }
    );
    req.on('error', () => done(false));
    req.end(body);
  });
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    if (existsSync('/proc/self/stat')) return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

afterEach(async () => {
  await Promise.all(
    [...running].map(
      (proc) =>
        new Promise<void>((done) => {
          if (proc.exitCode !== null || proc.signalCode !== null) return done();
          proc.once('exit', () => done());
          proc.kill('SIGKILL');
        })
    )
  );
  running.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('cosmos child process', () => {
  it('keeps every acknowledged write through kill -9 (idle and with writes in flight)', async () => {
    const dataDir = tempDir();

    // 1. 200 concurrent writes, each acknowledged, then kill -9 right away.
    const first = startChild(dataDir);
    const ready1 = await first.ready;
    expect(ready1).toMatchObject({ type: 'ready', service: 'cosmos', endpoint: `https://127.0.0.1:${ready1.port}` });
    const readyLine = `cosmos ready on https://127.0.0.1:${ready1.port}\n`;
    expect(await waitFor(() => first.output.stdout.includes(readyLine), 5000)).toBe(true);
    const container1 = await setUp(clientFor(ready1, dataDir));
    const docs = Array.from({ length: 200 }, (_, i) => ({ id: `doc-${i}`, pk: `p${i % 7}`, i, payload: `value ${i}` }));
    const results = await Promise.all(docs.map((doc) => container1.items.create(doc)));
    expect(results.every((r) => r.statusCode === 201)).toBe(true);
    await kill9(first);

    const second = startChild(dataDir);
    const ready2 = await second.ready;
    const container2 = clientFor(ready2, dataDir).database('db').container('docs');
    for (const doc of docs) {
      const { resource, statusCode } = await container2.item(doc.id, doc.pk).read<typeof doc>();
      expect(statusCode).toBe(200);
      expect(resource).toMatchObject(doc);
    }
    const { resources: all } = await container2.items.readAll().fetchAll();
    expect(all).toHaveLength(200);

    // 2. Kill -9 while 300 more writes are in flight: every acknowledged one must survive.
    const ca = caOf(dataDir);
    const more = Array.from({ length: 300 }, (_, i) => ({ id: `more-${i}`, pk: `q${i % 5}` }));
    const acked = new Set<string>();
    let killed = false;
    await Promise.all(
      more.map(async (doc) => {
        if (await rawCreate(ready2, ca, doc)) {
          acked.add(doc.id);
          if (acked.size === 100 && !killed) {
            killed = true;
            second.proc.kill('SIGKILL');
          }
        }
      })
    );
    expect(await second.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(acked.size).toBeGreaterThanOrEqual(100);

    const third = startChild(dataDir);
    const ready3 = await third.ready;
    const container3 = clientFor(ready3, dataDir).database('db').container('docs');
    const { resources: after } = await container3.items.readAll().fetchAll();
    const ids = new Set(after.map((d) => d.id as string));
    for (const doc of docs) expect(ids.has(doc.id)).toBe(true);
    for (const id of acked) expect(ids.has(id)).toBe(true);
    // Nothing that was never written shows up.
    expect(after.length).toBeLessThanOrEqual(200 + 300);
    expect(third.output.stderr).toBe('');

    // 3. SIGTERM closes cleanly (exit 0) and keeps what was written.
    await container3.items.create({ id: 'before-sigterm', pk: 'z' });
    third.proc.kill('SIGTERM');
    expect(await third.exited).toEqual({ code: 0, signal: null });
    const fourth = startChild(dataDir);
    const ready4 = await fourth.ready;
    const { statusCode } = await clientFor(ready4, dataDir)
      .database('db')
      .container('docs')
      .item('before-sigterm', 'z')
      .read();
    expect(statusCode).toBe(200);
  });

  it('drops a torn last journal line and starts', async () => {
    const dataDir = tempDir();
    const first = startChild(dataDir);
    const container = await setUp(clientFor(await first.ready, dataDir));
    await container.items.create({ id: 'kept', pk: 'a' });
    await kill9(first);

    const journal = join(dataDir, 'journal.jsonl');
    const complete = readFileSync(journal, 'utf8');
    appendFileSync(journal, '{"method":"POST","url":"/dbs/db/colls/docs/docs","headers":{},"body":"{\\"id\\":\\"tor');

    const second = startChild(dataDir);
    const ready = await second.ready;
    expect(second.output.stdout).toMatch(/dropped a torn last line \(line 4,/);
    const docs = clientFor(ready, dataDir).database('db').container('docs');
    expect((await docs.item('kept', 'a').read()).statusCode).toBe(200);
    const { resources } = await docs.items.readAll().fetchAll();
    expect(resources.map((d) => d.id)).toEqual(['kept']);
    // The torn line is gone and the journal was rewritten (compacted) from the state.
    const rewritten = readFileSync(journal, 'utf8');
    expect(rewritten).not.toContain('tor');
    expect(rewritten.trimEnd().split('\n')).toHaveLength(complete.trimEnd().split('\n').length);
  });

  it('refuses to start on a corrupt middle journal line: exit 1, one-line message', async () => {
    const dataDir = tempDir();
    const journal = join(dataDir, 'journal.jsonl');
    const entry = (url: string, body: unknown) =>
      `${JSON.stringify({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })}\n`;
    const content = `${entry('/dbs', { id: 'db' })}{"method":"POST","url":"/dbs/db/co\u0000\u0000\n${entry('/dbs/db/colls', { id: 'docs' })}`;
    writeFileSync(journal, content);

    const child = startChild(dataDir);
    await expect(child.ready).rejects.toThrow();
    expect((await child.exited).code).toBe(1);
    const lines = child.output.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(journal);
    expect(lines[0]).toContain('line 2');
    expect(lines[0]).toContain('move the data folder aside (or delete it to start empty)');
    expect(child.messages).toEqual([{ type: 'fatal', service: 'cosmos', message: lines[0] }]);
    expect(readFileSync(journal, 'utf8')).toBe(content);
  });

  it('exits 1 with a one-line message when the port is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const child = startChild(tempDir(), port);
      expect((await child.exited).code).toBe(1);
      const lines = child.output.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`port ${port}\\b.*--cosmos-port.*LOCAL_COSMOS_PORT`));
      expect(child.messages).toEqual([{ type: 'fatal', service: 'cosmos', message: lines[0] }]);
    } finally {
      await new Promise((done) => blocker.close(done));
    }
  });

  it('exits by itself when its parent is killed with SIGKILL', async () => {
    const dataDir = tempDir();
    const script = `
      const { fork } = require('node:child_process');
      const child = fork(${JSON.stringify(CHILD)}, ['--port', '0', '--data-dir', ${JSON.stringify(dataDir)}], { stdio: 'ignore' });
      child.on('message', (m) => { if (m.type === 'ready') console.log(JSON.stringify({ pid: child.pid, port: m.port })); });
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    running.add(parent);
    let grandchild = 0;
    try {
      const line = await new Promise<string>((done, fail) => {
        let out = '';
        parent.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) done(out.split('\n')[0] ?? '');
        });
        parent.on('exit', () => fail(new Error('parent exited early')));
      });
      grandchild = (JSON.parse(line) as { pid: number }).pid;
      expect(isAlive(grandchild)).toBe(true);
      parent.kill('SIGKILL');
      expect(await waitFor(() => !isAlive(grandchild), 10_000)).toBe(true);
    } finally {
      if (grandchild && isAlive(grandchild)) process.kill(grandchild, 'SIGKILL');
    }
  });
});
