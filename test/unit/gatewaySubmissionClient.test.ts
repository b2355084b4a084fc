// BW's Gateway client for data submissions (R17) against a fake Gateway on a real local HTTP server: the
// idempotency key and bearer token on every attempt, the same bytes each time, exponential backoff with full
// jitter, Retry-After (seconds and HTTP dates) never undercut, timeouts, the attempt and time budget, final
// refusals never retried, answers off the contract treated as transient, and the status look-up.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyGatewayApiToken } from '../../shared/adapters/gateway/gatewayClient';
import {
  fetchSubmissionStatus,
  parseRetryAfter,
  retryDelay,
  submitData,
  type RetryPolicy,
} from '../../shared/adapters/gateway/gatewaySubmissions';
import type { Clock } from '../../shared/ports/clock';

const secret = 'a-shared-secret-of-at-least-32-characters';
const clock: Clock = { now: () => new Date('2030-03-01T08:00:00Z') };
const key = 'BD-FACT0001-C1-TX';
const body = JSON.stringify({ transmissionId: key, hello: 'world' });

const receipt = {
  submissionId: 'SUB-0000000001',
  idempotencyKey: key,
  status: 'RECEIVED',
  gatewayFacilityId: 'GW-7KQ2M9XD',
  assessmentStatus: 'VRP',
  receivedAt: '2030-03-01T08:00:00.000Z',
  validationExpectedBy: '2030-03-15T08:00:00.000Z',
  validatedAt: null,
  validationFailureReason: null,
};

type Script = (req: IncomingMessage, res: ServerResponse, text: string) => void;

interface Seen {
  method: string;
  url: string;
  key: string | undefined;
  body: string;
  authorized: boolean;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
let script: Script[] = [];

const answer =
  (status: number, payload: unknown, headers: Record<string, string> = {}): Script =>
  (_req, res) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(payload));
