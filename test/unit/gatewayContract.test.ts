// The SLCP Gateway contract (R9): the committed OpenAPI document, the hand-off state and the callback
// signature. Regenerate docs/gateway.openapi.json after changing shared/schemas/gateway.ts with:
//
//   UPDATE_CONTRACT=1 npx jest test/unit/gatewayContract.test.ts
import { createHmac, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SignJWT } from 'jose';
import {
  CallbackRejected,
  createGatewayApiToken,
  createRegistrationUrl,
  signGatewayCallback,
  verifyGatewayApiToken,
  verifyGatewayCallback,
  verifyRegistrationState,
  type CallbackRejectReason,
  type RegistrationStateProblem,
} from '../../shared/adapters/gateway/gatewayClient';
import { gatewayOpenApiDocument } from '../../shared/adapters/gateway/gatewayContract';
import type { Clock } from '../../shared/ports/clock';
import { gatewayCallbackEventSchema, registrationStateType } from '../../shared/schemas/gateway';

const contractFile = join(__dirname, '..', '..', 'docs', 'gateway.openapi.json');
const secret = 'a-shared-secret-of-at-least-32-characters';
const otherSecret = 'another-secret-of-at-least-32-characters!';

class TestClock implements Clock {
  constructor(private at: Date) {}
  now(): Date {
    return new Date(this.at.getTime());
  }
  set(iso: string): void {
    this.at = new Date(iso);
  }
  advanceSeconds(seconds: number): void {
    this.at = new Date(this.at.getTime() + seconds * 1000);
  }
}

describe('the committed Gateway contract', () => {
  it('docs/gateway.openapi.json equals the document generated from the schemas', () => {
    const generated = JSON.parse(JSON.stringify(gatewayOpenApiDocument())) as unknown;
    if (process.env.UPDATE_CONTRACT === '1') {
      mkdirSync(dirname(contractFile), { recursive: true });
      writeFileSync(contractFile, `${JSON.stringify(generated, null, 2)}\n`);
      execFileSync(process.execPath, [require.resolve('prettier/bin/prettier.cjs'), '--write', contractFile]);
    }
    if (!existsSync(contractFile)) {
      throw new Error(
        'docs/gateway.openapi.json is missing: UPDATE_CONTRACT=1 npx jest test/unit/gatewayContract.test.ts'
      );
    }
    const committed = JSON.parse(readFileSync(contractFile, 'utf8')) as unknown;
    // On a difference: UPDATE_CONTRACT=1 npx jest test/unit/gatewayContract.test.ts, then review the diff.
    expect(committed).toEqual(generated);
  });

  it('describes the form, the look-ups and the signed callback webhook', () => {
    const doc = gatewayOpenApiDocument();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths ?? {}).sort()).toEqual([
      '/data-submissions',
      '/data-submissions/{idempotencyKey}',
      '/facilities/{gatewayFacilityId}',
      '/facility-registration',
      '/facility-registrations/{registrationId}',
    ]);
    expect(Object.keys(doc.paths?.['/facility-registration'] ?? {}).sort()).toEqual(['get', 'post']);
    const webhook = doc.webhooks?.gatewayEvent as { post: { parameters: { name: string; in: string }[] } };
    expect(webhook.post.parameters.filter((p) => p.in === 'header').map((p) => p.name)).toEqual([
      'x-gateway-event-id',
      'x-gateway-timestamp',
      'x-gateway-signature',
    ]);
    const schemas = doc.components?.schemas ?? {};
    expect(schemas).toHaveProperty('GatewayCallbackEvent');
    expect(schemas).toHaveProperty('GatewayRegistrationState');
    expect(JSON.stringify(schemas.GatewayFacility)).toContain('"ASI","ASC","VRP","VRC","VRF"');
  });
});

