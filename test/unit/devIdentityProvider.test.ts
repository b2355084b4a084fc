// jose is ESM only and jest runs this suite as CommonJS: load the real jose with Node's own loader
// (require of ESM, Node >= 20.19) instead of jest's. Nothing of jose is mocked.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  createIdentityDevRouter,
  devTenantId,
  identityEnvironment,
  localIdentityAudience,
  localIdentitySettings,
  signingKeyFile,
  startDevIdentityProvider,
  type DevIdentityProvider,
} from '../../local/identity/devIdentityProvider';
import { CorruptDataError } from '../../local/errors';
import type { DevRouter } from '../../local/http/server';
import { demoUsers, findDemoUser, type DemoUser } from '../../local/seed/demoUsers';
import { createTokenVerifier } from '../../shared/adapters/identity/tokenVerifier';
import { roles } from '../../shared/domain/access/roles';
import type { Clock } from '../../shared/ports/clock';

const repoRoot = join(__dirname, '..', '..');
const nowMs = Date.parse('2026-11-21T10:00:00Z');
const clock: Clock = { now: () => new Date(nowMs) };
const nowSeconds = Math.floor(nowMs / 1000);
const user = (key: string): DemoUser => findDemoUser(key)!;

/** The `/api/_dev/...` part of the local host, over real HTTP, answered by whatever router is set. */
class DevHost {
  router: DevRouter | undefined;
  private server: Server | undefined;
  port = 0;

  get base(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = (req.url ?? '').replace(/^\/api\/_dev\//, '');
        const request = { method: req.method ?? 'GET', path, body: Buffer.concat(chunks) };
        void (this.router?.(request) ?? Promise.resolve(undefined)).then((answer) => {
          if (!answer) return void res.writeHead(404).end();
          res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' });
          res.end(JSON.stringify(answer.body));
        });
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

let dataDir: string;
let host: DevHost;
let idp: DevIdentityProvider;

async function startIdp(): Promise<DevIdentityProvider> {
  const { issuer, audience } = localIdentitySettings(host.base);
  const started = await startDevIdentityProvider({ dataDir, issuer, audience, clock });
  host.router = createIdentityDevRouter(started, demoUsers);
  return started;
}

function verifierFor(provider: DevIdentityProvider, verifierClock: Clock = clock) {
  return createTokenVerifier({
    issuer: provider.issuer,
    audience: provider.audience,
    jwksUri: provider.jwksUri,
    clock: verifierClock,
  });
}

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'bw-idp-'));
  host = new DevHost();
  await host.start();
  idp = await startIdp();
});

