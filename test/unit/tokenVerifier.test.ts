// jose is ESM only and jest runs this suite as CommonJS: load the real jose with Node's own loader
// (require of ESM, Node >= 20.19) instead of jest's. Nothing of jose is mocked. Because jose then lives in
// Node's realm, the tests hand it numbers (never Dates) and Buffers (never Uint8Arrays made here).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import {
  bearerChallenge,
  createTokenVerifier,
  IdentityKeysUnavailableError,
  type TokenVerifierConfig,
} from '../../shared/adapters/identity/tokenVerifier';
import { UnauthenticatedError } from '../../shared/domain/errors';
import type { Clock } from '../../shared/ports/clock';

const issuer = 'https://login.example.org/tenant-1/v2.0';
const audience = 'api://bw-slcp-data-sharing';
const fixedNow = Date.parse('2026-11-21T10:00:00Z');
const fixedClock: Clock = { now: () => new Date(fixedNow) };
const seconds = (ms: number) => Math.floor(ms / 1000);

interface SigningKey {
  kid: string;
  alg: 'ES256' | 'RS256';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function makeKey(kid: string, alg: 'ES256' | 'RS256' = 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, use: 'sig' } };
}

/** A JWKS served over real HTTP; what it serves and whether it works can be changed by the test. */
class JwksServer {
  keys: JWK[] = [];
  failing = false;
  requests = 0;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.requests += 1;
      if (this.failing || req.url !== '/keys') {
        res.writeHead(this.failing ? 500 : 404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.keys }));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

let jwks: JwksServer;
let keyA: SigningKey;
let keyRsa: SigningKey;
let impostorSameKid: SigningKey;
let impostorOtherKid: SigningKey;

beforeAll(async () => {
  [keyA, keyRsa, impostorSameKid, impostorOtherKid] = await Promise.all([
    makeKey('key-a'),
    makeKey('key-rsa', 'RS256'),
    makeKey('key-a'),
    makeKey('key-x'),
  ]);
});

beforeEach(async () => {
  jwks = new JwksServer();
  jwks.keys = [keyA.publicJwk, keyRsa.publicJwk];
  await jwks.start();
});

afterEach(async () => {
  await jwks.stop();
});

function verifier(overrides: Partial<TokenVerifierConfig> = {}) {
  return createTokenVerifier({ issuer, audience, jwksUri: jwks.url, clock: fixedClock, ...overrides });
}

const standardClaims = {
  oid: '2a33888e-6e76-4bca-963b-e4b5a80a414c',
  sub: 'pairwise-subject',
  roles: ['FactoryManager'],
  name: 'Rafiq Islam',
  email: 'manager@factory-bd-1.example.com',
};

async function sign(
  key: SigningKey,
  claims: JWTPayload = standardClaims,
  options: { nowMs?: number; lifetime?: number; iss?: string; aud?: string; nbf?: number; kid?: string | null } = {}
): Promise<string> {
  const now = seconds(options.nowMs ?? fixedNow);
  const jwt = new SignJWT({ ...claims })
    .setProtectedHeader({ alg: key.alg, typ: 'JWT', ...(options.kid === null ? {} : { kid: options.kid ?? key.kid }) })
    .setIssuer(options.iss ?? issuer)
    .setAudience(options.aud ?? audience)
    .setIssuedAt(now)
    .setNotBefore(options.nbf ?? now)
    .setExpirationTime(now + (options.lifetime ?? 3600));
  return jwt.sign(key.privateKey);
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function rejection(promise: Promise<unknown>): Promise<UnauthenticatedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(error).toBeInstanceOf(UnauthenticatedError);
  return error as UnauthenticatedError;
}

async function expectRejected(authorization: string | undefined, reason: string, v = verifier()) {
  const error = await rejection(v.verify(authorization));
  expect(error.message).toBe(reason);
  expect(error.status).toBe(401);
  const token = authorization?.split(' ')[1];
  if (token && token.length >= 12) expect(error.message).not.toContain(token.slice(0, 12));
}

