// CORS and request size limits of the local host (issue 7, hygiene), in-process over real HTTP (raw node:http
// requests: an Origin header, chunked bodies and oversized headers as a browser or an attacker sends them).
// CORS policy (local/http/cors.ts, as Azure's platform CORS from infra/app/api.bicep): only the configured
// portal origins (CORS_ALLOWED_ORIGINS; the origin of PORTAL_BASE_URL by default), never `*`, no credentials
// (the API takes bearer tokens in the Authorization header, never cookies: Access-Control-Allow-Credentials is
// never sent). Size limits: a body above the endpoint's limit (64 KiB by default) is 413 whether it declares
// its length or comes chunked, and writes nothing; headers or a URL above Node's 16 KiB header limit are a 431
// problem; nothing answers 5xx and nothing hangs.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { corsAllowedHeaders, corsAllowedMethods, corsMaxAgeSeconds } from '../../local/http/cors';
import { seedDemoData } from '../../local/seed/seedDemoData';
import { defaultMaxBodyBytes } from '../../shared/http/endpoint';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';

jest.setTimeout(120_000);

const portal = 'https://portal.example.org';
const devPortal = 'http://localhost:5173';
let api: ApiHarness;
let adminToken = '';

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request over a fresh connection; `chunks` are written one by one without a Content-Length (chunked). */
function raw(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string; chunks?: string[] } = {}
): Promise<RawAnswer> {
  const url = new URL(`${api.base}${path}`);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method, headers, agent: false },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (chunk: Buffer) => parts.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') })
        );
        res.on('error', reject);
      }
    );
    req.setTimeout(20_000, () => req.destroy(new Error(`${method} ${path}: no answer within 20 s`)));
    req.on('error', reject);
    if (options.chunks) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else req.end(options.body);
  });
}

const problemStatus = (answer: RawAnswer) => {
  expect(answer.headers['content-type']).toBe('application/problem+json');
  return (JSON.parse(answer.body) as { status: number }).status;
};

beforeAll(async () => {
  api = await startApiHarness({
    seed: seedDemoData,
    env: { CORS_ALLOWED_ORIGINS: `${portal},${devPortal}` }, // PORTAL_BASE_URL is the harness's https://portal.example.org
  });
  adminToken = await api.tokenFor('admin');
});

afterAll(async () => {
  await api?.stop();
});

describe('CORS: the configured portal origins only', () => {
  it.each([portal, devPortal])(
    'answers a preflight from %s itself: 204, that origin, methods, headers, max-age',
    async (origin) => {
      const answer = await raw('OPTIONS', '/factories/BD-DEMO0001/profile', {
        headers: {
          origin,
          'access-control-request-method': 'PATCH',
          'access-control-request-headers': 'authorization, content-type, if-match',
        },
      });
      expect(answer.status).toBe(204);
      expect(answer.headers['access-control-allow-origin']).toBe(origin);
      expect(answer.headers['access-control-allow-methods']).toBe(corsAllowedMethods.join(', '));
      expect(answer.headers['access-control-allow-headers']).toBe(corsAllowedHeaders.join(', '));
      expect(answer.headers['access-control-max-age']).toBe(String(corsMaxAgeSeconds));
      expect(answer.headers.vary).toMatch(/\bOrigin\b/);
      expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
      expect(answer.body).toBe('');
    }
  );

  it('gives an actual request from an allowed origin its origin back, with Vary: Origin and the headers it may read', async () => {
    const answer = await raw('GET', '/factories/BD-DEMO0001', {
      headers: { origin: portal, authorization: `Bearer ${adminToken}` },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe(portal);
    expect(answer.headers.vary).toMatch(/\bOrigin\b/);
    expect(answer.headers['access-control-expose-headers']).toMatch(/\betag\b/);
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
    // a refusal from an allowed origin is readable by the portal too
    const refused = await raw('GET', '/factories/BD-DEMO0001', { headers: { origin: portal } });
    expect(refused.status).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe(portal);
  });

  it.each([
    'https://evil.example.org',
    'https://portal.example.org.evil.org',
    'http://portal.example.org',
    'null',
    '*',
  ])('gives %s no CORS header at all, preflight (403 problem) or actual request', async (origin) => {
    const preflight = await raw('OPTIONS', '/factories/BD-DEMO0001/profile', {
      headers: { origin, 'access-control-request-method': 'PATCH' },
    });
    expect(preflight.status).toBe(403);
    expect(problemStatus(preflight)).toBe(403);
    const actual = await raw('GET', '/factories/BD-DEMO0001', {
      headers: { origin, authorization: `Bearer ${adminToken}` },
    });
    expect(actual.status).toBe(200);
    for (const answer of [preflight, actual]) {
      expect(Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    }
  });

  it('never answers with a wildcard origin, whoever asks', async () => {
    const answers = await Promise.all(
      [portal, devPortal, 'https://evil.example.org', undefined].map((origin) =>
        raw('GET', '/countries', { headers: { ...(origin ? { origin } : {}), authorization: `Bearer ${adminToken}` } })
      )
    );
    for (const answer of answers) expect(answer.headers['access-control-allow-origin']).not.toBe('*');
    expect(answers[3]!.headers['access-control-allow-origin']).toBeUndefined(); // no Origin: no CORS header
  });
});

describe('request size limits', () => {
  const registerFactory = '/countries/BD/factories';
  const oversized = JSON.stringify({ name: 'x'.repeat(defaultMaxBodyBytes), address: 'Road 1' });
  const headers = () => ({ authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' });

  it('refuses a body above 64 KiB with 413 when it declares its length, and writes nothing', async () => {
    const before = await api.fingerprint();
    const answer = await raw('POST', registerFactory, { headers: headers(), body: oversized });
    expect(answer.status).toBe(413);
    expect(problemStatus(answer)).toBe(413);
    expect(await api.fingerprint()).toEqual(before);
  });

  it('refuses a chunked body above 64 KiB with 413 (no Content-Length), and above the host limit too, writing nothing', async () => {
    const before = await api.fingerprint();
    const chunks = oversized.match(/[\s\S]{1,8192}/g)!;
    const answer = await raw('POST', registerFactory, { headers: headers(), chunks });
    expect(answer.status).toBe(413);
    expect(problemStatus(answer)).toBe(413);
    // 2 MiB chunked: above the host's own limit (1 MiB in the harness), refused while it is still arriving
    const huge = await raw('POST', registerFactory, {
      headers: headers(),
      chunks: new Array<string>(256).fill('x'.repeat(8192)),
    });
    expect(huge.status).toBe(413);
    expect(problemStatus(huge)).toBe(413);
    expect(await api.fingerprint()).toEqual(before);
  });

  it('answers headers and URLs above the 16 KiB header limit with a 431 problem, never a 5xx, never a hang', async () => {
    const bigHeader = await raw('GET', '/countries', {
      headers: { authorization: `Bearer ${adminToken}`, 'x-padding': 'p'.repeat(20_000) },
    });
    expect(bigHeader.status).toBe(431);
    expect(problemStatus(bigHeader)).toBe(431);
    const longUrl = await raw('GET', `/factories/${'A'.repeat(20_000)}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(longUrl.status).toBe(431);
    expect(problemStatus(longUrl)).toBe(431);
    // below the limit, a long URL is routed and refused as what it is: a factory that does not exist
    const longId = await raw('GET', `/factories/${'A'.repeat(8_000)}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect([400, 404]).toContain(longId.status);
    expect(problemStatus(longId)).toBe(longId.status);
    // the host still serves afterwards
    expect((await raw('GET', '/countries', { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(200);
  });
});