describe('the registration hand-off state (R9)', () => {
  const start = '2030-03-01T08:00:00.000Z';
  const input = (clock: Clock) => ({
    gatewayBaseUrl: 'https://gateway.example/slcp',
    secret,
    factoryId: 'fac-bd-000123',
    email: 'Manager@Factory.example',
    callbackUrl: 'https://bw.example/api/gateway/callbacks',
    clock,
  });

  it('round-trips: the link carries a state the Gateway verifies, Better Work preset, valid 24 hours', async () => {
    const clock = new TestClock(new Date(start));
    const link = await createRegistrationUrl({ ...input(clock), jti: 'handoff-0001-abcdef' });
    const url = new URL(link.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://gateway.example/slcp/facility-registration');
    expect(link.jti).toBe('handoff-0001-abcdef');
    expect(link.expiresAt.toISOString()).toBe('2030-03-02T08:00:00.000Z');
    clock.advanceSeconds(24 * 3600 - 1);
    const claims = await verifyRegistrationState(url.searchParams.get('state')!, secret, clock);
    expect(claims).toEqual({
      factoryId: 'fac-bd-000123',
      verifier: 'BetterWork',
      email: 'Manager@Factory.example',
      callbackUrl: 'https://bw.example/api/gateway/callbacks',
      jti: 'handoff-0001-abcdef',
      iat: Date.parse(start) / 1000,
      exp: Date.parse(start) / 1000 + 24 * 3600,
    });
  });

  it('makes a fresh jti per link when none is given', async () => {
    const clock = new TestClock(new Date(start));
    const [a, b] = await Promise.all([createRegistrationUrl(input(clock)), createRegistrationUrl(input(clock))]);
    expect(a.jti).not.toBe(b.jti);
  });

  it('refuses to make a link with a bad email, callback URL or short secret', async () => {
    const clock = new TestClock(new Date(start));
    await expect(createRegistrationUrl({ ...input(clock), email: 'not-an-email' })).rejects.toThrow();
    await expect(createRegistrationUrl({ ...input(clock), callbackUrl: 'ftp://bw.example/x' })).rejects.toThrow();
    await expect(createRegistrationUrl({ ...input(clock), secret: 'short' })).rejects.toThrow();
  });

  async function rejection(token: string, clock: Clock, key = secret): Promise<RegistrationStateProblem> {
    try {
      await verifyRegistrationState(token, key, clock);
    } catch (error) {
      if (error instanceof Error && 'reason' in error) return (error as { reason: RegistrationStateProblem }).reason;
      throw error;
    }
    throw new Error('the state was accepted');
  }

  it('rejects an expired, tampered, wrongly signed, unsigned or mistyped state', async () => {
    const clock = new TestClock(new Date(start));
    const state = new URL((await createRegistrationUrl(input(clock))).url).searchParams.get('state')!;
    const [header, payload, signature] = state.split('.') as [string, string, string];

    const later = new TestClock(new Date(start));
    later.advanceSeconds(24 * 3600 + 1);
    expect(await rejection(state, later)).toBe('expired');

    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, email: 'attacker@evil.example' })).toString('base64url');
    expect(await rejection(`${header}.${forged}.${signature}`, clock)).toBe('invalid');
    expect(await rejection(state, clock, otherSecret)).toBe('invalid');

    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: registrationStateType })).toString('base64url');
    expect(await rejection(`${none}.${payload}.`, clock)).toBe('invalid');

    // A valid token of the other kind (BW's API token) is not a state, and the other way round.
    expect(await rejection(await createGatewayApiToken(secret, clock), clock)).toBe('invalid');
    expect(await verifyGatewayApiToken(state, secret, clock)).toBe(false);
    expect(await rejection('', clock)).toBe('invalid');
  });

  it('rejects a correctly signed state whose claims break the contract (another verifier, too long a life)', async () => {
    const clock = new TestClock(new Date(start));
    const key = new TextEncoder().encode(secret);
    const iat = Date.parse(start) / 1000;
    const base = {
      factoryId: 'f1',
      email: 'a@b.example',
      callbackUrl: 'https://bw.example/cb',
      jti: randomUUID(),
      iat,
    };
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: registrationStateType }).sign(key);
    expect(await rejection(await sign({ ...base, verifier: 'OtherBody', exp: iat + 3600 }), clock)).toBe('invalid');
    expect(await rejection(await sign({ ...base, verifier: 'BetterWork', exp: iat + 7 * 86400 }), clock)).toBe(
      'invalid'
    );
    await expect(
      verifyRegistrationState(await sign({ ...base, verifier: 'BetterWork', exp: iat + 3600 }), secret, clock)
    ).resolves.toMatchObject({ factoryId: 'f1' });
  });
});

describe('BW API tokens for the look-ups', () => {
  it('are accepted for 5 minutes with the shared secret, and never with another', async () => {
    const clock = new TestClock(new Date('2030-03-01T08:00:00Z'));
    const token = await createGatewayApiToken(secret, clock);
    expect(await verifyGatewayApiToken(token, secret, clock)).toBe(true);
    expect(await verifyGatewayApiToken(token, otherSecret, clock)).toBe(false);
    clock.advanceSeconds(301);
    expect(await verifyGatewayApiToken(token, secret, clock)).toBe(false);
  });
});

