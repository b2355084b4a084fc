// Requests of the API tests to the function app a test started with `startApiHarness()`: a call as a demo
// user (or a user of the test's own), a refused request that must write nothing, and moving the virtual
// clock. The harness is started in `beforeAll`, so the helpers take a function that returns it:
//
//   let api: ApiHarness;
//   const { call, refusedWithoutWriting } = apiCalls(() => api);

import type { ApiHarness, TokenUser } from './apiHarness';

export type Json = Record<string, unknown> & { [key: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Answer {
  status: number;
  headers: Headers;
  /** The JSON body (`{}` when empty or not JSON); a body that says it is JSON but is not fails the call. */
  body: Json;
  /** The body as text (an HTML page, say). */
  text: string;
}

export interface CallOptions {
  /** Who calls: a demo user's key or a user of the test's own. Without it (and `token`) no Authorization. */
  as?: string | TokenUser;
  /** A bearer token the test minted itself (wins over `as`). */
  token?: string;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as it is; as `application/json` unless `headers` give another content-type. */
  body?: string | Buffer;
  headers?: Record<string, string>;
}

export interface ApiCalls {
  /** `method` `/api/<path>` over HTTP. */
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
  /** Runs a refused request and checks that it is a problem with `status` and wrote nothing (every container). */
  refusedWithoutWriting(run: () => Promise<Answer>, status: number): Promise<Answer>;
  /** Moves the virtual clock on (an ISO 8601 duration), firing the timers due meanwhile (`POST /api/_dev/clock`). */
  advanceClock(duration: string): Promise<void>;
}

export function apiCalls(harness: () => ApiHarness): ApiCalls {
  const call: ApiCalls['call'] = async (method, path, options = {}) => {
    const api = harness();
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const bearer = options.token ?? (options.as !== undefined ? await api.tokenFor(options.as) : undefined);
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const body = options.json !== undefined ? JSON.stringify(options.json) : options.body;
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${api.base}/${path.replace(/^\//, '')}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const json = text !== '' && (mediaType === '' || /^application\/([a-z0-9.-]+\+)?json$/.test(mediaType));
    return { status: response.status, headers: response.headers, body: json ? (JSON.parse(text) as Json) : {}, text };
  };

  return {
    call,
    async refusedWithoutWriting(run, status) {
      const before = await harness().fingerprint();
      const answer = await run();
      expect({ status: answer.status, body: answer.body }).toMatchObject({ status });
      expect(answer.headers.get('content-type')).toBe('application/problem+json');
      expect(await harness().fingerprint()).toEqual(before);
      return answer;
    },
    async advanceClock(duration) {
      const response = await fetch(`${harness().base}/_dev/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ advance: duration }),
      });
      expect(response.status).toBe(200);
    },
  };
}