const hang: Script = () => undefined; // never answers: the client's timeout ends the attempt

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        key: req.headers['idempotency-key'] as string | undefined,
        body: text,
        authorized: await verifyGatewayApiToken(token, secret, clock),
      });
      const next = script.shift() ?? answer(202, receipt);
      next(req, res, text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gateway`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
  script = [];
});

const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 400, budgetMs: 60_000 };

/** A fake clock for the budget and a record of the waits; no real sleeping. */
function hooks(random = () => 0.5) {
  let elapsed = 0;
  const waits: number[] = [];
  return {
    waits,
    hooks: {
      sleep: async (ms: number) => {
        waits.push(ms);
        elapsed += ms;
      },
      random,
      now: () => elapsed,
    },
  };
}

const submit = (extra: Partial<Parameters<typeof submitData>[0]> = {}) =>
  submitData({ gatewayBaseUrl: base, secret, clock, retry: policy, timeoutMs: 2_000, ...extra }, body, key);

describe('submitting data to the Gateway (R17)', () => {
  it('sends the idempotency key, a valid bearer token and the body as given; 202 is accepted', async () => {
    const result = await submit();
    expect(result.outcome).toMatchObject({ kind: 'accepted', status: 202, replayed: false, submission: receipt });
    expect(seen).toEqual([{ method: 'POST', url: '/gateway/data-submissions', key, body, authorized: true }]);
  });

  it('retries 5xx with exponential backoff and full jitter, the same bytes and key each time', async () => {
    script = [
      answer(500, {}),
      answer(502, {}),
      answer(503, {}),
      answer(200, receipt, { 'idempotent-replayed': 'true' }),
    ];
    const { waits, hooks: h } = hooks(() => 0.999);
    const result = await submit({ hooks: h });
    expect(result.outcome).toMatchObject({ kind: 'accepted', replayed: true });
    expect(result.attempts.map((a) => a.status)).toEqual([500, 502, 503, 200]);
    expect(waits).toEqual([99, 199, 399]); // just under 100, 200, 400 (the cap)
    expect(new Set(seen.map((s) => `${s.key}|${s.body}`))).toEqual(new Set([`${key}|${body}`]));
    // Full jitter: any share of the ceiling, capped.
    expect(retryDelay(1, null, policy, () => 0)).toBe(0);
    expect(retryDelay(6, null, policy, () => 0.5)).toBe(200);
  });

  it('never retries sooner than Retry-After (429 and 503), in seconds or as an HTTP date', async () => {
    script = [
      answer(429, { type: 'about:blank', title: 'Too Many Requests', status: 429 }, { 'retry-after': '3' }),
      answer(503, {}, { 'retry-after': 'Fri, 01 Mar 2030 08:00:05 GMT' }),
    ];
    const { waits, hooks: h } = hooks(() => 0);
    const result = await submit({ hooks: h });
    expect(result.outcome.kind).toBe('accepted');
    expect(waits).toEqual([3000, 5000]);
    expect(parseRetryAfter('120', clock.now())).toBe(120_000);
    expect(parseRetryAfter('soon', clock.now())).toBeNull();
  });

  it('a timeout is transient: the next attempt goes with the same key', async () => {
    script = [hang];
    const { hooks: h } = hooks();
    const result = await submit({ hooks: h, timeoutMs: 150 });
    expect(result.outcome.kind).toBe('accepted');
    expect(result.attempts[0]).toMatchObject({
      kind: 'transient',
      status: null,
      detail: expect.stringMatching(/within 150 ms/),
    });
    expect(seen.map((s) => s.key)).toEqual([key, key]);
  });

  it('an answer off the contract (2xx with a broken body, or another key) is transient', async () => {
    script = [
      (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"submissionId": "SUB-'),
      answer(202, { ...receipt, idempotencyKey: 'ANOTHER-KEY-0001' }),
    ];
    const result = await submit({ hooks: hooks().hooks });
    expect(result.attempts.map((a) => a.kind)).toEqual(['transient', 'transient', 'accepted']);
  });

  it('final refusals (400, 401, 409, 413, 422) are not retried, and carry the reasons', async () => {
    for (const status of [400, 401, 409, 413, 422]) {
      seen.length = 0;
      script = [
        answer(status, {
          type: 'about:blank',
          title: 'No',
          status,
          detail: 'refused',
          errors: [{ pointer: '/step1/0/questionId', detail: 'unknown question' }],
        }),
      ];
      const result = await submit({ hooks: hooks().hooks });
      expect(result.outcome).toMatchObject({
        kind: 'rejected',
        status,
        reasons: ['/step1/0/questionId: unknown question'],
      });
      expect(seen).toHaveLength(1);
    }
  });

  it('gives up after its attempts, or when the budget is spent; a Retry-After beyond the budget is waited out first', async () => {
    script = Array.from({ length: 5 }, () => answer(503, {}));
    const many = await submit({ hooks: hooks().hooks });
    expect(many.outcome).toMatchObject({ kind: 'transient', status: 503 });
    expect(many.attempts).toHaveLength(5);

    script = [answer(503, {}, { 'retry-after': '600' })];
    const { waits, hooks: h } = hooks();
    const outage = await submit({ hooks: h, retry: { ...policy, budgetMs: 45_000 } });
    expect(outage.outcome).toMatchObject({ kind: 'transient', retryAfterMs: 600_000 });
    expect(outage.attempts).toHaveLength(1);
    expect(waits).toEqual([45_000]);
  });

  it('an unreachable Gateway is transient', async () => {
    const result = await submitData(
      {
        gatewayBaseUrl: 'http://127.0.0.1:1',
        secret,
        clock,
        retry: { ...policy, maxAttempts: 2 },
        hooks: hooks().hooks,
      },
      body,
      key
    );
    expect(result.outcome).toMatchObject({ kind: 'transient', problem: 'network' });
  });
});

describe("reading a submission's status (R18)", () => {
  it('found, not found (404), or transient', async () => {
    script = [
      answer(200, {
        ...receipt,
        status: 'VALIDATED',
        assessmentStatus: 'VRF',
        validatedAt: '2030-03-14T00:00:00.000Z',
      }),
      answer(404, { type: 'about:blank', title: 'Not Found', status: 404 }),
      answer(503, {}, { 'retry-after': '30' }),
    ];
    const options = { gatewayBaseUrl: base, secret, clock };
    expect(await fetchSubmissionStatus(options, key)).toMatchObject({
      kind: 'found',
      submission: { status: 'VALIDATED' },
    });
    expect(await fetchSubmissionStatus(options, key)).toEqual({ kind: 'notFound' });
    expect(await fetchSubmissionStatus(options, key)).toMatchObject({ kind: 'transient', retryAfterMs: 30_000 });
    expect(seen.map((s) => [s.method, s.url, s.authorized])).toEqual([
      ['GET', `/gateway/data-submissions/${key}`, true],
      ['GET', `/gateway/data-submissions/${key}`, true],
      ['GET', `/gateway/data-submissions/${key}`, true],
    ]);
  });
});