describe('callback signature (verifyGatewayCallback)', () => {
  const clock = new TestClock(new Date('2030-03-03T08:00:00Z'));
  const now = () => Math.floor(clock.now().getTime() / 1000);
  const event = {
    eventId: randomUUID(),
    type: 'facility.approved',
    occurredAt: '2030-03-03T08:00:00.000Z',
    state: { factoryId: 'fac-bd-000123', jti: 'handoff-0001-abcdef' },
    registrationId: 'REG-7KQ2M9XD4P',
    email: 'manager@factory.example',
    gatewayFacilityId: 'GW-7KQ2M9XD',
  };
  const rawBody = JSON.stringify(event);

  /** The signature computed independently of the client: pins the wire format. */
  function signed(body: string, timestamp = now(), key = secret, eventId = event.eventId): Record<string, string> {
    const mac = createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex');
    return {
      'x-gateway-event-id': eventId,
      'x-gateway-timestamp': String(timestamp),
      'x-gateway-signature': `v1=${mac}`,
    };
  }

  function reason(headers: Record<string, string | string[]> | Headers, body: string | Buffer): CallbackRejectReason {
    try {
      verifyGatewayCallback({ headers, rawBody: body, secret, clock });
    } catch (error) {
      expect(error).toBeInstanceOf(CallbackRejected);
      return (error as CallbackRejected).reason;
    }
    throw new Error('the callback was accepted');
  }

  it('accepts a correctly signed event, as a string or bytes, from Node or fetch headers', () => {
    const expected = gatewayCallbackEventSchema.parse(event);
    expect(verifyGatewayCallback({ headers: signed(rawBody), rawBody, secret, clock })).toEqual(expected);
    expect(
      verifyGatewayCallback({ headers: new Headers(signed(rawBody)), rawBody: Buffer.from(rawBody), secret, clock })
    ).toEqual(expected);
    const upper = Object.fromEntries(Object.entries(signed(rawBody)).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyGatewayCallback({ headers: upper, rawBody, secret, clock }).type).toBe('facility.approved');
  });

  it('signs exactly as the contract says (signGatewayCallback = independent HMAC)', () => {
    expect(signGatewayCallback({ eventId: event.eventId, rawBody, secret, timestamp: now() })).toEqual(signed(rawBody));
  });

  it('accepts timestamps within the tolerance, both ways', () => {
    expect(() =>
      verifyGatewayCallback({ headers: signed(rawBody, now() - 299), rawBody, secret, clock })
    ).not.toThrow();
    expect(() =>
      verifyGatewayCallback({ headers: signed(rawBody, now() + 299), rawBody, secret, clock })
    ).not.toThrow();
    expect(() =>
      verifyGatewayCallback({ headers: signed(rawBody, now() - 500), rawBody, secret, clock, toleranceSeconds: 600 })
    ).not.toThrow();
  });

  it('rejects a bad signature', () => {
    const headers = signed(rawBody);
    const flipped = headers['x-gateway-signature']!.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    expect(reason({ ...headers, 'x-gateway-signature': flipped }, rawBody)).toBe('bad_signature');
  });

  it('rejects an altered body, even by one byte of whitespace', () => {
    const headers = signed(rawBody);
    expect(reason(headers, rawBody.replace('GW-7KQ2M9XD', 'GW-AAAAAAAA'))).toBe('bad_signature');
    expect(reason(headers, `${rawBody} `)).toBe('bad_signature');
  });

  it('rejects an old (replayed) timestamp and one from the future', () => {
    expect(reason(signed(rawBody, now() - 301), rawBody)).toBe('stale_timestamp');
    expect(reason(signed(rawBody, now() - 86_400), rawBody)).toBe('stale_timestamp');
    expect(reason(signed(rawBody, now() + 301), rawBody)).toBe('future_timestamp');
  });

  it('rejects a timestamp swapped after signing', () => {
    expect(reason({ ...signed(rawBody), 'x-gateway-timestamp': String(now() - 1) }, rawBody)).toBe('bad_signature');
  });

  it('rejects missing or malformed headers', () => {
    for (const name of ['x-gateway-event-id', 'x-gateway-timestamp', 'x-gateway-signature']) {
      const headers = signed(rawBody);
      delete headers[name];
      expect(reason(headers, rawBody)).toBe('missing_header');
    }
    expect(reason({}, rawBody)).toBe('missing_header');
    expect(reason({ ...signed(rawBody), 'x-gateway-signature': 'sha256=abc' }, rawBody)).toBe('malformed_header');
    expect(reason({ ...signed(rawBody), 'x-gateway-timestamp': '2030-03-03T08:00:00Z' }, rawBody)).toBe(
      'malformed_header'
    );
    const headers = signed(rawBody);
    expect(reason({ ...headers, 'x-gateway-signature': [headers['x-gateway-signature']!, 'v1=00'] }, rawBody)).toBe(
      'malformed_header'
    );
  });

  it('rejects a correctly signed body that is not an event of the contract', () => {
    const cases = [
      'not json',
      JSON.stringify({ ...event, type: 'facility.exploded' }),
      JSON.stringify({ ...event, gatewayFacilityId: 'GW-lower123' }),
      JSON.stringify({ ...event, eventId: 'not-a-uuid' }),
      JSON.stringify({ ...event, state: undefined }),
      JSON.stringify({ ...event, type: 'facility.rejected' }), // no reason
    ];
    for (const body of cases) expect(reason(signed(body), body)).toBe('bad_body');
  });

  it('rejects an event id header that differs from the body', () => {
    expect(reason(signed(rawBody, now(), secret, randomUUID()), rawBody)).toBe('event_id_mismatch');
  });

  it('rejects an HMAC made with another secret, and answers 401 for it', () => {
    const headers = signed(rawBody, now(), otherSecret);
    expect(reason(headers, rawBody)).toBe('bad_signature');
    expect(() => verifyGatewayCallback({ headers, rawBody, secret, clock })).toThrow(
      expect.objectContaining({ status: 401 })
    );
  });
});