afterEach(async () => {
  await host.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('local identity settings', () => {
  it('derives issuer, audience and key set from the API base URL', () => {
    const settings = localIdentitySettings('http://127.0.0.1:7071/api/');
    expect(settings).toEqual({
      issuer: 'http://127.0.0.1:7071/api/_dev/identity',
      audience: 'api://bw-slcp-data-sharing',
      jwksUri: 'http://127.0.0.1:7071/api/_dev/identity/keys',
    });
    expect(identityEnvironment(settings)).toEqual({
      IDENTITY_ISSUER: settings.issuer,
      IDENTITY_AUDIENCE: localIdentityAudience,
      IDENTITY_JWKS_URI: settings.jwksUri,
    });
  });
});

describe('development identity provider', () => {
  it('makes an ES256 key on first start, readable by the owner only, and publishes only its public half', () => {
    const file = signingKeyFile(dataDir);
    expect(idp.keyFile).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'identity')).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    expect(stored).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: idp.kid });
    expect(stored.d).toBeTruthy();
    const { keys } = idp.jwks();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: stored.x,
      y: stored.y,
      kid: idp.kid,
      alg: 'ES256',
      use: 'sig',
    });
  });

  it('mints an Entra-ID-shaped access token from the clock', async () => {
    const fm = user('fm-bd-1');
    const token = await idp.mint(fm);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', typ: 'JWT', kid: idp.kid });
    expect(decodeJwt(token)).toEqual({
      iss: idp.issuer,
      aud: localIdentityAudience,
      sub: fm.userId,
      oid: fm.userId,
      tid: devTenantId,
      ver: '2.0',
      roles: ['FactoryManager'],
      name: fm.name,
      preferred_username: fm.email,
      email: fm.email,
      iat: nowSeconds,
      nbf: nowSeconds,
      exp: nowSeconds + 3600,
      jti: expect.any(String),
    });
    expect(decodeJwt(await idp.mint(fm, 60)).exp).toBe(nowSeconds + 60);
    await expect(idp.mint(fm, 59)).rejects.toThrow(RangeError);
    await expect(idp.mint(fm, 86_401)).rejects.toThrow(RangeError);
    await expect(idp.mint(fm, 90.5)).rejects.toThrow(RangeError);
  });

  it('keeps its key across restarts: same kid, and tokens of before still verify', async () => {
    const before = await idp.mint(user('assessor-vn'));
    const keyFileBefore = readFileSync(idp.keyFile, 'utf8');
    const restarted = await startIdp();
    expect(restarted.kid).toBe(idp.kid);
    expect(restarted.jwks()).toEqual(idp.jwks());
    expect(readFileSync(restarted.keyFile, 'utf8')).toBe(keyFileBefore);
    // the verifier fetches the key set the restarted provider serves over HTTP
    const principal = await verifierFor(restarted).verify(`Bearer ${before}`);
    expect(principal).toEqual({
      userId: user('assessor-vn').userId,
      roles: ['Assessor'],
      email: user('assessor-vn').email,
      name: user('assessor-vn').name,
    });
  });

  it('a new data folder means a new key: its tokens do not verify against the old key set', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'bw-idp-other-'));
    try {
      const other = await startDevIdentityProvider({
        dataDir: otherDir,
        issuer: idp.issuer,
        audience: idp.audience,
        clock,
      });
      expect(other.kid).not.toBe(idp.kid);
      await expect(verifierFor(idp).verify(`Bearer ${await other.mint(user('admin'))}`)).rejects.toThrow(
        'unknown signing key'
      );
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('stops with a corrupt-data error for a damaged key file', async () => {
    const options = { dataDir, issuer: idp.issuer, audience: idp.audience, clock };
    writeFileSync(idp.keyFile, '{"kty":');
    await expect(startDevIdentityProvider(options)).rejects.toThrow(CorruptDataError);
    writeFileSync(idp.keyFile, JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }));
    await expect(startDevIdentityProvider(options)).rejects.toThrow(/signing-key\.json is not an ES256 signing key/);
    const stored = { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA', d: 'AAAA', kid: 'k', alg: 'ES256', use: 'sig' };
    writeFileSync(idp.keyFile, JSON.stringify(stored));
    await expect(startDevIdentityProvider(options)).rejects.toThrow(CorruptDataError);
  });
});

