// Hygiene of the HTTP API (issue 7), in-process: the app's real function registrations on the local Functions
// host over real HTTP (test/support/apiHarness). A representative set of requests (successes of each main
// area, refusals 400/401/403/404/405/413/415/422, an unknown route, bad JSON) must all carry the security
// headers, including the host's own problem answers; and the host's log lines captured meanwhile must hold
// none of the demo users' emails or names, no bearer token, and not the Gateway's shared secret.
import { randomBytes } from 'node:crypto';
import { demoUsers } from '../../local/seed/demoUsers';
import { demoFactories, seedDemoData } from '../../local/seed/seedDemoData';
import { securityHeaders } from '../../shared/http/endpoint';
import { apiCalls, type Answer, type CallOptions } from '../support/apiCalls';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';

jest.setTimeout(180_000);

const factoryId = 'BD-DEMO0001'; // managed by fm-bd-1, registration-bd's country, brand-1 subscribes
const cycleId = `${factoryId}-C1`;
const gatewaySecret = randomBytes(32).toString('base64url');

let api: ApiHarness;
const { call, advanceClock } = apiCalls(() => api);
const logLines: string[] = [];
const tokens: string[] = [];
const answers: { what: string; answer: Answer }[] = [];
/** Requests that did not answer as the test expects (checked by the first test, so the others still run). */
const unexpected: string[] = [];

/** Calls with a token the test keeps (to look for it in the logs) and records the answer. */
async function request(what: string, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const { as, ...rest } = options;
  const token = rest.token ?? (as !== undefined ? await api.tokenFor(as) : undefined);
  if (token) tokens.push(token);
  const answer = await call(method, path, { ...rest, ...(token ? { token } : {}) });
  answers.push({ what, answer });
  return answer;
}

/** A raw request outside the `/api` prefix (the host's own 404). */
async function raw(what: string, method: string, url: string): Promise<void> {
  const response = await fetch(url, { method });
  const text = await response.text();
  answers.push({ what, answer: { status: response.status, headers: response.headers, body: {}, text } });
}

beforeAll(async () => {
  api = await startApiHarness({
    seed: (store, clock) => seedDemoData(store, clock),
    azurite: true, // the health check asks blob storage too
    env: { GATEWAY_SHARED_SECRET: gatewaySecret },
    verbose: true, // every line the host can write, debug and system ones too
    timers: true, // the outbox delivery runs (and fails: nothing listens on the SMTP port), and logs
    writeLine: (line) => logLines.push(line),
  });

  const ok = async (what: string, method: string, path: string, options: CallOptions = {}) => {
    const answer = await request(what, method, path, options);
    if (answer.status >= 300) unexpected.push(`${what}: ${answer.status} ${answer.text}`);
  };
  const refused = async (what: string, status: number, method: string, path: string, options: CallOptions = {}) => {
    const answer = await request(what, method, path, options);
    const type = answer.headers.get('content-type');
    if (answer.status !== status || type !== 'application/problem+json')
      unexpected.push(`${what}: ${answer.status} ${type} (expected ${status}) ${answer.text}`);
  };

  // Successes of each main area.
  await ok('health', 'GET', 'health');
  await ok('OpenAPI document', 'GET', 'openapi.json');
  await ok('factory', 'GET', `factories/${factoryId}`, { as: 'fm-bd-1' });
  await ok('profile', 'GET', `factories/${factoryId}/profile`, { as: 'fm-bd-1' });
  await ok('dashboard', 'GET', `factories/${factoryId}/dashboard`, { as: 'fm-bd-1' });
  await ok('SLCP status', 'GET', `factories/${factoryId}/slcp`, { as: 'fm-bd-1' });
  await ok('notifications', 'GET', 'notifications', { as: 'fm-bd-1' });
  await ok('countries', 'GET', 'countries', { as: 'admin' });
  await ok('country factories', 'GET', 'countries/BD/factories', { as: 'registration-bd' });
  await ok('question banks', 'GET', 'question-banks', { as: 'admin' });
  await ok('audit', 'GET', `factories/${factoryId}/audit`, { as: 'admin' });
  await ok('transmissions', 'GET', 'countries/BD/transmissions', { as: 'admin' });
  await ok('subscribed brand reads the factory', 'GET', `factories/${factoryId}`, { as: 'brand-1' });

  // Refusals, before the cycle is activated: starting the self-assessment is refused by R11.
  await refused('R11: self-assessment before activation', 422, 'POST', `factories/${factoryId}/self-assessments`, {
    as: 'fm-bd-1',
    json: { cycleId },
  });
  await ok('activate the cycle', 'POST', `factories/${factoryId}/cycles/${cycleId}/activate`, {
    as: 'registration-bd',
  });
  await ok('start the self-assessment', 'POST', `factories/${factoryId}/self-assessments`, {
    as: 'fm-bd-1',
    json: { cycleId },
  });
  await ok('timeline', 'GET', `factories/${factoryId}/cycles/${cycleId}/timeline`, { as: 'admin' });
  // A new factory: its invitation email goes to the outbox, whose delivery fails (nothing listens on the SMTP
  // port) and is logged: the log checks below then have lines to look at.
  await ok('register a factory', 'POST', 'countries/BD/factories', {
    as: 'registration-bd',
    json: {
      name: 'Hygiene Knit Ltd.',
      address: 'Plot 7, Ashulia, Savar, Dhaka',
      managerEmail: 'manager@hygiene-knit.example.com',
      cycle: { startsOn: '2031-01-01', endsOn: '2031-12-31' },
    },
  });
  await advanceClock('PT5M');
  await refused('no token', 401, 'GET', `factories/${factoryId}`);
  await refused('tampered token', 401, 'GET', `factories/${factoryId}`, {
    token: `${(await api.tokenFor('fm-bd-1')).slice(0, -4)}AAAA`,
  });
  await refused('brand reads SLCP participation', 403, 'GET', `factories/${factoryId}/slcp`, { as: 'brand-1' });
  await refused('another country', 404, 'GET', `factories/${factoryId}`, { as: 'registration-vn' });
  await refused('bad JSON', 400, 'POST', `factories/${factoryId}/self-assessments`, {
    as: 'fm-bd-1',
    body: '{"cycleId":',
  });
  await refused('not JSON', 415, 'POST', `factories/${factoryId}/self-assessments`, {
    as: 'fm-bd-1',
    body: 'cycleId=1',
    headers: { 'content-type': 'text/plain' },
  });
  await refused('body over the endpoint limit', 413, 'POST', `factories/${factoryId}/self-assessments`, {
    as: 'fm-bd-1',
    json: { cycleId: 'x'.repeat(100 * 1024) },
  });
  await refused('body over the host limit', 413, 'POST', `factories/${factoryId}/self-assessments`, {
    as: 'fm-bd-1',
    json: { cycleId: 'x'.repeat(2 * 1024 * 1024) },
  });
  await refused('unknown route', 404, 'GET', 'no-such-route', { as: 'admin' });
  await refused('wrong method', 405, 'DELETE', 'health');
  await raw('outside the route prefix', 'GET', api.base.replace(/\/api$/, '/elsewhere'));
  if (answers.at(-1)!.answer.status !== 404) unexpected.push('outside the route prefix: not 404');
});