describe('token verifier: valid tokens', () => {
  it('maps an ES256 Entra-shaped token to the Principal', async () => {
    const principal = await verifier().verify(`Bearer ${await sign(keyA)}`);
    expect(principal).toEqual({
      userId: standardClaims.oid,
      roles: ['FactoryManager'],
      email: standardClaims.email,
      name: 'Rafiq Islam',
    });
  });

  it('accepts RS256, the scheme in any case, and falls back to sub, preferred_username, upn', async () => {
    const v = verifier();
    const token = await sign(keyRsa, { sub: 'app-or-user', preferred_username: 'pu@example.org', roles: ['Gateway'] });
    expect(await v.verify(`bearer ${token}`)).toEqual({
      userId: 'app-or-user',
      roles: ['Gateway'],
      email: 'pu@example.org',
      name: undefined,
    });
    expect((await v.verify(`Bearer ${await sign(keyA, { sub: 's', upn: 'upn@example.org' })}`)).email).toBe(
      'upn@example.org'
    );
  });

  it('drops unknown roles and keeps a token without a known role authenticated', async () => {
    const v = verifier();
    const mixed = await sign(keyA, { ...standardClaims, roles: ['Admin', 'SuperUser', 42, 'Brand', 'Admin', null] });
    expect((await v.verify(`Bearer ${mixed}`)).roles).toEqual(['Admin', 'Brand']);
    const none = await sign(keyA, { oid: standardClaims.oid, roles: ['Owner'] });
    expect(await v.verify(`Bearer ${none}`)).toMatchObject({ userId: standardClaims.oid, roles: [] });
    const notArray = await sign(keyA, { oid: standardClaims.oid, roles: 'Admin' });
    expect((await v.verify(`Bearer ${notArray}`)).roles).toEqual([]);
  });

  it('tolerates a small clock skew (60 s)', async () => {
    const v = verifier();
    const justExpired = await sign(keyA, standardClaims, { nowMs: fixedNow - 3600_000 - 30_000 });
    await expect(v.verify(`Bearer ${justExpired}`)).resolves.toMatchObject({ userId: standardClaims.oid });
    const almostValid = await sign(keyA, standardClaims, { nbf: seconds(fixedNow) + 30 });
    await expect(v.verify(`Bearer ${almostValid}`)).resolves.toMatchObject({ userId: standardClaims.oid });
  });
});

describe('token verifier: refused tokens (401, short reasons, never the token)', () => {
  it('refuses a missing, non-Bearer or malformed Authorization header', async () => {
    await expectRejected(undefined, 'missing bearer token');
    await expectRejected('', 'missing bearer token');
    await expectRejected('   ', 'missing bearer token');
    await expectRejected('Basic dXNlcjpwYXNz', 'not a bearer token');
    await expectRejected('Bearer', 'not a bearer token');
    await expectRejected(`Bearer ${await sign(keyA)} extra`, 'not a bearer token');
    await expectRejected('Bearer garbage', 'malformed token');
    await expectRejected('Bearer a.b', 'malformed token');
    await expectRejected('Bearer a.b.c', 'malformed token');
    await expectRejected('Bearer a b', 'not a bearer token');
    await expectRejected(`Bearer ${'a'.repeat(20_000)}.b.c`, 'malformed token');
    await expectRejected(`Bearer ${b64url(['ES256'])}.e30.c2ln`, 'malformed token');
    await expectRejected(`Bearer ${b64url({ kid: keyA.kid })}.e30.c2ln`, 'malformed token');
    // a well-formed header is checked against its signature before the payload is even read
    await expectRejected(`Bearer ${b64url({ alg: 'ES256' })}.not-json.c2ln`, 'bad signature');
    expect(jwks.requests).toBeLessThanOrEqual(1);
  });

  it('refuses an expired token and one not yet valid', async () => {
    await expectRejected(
      `Bearer ${await sign(keyA, standardClaims, { nowMs: fixedNow - 2 * 3600_000 })}`,
      'token expired'
    );
    const future = await sign(keyA, standardClaims, { nbf: seconds(fixedNow) + 600 });
    await expectRejected(`Bearer ${future}`, 'token not yet valid');
  });

  it('refuses a token without an expiry', async () => {
    const token = await new SignJWT({ oid: 'x' })
      .setProtectedHeader({ alg: 'ES256', kid: keyA.kid })
      .setIssuer(issuer)
      .setAudience(audience)
      .sign(keyA.privateKey);
    await expectRejected(`Bearer ${token}`, 'token has no expiry');
  });

  it('refuses a wrong issuer or audience', async () => {
    await expectRejected(
      `Bearer ${await sign(keyA, standardClaims, { iss: 'https://login.example.org/other/v2.0' })}`,
      'wrong issuer'
    );
    await expectRejected(`Bearer ${await sign(keyA, standardClaims, { aud: 'api://someone-else' })}`, 'wrong audience');
  });

  it('refuses a token signed by another key, with the same kid or an unknown one', async () => {
    const v = verifier();
    await expectRejected(`Bearer ${await sign(impostorSameKid)}`, 'bad signature', v);
    await expectRejected(`Bearer ${await sign(impostorOtherKid)}`, 'unknown signing key', v);
  });

  it('refuses a tampered payload', async () => {
    const [header, , signature] = (await sign(keyA)).split('.');
    const elevated = b64url({
      ...standardClaims,
      roles: ['Admin'],
      iss: issuer,
      aud: audience,
      iat: seconds(fixedNow),
      exp: seconds(fixedNow) + 3600,
    });
    await expectRejected(`Bearer ${header}.${elevated}.${signature}`, 'bad signature');
  });

  it('refuses alg "none" (unsigned tokens)', async () => {
    const payload = b64url({ ...standardClaims, iss: issuer, aud: audience, exp: seconds(fixedNow) + 3600 });
    await expectRejected(`Bearer ${b64url({ alg: 'none' })}.${payload}.`, 'signature algorithm not allowed');
    await expectRejected(
      `Bearer ${b64url({ alg: 'none', typ: 'JWT', kid: keyA.kid })}.${payload}.`,
      'signature algorithm not allowed'
    );
    await expectRejected(`Bearer ${b64url({ alg: 'None' })}.${payload}.`, 'signature algorithm not allowed');
  });

  it('refuses HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const rsaPublic = await importJWK(keyRsa.publicJwk, 'RS256');
    const pem = await exportSPKI(rsaPublic as CryptoKey);
    for (const secret of [Buffer.from(pem), Buffer.from(JSON.stringify(keyA.publicJwk))]) {
      const token = await new SignJWT({ ...standardClaims })
        .setProtectedHeader({ alg: 'HS256', kid: keyRsa.kid })
        .setIssuer(issuer)
        .setAudience(audience)
        .setExpirationTime(seconds(fixedNow) + 3600)
        .sign(secret);
      await expectRejected(`Bearer ${token}`, 'signature algorithm not allowed');
    }
  });

  it('refuses a token without a usable subject', async () => {
    await expectRejected(`Bearer ${await sign(keyA, { roles: ['Admin'] })}`, 'token has no subject');
    await expectRejected(`Bearer ${await sign(keyA, { oid: '  ', sub: '' })}`, 'token has no subject');
  });
});