describe('identity dev routes', () => {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${host.base}/_dev/${path}`, {
      method,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  it('serves the discovery document and the key set', async () => {
    const discovery = await call('GET', 'identity/.well-known/openid-configuration');
    expect(discovery.status).toBe(200);
    expect(discovery.body).toMatchObject({ issuer: idp.issuer, jwks_uri: `${host.base}/_dev/identity/keys` });
    const keys = await call('GET', 'identity/keys');
    expect(keys).toMatchObject({ status: 200, body: idp.jwks() });
  });

  it('lists the demo users', async () => {
    const { status, body } = await call('GET', 'users');
    expect(status).toBe(200);
    const listed = body.users as DemoUser[];
    expect(listed.map((u) => u.key)).toEqual(demoUsers.map((u) => u.key));
    expect(listed.find((u) => u.key === 'fm-bd-1')).toEqual({
      key: 'fm-bd-1',
      userId: user('fm-bd-1').userId,
      name: user('fm-bd-1').name,
      email: user('fm-bd-1').email,
      roles: ['FactoryManager'],
      countryCode: 'BD',
      factoryKey: 'factory-bd-1',
    });
  });

  it('issues a token for a demo user that the app verifier accepts', async () => {
    const { status, body } = await call('POST', 'token', { user: 'registration-id' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, user: { key: 'registration-id' } });
    const principal = await verifierFor(idp).verify(`Bearer ${String(body.access_token)}`);
    expect(principal).toMatchObject({ userId: user('registration-id').userId, roles: ['RegistrationStaff'] });

    const short = await call('POST', 'token', { user: 'gateway', lifetimeSeconds: 120 });
    expect(short.body.expires_in).toBe(120);
    const claims = decodeJwt(String(short.body.access_token));
    expect(claims.exp! - claims.iat!).toBe(120);
    expect(claims.roles).toEqual(['Gateway']);
  });

  it('answers 404 naming the valid users for an unknown one', async () => {
    const { status, type, body } = await call('POST', 'token', { user: 'nobody' });
    expect(status).toBe(404);
    expect(type).toBe('application/problem+json');
    expect(body.users).toEqual(demoUsers.map((u) => u.key));
    expect(String(body.detail)).toContain('fm-bd-1');
  });

  it('answers 400 for a bad body', async () => {
    for (const bad of [
      'not json',
      '',
      [],
      {},
      { user: '' },
      { user: 42 },
      { user: 'admin', lifetimeSeconds: 59 },
      { user: 'admin', lifetimeSeconds: 86_401 },
      { user: 'admin', lifetimeSeconds: '3600' },
      { user: 'admin', roles: ['Admin'] },
    ]) {
      const { status, type, body } = await call('POST', 'token', bad);
      expect([bad, status, type]).toEqual([bad, 400, 'application/problem+json']);
      expect(body.detail).toEqual(expect.any(String));
    }
  });

  it('answers 405 for a wrong method and leaves other paths to other routers', async () => {
    expect((await call('GET', 'token')).status).toBe(405);
    expect((await call('POST', 'users', {})).status).toBe(405);
    expect((await call('DELETE', 'identity/keys')).status).toBe(405);
    const router = createIdentityDevRouter(idp, demoUsers);
    expect(await router({ method: 'GET', path: 'clock', body: Buffer.alloc(0) })).toBeUndefined();
    expect(await router({ method: 'GET', path: 'identity', body: Buffer.alloc(0) })).toBeUndefined();
  });
});

describe('demo users', () => {
  it('cover every role and every launched country, with stable unique ids and reserved e-mail domains', () => {
    expect(new Set(demoUsers.map((u) => u.key)).size).toBe(demoUsers.length);
    expect(new Set(demoUsers.map((u) => u.userId)).size).toBe(demoUsers.length);
    for (const u of demoUsers) {
      expect(u.userId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(u.email).toMatch(/^[a-z0-9.]+@([a-z0-9-]+\.)*example\.(org|com)$/);
      expect(u.roles.length).toBeGreaterThan(0);
    }
    expect(new Set(demoUsers.flatMap((u) => u.roles))).toEqual(new Set(roles));
    for (const country of ['BD', 'ID', 'VN'] as const) {
      const here = demoUsers.filter((u) => u.countryCode === country);
      expect(here.some((u) => u.roles.includes('RegistrationStaff'))).toBe(true);
      expect(here.some((u) => u.roles.includes('FactoryManager'))).toBe(true);
    }
    for (const fm of demoUsers.filter((u) => u.roles.includes('FactoryManager'))) {
      expect(fm.factoryKey).toBeTruthy();
      expect(fm.countryCode).toBeTruthy();
    }
    expect(user('gateway').roles).toEqual(['Gateway']);
  });
});

describe('npm run token (built CLI)', () => {
  const cli = join(repoRoot, 'dist', 'local', 'token.js');
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [cli, ...args], { cwd: repoRoot, timeout: 20_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
      );
    });

  beforeAll(() => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: the jest globalSetup builds it`);
  });

  it('prints only the token of the user', async () => {
    const { code, stdout, stderr } = await run(['fm-bd-1', '--port', String(host.port), '--lifetime', '600']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
    const claims = decodeJwt(stdout.trim());
    expect(claims).toMatchObject({ oid: user('fm-bd-1').userId, roles: ['FactoryManager'] });
    expect(claims.exp! - claims.iat!).toBe(600);
  });

  it('lists the demo users and exits 2 without a user or with an unknown one', async () => {
    for (const args of [[], ['nobody']]) {
      const { code, stdout, stderr } = await run([...args, '--port', String(host.port)]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/fm-bd-1 +FactoryManager \(BD factory-bd-1\)/);
      expect(stderr).toMatch(/gateway +Gateway/);
    }
  });

  it('says to start the local host when none answers, and exits 1', async () => {
    await host.stop();
    const { code, stdout, stderr } = await run(['admin', '--port', String(host.port)]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('npm start');
    host = new DevHost();
    await host.start();
  });

  it('refuses bad flags with exit 2', async () => {
    expect((await run(['admin', '--port', 'x'])).code).toBe(2);
    expect((await run(['admin', '--lifetime', '5'])).code).toBe(2);
    expect((await run(['admin', '--bogus'])).code).toBe(2);
  });
});