afterAll(async () => {
  await api?.stop();
});

describe('hygiene: security headers on every answer', () => {
  it('the representative requests answered as expected (successes, and problems with the right status)', () => {
    expect(unexpected).toEqual([]);
  });

  it('every answer (successes, refusals, the host own 404/405/413) carries the security headers', () => {
    expect(answers.length).toBeGreaterThan(25);
    const missing = answers.flatMap(({ what, answer }) =>
      Object.entries(securityHeaders)
        .filter(([name, value]) => {
          const got = answer.headers.get(name);
          // The OpenAPI document may be cached publicly; every other header is exactly as declared.
          return name === 'cache-control' ? got === null : got !== value;
        })
        .map(([name]) => `${what} (${answer.status}): ${name}`)
    );
    expect(missing).toEqual([]);
  });
});

describe('hygiene: no secrets or personal data in the logs', () => {
  it('no demo user email or name (nor a demo factory manager email) appears in the logs', () => {
    expect(logLines.some((line) => /outbox/.test(line))).toBe(true); // the check has lines to look at
    const log = logLines.join('\n').toLowerCase();
    const found = demoUsers
      .flatMap((u) => [u.email, u.name])
      .concat(['manager@hygiene-knit.example.com'])
      .concat(demoFactories.map((f) => f.managerEmail))
      .filter((s) => s.length > 0 && log.includes(s.toLowerCase()));
    expect(found).toEqual([]);
  });

  it('no bearer token the test used, nor any JWT-looking string, appears in the logs', () => {
    expect(tokens.length).toBeGreaterThan(10);
    const log = logLines.join('\n');
    expect(tokens.filter((t) => log.includes(t) || log.includes(t.split('.')[2]!))).toEqual([]);
    expect(logLines.filter((line) => /eyJ[A-Za-z0-9_-]{5,}/.test(line) || /bearer\s+\S/i.test(line))).toEqual([]);
  });

  it('the functions log structured events (event name, fields, invocation id), emails redacted', () => {
    const events = logLines.filter((line) =>
      /\[deliverOutbox\] .*outbox\.(delivered|delivery_problem) .*inv=[0-9a-f-]{36}$/.test(line)
    );
    expect(events).not.toEqual([]);
  });

  it('the Gateway shared secret does not appear in the logs', () => {
    expect(logLines.filter((line) => line.includes(gatewaySecret))).toEqual([]);
  });
});