describe('token verifier: keys and time', () => {
  it('caches the key set, and does not refetch for unknown kids during the cooldown', async () => {
    const v = verifier();
    for (let i = 0; i < 3; i += 1) await v.verify(`Bearer ${await sign(keyA)}`);
    expect(jwks.requests).toBe(1);
    await expectRejected(`Bearer ${await sign(impostorOtherKid)}`, 'unknown signing key', v);
    await expectRejected(`Bearer ${await sign(impostorOtherKid)}`, 'unknown signing key', v);
    expect(jwks.requests).toBe(1);
  });

  it('picks up a rotated key: an unknown kid refetches the key set', async () => {
    const v = verifier({ cooldownMs: 0 });
    await v.verify(`Bearer ${await sign(keyA)}`);
    expect(jwks.requests).toBe(1);
    const keyB = await makeKey('key-b');
    jwks.keys = [keyB.publicJwk];
    await expect(v.verify(`Bearer ${await sign(keyB)}`)).resolves.toMatchObject({ userId: standardClaims.oid });
    expect(jwks.requests).toBe(2);
    // the retired key is gone from the set now
    await expectRejected(`Bearer ${await sign(keyA)}`, 'unknown signing key', v);
  });

  it('uses the given clock, which may be virtual', async () => {
    const yearMs = 365 * 24 * 3600_000;
    const realNow = Date.now();
    const virtual = verifier({ clock: { now: () => new Date(realNow + yearMs) } });
    const minted = await sign(keyA, standardClaims, { nowMs: realNow + yearMs });
    await expect(virtual.verify(`Bearer ${minted}`)).resolves.toMatchObject({ userId: standardClaims.oid });
    const realTime = await sign(keyA, standardClaims, { nowMs: realNow });
    await expectRejected(`Bearer ${realTime}`, 'token expired', virtual);
    // and the real clock refuses the token of the future
    const real = verifier({ clock: { now: () => new Date(realNow) } });
    await expectRejected(`Bearer ${minted}`, 'token not yet valid', real);
  });

  it('reports a key set it cannot fetch as unavailable, not as a bad token', async () => {
    jwks.failing = true;
    const error = await verifier()
      .verify(`Bearer ${await sign(keyA)}`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdentityKeysUnavailableError);
    expect(error).not.toBeInstanceOf(UnauthenticatedError);
    // it recovers once the key set is back
    jwks.failing = false;
    const v = verifier();
    await expect(v.verify(`Bearer ${await sign(keyA)}`)).resolves.toMatchObject({ userId: standardClaims.oid });
  });

  it('fetches through the given fetch implementation', async () => {
    const urls: string[] = [];
    const v = verifier({
      fetchImpl: (url, init) => {
        urls.push(url);
        return fetch(url, init);
      },
    });
    await v.verify(`Bearer ${await sign(keyA)}`);
    expect(urls).toEqual([jwks.url]);
  });
});

describe('bearerChallenge', () => {
  it('builds the WWW-Authenticate value of a 401', () => {
    expect(bearerChallenge('token expired')).toBe('Bearer error="invalid_token", error_description="token expired"');
    expect(bearerChallenge('a "quoted" \\ reason\n')).toBe(
      'Bearer error="invalid_token", error_description="a quoted  reason"'
    );
  });
});
