// The local Functions host with a real '@azure/functions' app: registration capture, routing, the
// request/response mapping seen through a real HTTP client, and timers under the virtual clock.
import { LocalClock } from '../../local/clock';
import type { CoreApi } from '../../local/core/coreApi';
import { RegistrationError } from '../../local/core/registry';
import { LocalHost } from '../../local/host';

let mockCoreApi: CoreApi | undefined;
jest.mock(
  '@azure/functions-core',
  () =>
    new Proxy(
      {},
      { get: (_target, property) => (mockCoreApi as unknown as Record<string | symbol, unknown>)[property] }
    ),
  { virtual: true }
);

describe('local Functions host', () => {
  const lines: string[] = [];
  const clock = new LocalClock('virtual');
  clock.jumpTo(new Date('2030-01-01T00:00:00Z'));
  const host = new LocalHost({
    host: '127.0.0.1',
    port: 0,
    routePrefix: 'api',
    maxRequestBodyBytes: 1024 * 1024,
    functionAppDirectory: __dirname,
    clock,
    writeLine: (line) => lines.push(line),
  });
  let base = '';
  let calls: typeof import('../fixtures/app').calls;

  beforeAll(async () => {
    mockCoreApi = host.coreApi;
    await host.loadApp(async () => {
      calls = (await import('../fixtures/app')).calls;
    });
    await host.start();
    base = `http://127.0.0.1:${host.port}/api`;
  });
  afterAll(() => host.stop());

  it('captures every registration the app makes through @azure/functions', () => {
    expect(host.functions().map((f) => [f.name, f.trigger.type])).toEqual([
      ['echo', 'httpTrigger'],
      ['upload', 'httpTrigger'],
      ['special', 'httpTrigger'],
      ['item', 'httpTrigger'],
      ['nothing', 'httpTrigger'],
      ['fails', 'httpTrigger'],
      ['nightly', 'timerTrigger'],
    ]);
    expect(host.registry.programmingModel?.name).toBe('@azure/functions');
    expect(calls.hooks).toContain('appStart');
  });

  it('rejects a trigger type it does not serve yet, saying which ones it does', async () => {
    const { app } = await import('@azure/functions');
    expect(() => app.storageQueue('queued', { queueName: 'q', connection: 'X', handler: () => undefined })).toThrow(
      RegistrationError
    );
    expect(() => app.storageQueue('queued', { queueName: 'q', connection: 'X', handler: () => undefined })).toThrow(
      /"queueTrigger" trigger, which the local host does not support yet \(supported: httpTrigger, timerTrigger, orchestrationTrigger, activityTrigger, serviceBusTrigger\)/
    );
  });

  it('maps a request with params, repeated query values, headers and a JSON body, and the whole response back', async () => {
    const response = await fetch(`${base}/echo/42/first?tag=a&tag=b`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-custom': 'yes' },
      body: JSON.stringify({ hello: 'wörld' }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe('/api/echo/42');
    expect(response.headers.get('x-invocation')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('set-cookie')).toBe(
      'session=abc; Path=/api; Max-Age=60; Secure; HttpOnly; SameSite=Strict'
    );
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({
      method: 'POST',
      url: expect.stringMatching(/\/api\/echo\/42\/first\?tag=a&tag=b$/),
      params: { id: '42', label: 'first' },
      tags: ['a', 'b'],
      contentType: 'application/json',
      custom: 'yes',
      body: '{"hello":"wörld"}',
    });
    expect(calls.hooks).toEqual(expect.arrayContaining(['pre:echo', 'post:echo']));
  });

  it('leaves an optional parameter out and enforces a typed one', async () => {
    const without = await fetch(`${base}/echo/7`);
    expect(without.status).toBe(200);
    expect(((await without.json()) as { params: unknown }).params).toEqual({ id: '7' });
    const notInt = await fetch(`${base}/echo/seven`);
    expect(notInt.status).toBe(404);
    expect(notInt.headers.get('content-type')).toBe('application/problem+json');
  });

  it('passes raw bodies through byte for byte, with catch-all params', async () => {
    const bytes = Buffer.from([0, 255, 1, 254, 10, 13]);
    const response = await fetch(`${base}/files/a/b/c.bin`, { method: 'POST', body: bytes });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-path')).toBe('a/b/c.bin');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
  });

  it('routes literal segments before parameters', async () => {
    expect(await (await fetch(`${base}/items/special`)).text()).toBe('special');
    expect(await (await fetch(`${base}/items/12`)).text()).toBe('item 12');
  });

  it('answers unknown routes with 404 and wrong methods with 405, as problem+json', async () => {
    const unknown = await fetch(`${base}/nowhere`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ status: 404, title: 'Not Found' });
    const outsidePrefix = await fetch(`http://127.0.0.1:${host.port}/echo/1`);
    expect(outsidePrefix.status).toBe(404);
    const wrongMethod = await fetch(`${base}/items/special`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(await wrongMethod.json()).toMatchObject({ status: 405 });
  });

  it('answers 204 when a function returns nothing', async () => {
    expect((await fetch(`${base}/nothing`)).status).toBe(204);
  });

  it('turns a failing function into a 500 problem without leaking the error, and logs it', async () => {
    const response = await fetch(`${base}/fails`);
    expect(response.status).toBe(500);
    const body = await response.json();
    expect(body).toMatchObject({ status: 500, title: 'Internal Server Error' });
    expect(JSON.stringify(body)).not.toMatch(/secret/);
    expect(lines.join('\n')).toMatch(/boom with secret detail/);
  });

  it('refuses bodies over the size limit with 413', async () => {
    const response = await fetch(`${base}/files/big`, { method: 'POST', body: Buffer.alloc(1024 * 1024 + 1) });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ status: 413 });
  });

  it('moves the virtual clock through the dev endpoint, firing the timers on the way', async () => {
    const before = calls.timers.length;
    const response = await fetch(`${base}/_dev/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advance: 'P3D' }),
    });
    expect(response.status).toBe(200);
    const state = (await response.json()) as { mode: string; now: string };
    expect(state.mode).toBe('virtual');
    expect(Date.parse(state.now)).toBeGreaterThanOrEqual(Date.parse('2030-01-04T00:00:00Z'));
    const fired = calls.timers.slice(before);
    expect(fired.map((t) => t.name)).toEqual(['nightly', 'nightly', 'nightly']);
    expect(fired.map((t) => t.timer.scheduleStatus?.next)).toEqual([
      '2030-01-02T02:00:00.000Z',
      '2030-01-03T02:00:00.000Z',
      '2030-01-04T02:00:00.000Z',
    ]);
    expect(fired.every((t) => t.timer.isPastDue === false)).toBe(true);

    const to = await fetch(`${base}/_dev/clock`, {
      method: 'POST',
      body: JSON.stringify({ to: '2030-02-01T00:00:00Z' }),
    });
    expect(to.status).toBe(200);
    expect(calls.timers.length).toBe(before + 3 + 28);
  });

  it('refuses bad clock commands with problem responses', async () => {
    const post = (body: string) => fetch(`${base}/_dev/clock`, { method: 'POST', body });
    expect((await post('not json')).status).toBe(400);
    expect((await post('{"advance":"30 days"}')).status).toBe(400);
    expect((await post('{"advance":"P1D","to":"2031-01-01T00:00:00Z"}')).status).toBe(400);
    const backwards = await post('{"to":"2000-01-01T00:00:00Z"}');
    expect(backwards.status).toBe(409);
    expect(await backwards.json()).toMatchObject({ status: 409, detail: expect.stringMatching(/only moves forward/) });
    expect((await fetch(`${base}/_dev/clock`)).status).toBe(200);
    expect((await fetch(`${base}/_dev/nothing`)).status).toBe(404);
  });
});
