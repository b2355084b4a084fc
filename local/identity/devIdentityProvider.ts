// The development identity provider of the local host (it does not exist in Azure, where Entra ID issues
// the tokens). It signs Entra-ID-shaped access tokens for the demo users with an ES256 key made on first
// start and kept in the data folder, and publishes the public key the way Entra ID does (a JWKS), so the
// app validates local tokens with exactly the code that validates Entra ID tokens in Azure.
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { z } from 'zod';
import type { Clock } from '../../shared/ports/clock';
import { devProblem } from '../devRoutes';
import { CorruptDataError } from '../errors';
import type { DevRequest, DevResponse, DevRouter } from '../http/server';
import type { DemoUser } from '../seed/demoUsers';

type Jose = typeof import('jose');

/** The application id URI of the API, as the Entra ID app registration names it. */
export const localIdentityAudience = 'api://bw-slcp-data-sharing';
/** The `tid` of the local tokens: a fixed, made-up tenant. */
export const devTenantId = 'c3eec5c1-5c4b-4478-954c-5df847b22fb8';
export const minTokenLifetimeSeconds = 60;
export const maxTokenLifetimeSeconds = 86_400;

export interface LocalIdentitySettings {
  issuer: string;
  audience: string;
  jwksUri: string;
}

/** Where the local host's identity provider lives, from the API base URL (`http://127.0.0.1:7071/api`). */
export function localIdentitySettings(baseUrl: string): LocalIdentitySettings {
  const issuer = `${baseUrl.replace(/\/+$/, '')}/_dev/identity`;
  return { issuer, audience: localIdentityAudience, jwksUri: `${issuer}/keys` };
}

/** The app settings that point the app's token verifier at an identity provider. */
export function identityEnvironment(settings: LocalIdentitySettings): Record<string, string> {
  return {
    IDENTITY_ISSUER: settings.issuer,
    IDENTITY_AUDIENCE: settings.audience,
    IDENTITY_JWKS_URI: settings.jwksUri,
  };
}

export interface DevIdentityProvider {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUri: string;
  /** The `kid` of the signing key (its RFC 7638 thumbprint). */
  readonly kid: string;
  /** Where the private key is kept. */
  readonly keyFile: string;
  /** The public keys, as a JWKS. */
  jwks(): { keys: JWK[] };
  /** An access token for this user, valid from now (the clock's now) for `lifetimeSeconds`. */
  mint(user: DemoUser, lifetimeSeconds?: number): Promise<string>;
}

export interface DevIdentityProviderOptions {
  dataDir: string;
  issuer: string;
  audience: string;
  clock: Clock;
}

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/);
const storedKeySchema = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: base64url,
  y: base64url,
  d: base64url,
  kid: z.string().min(1),
  alg: z.literal('ES256'),
  use: z.literal('sig'),
});

export function signingKeyFile(dataDir: string): string {
  return join(dataDir, 'identity', 'signing-key.json');
}

export async function startDevIdentityProvider(options: DevIdentityProviderOptions): Promise<DevIdentityProvider> {
  // jose is ESM only; the local host is CommonJS, so it is loaded with import() (any Node 20).
  const jose: Jose = await import('jose');
  const keyFile = signingKeyFile(options.dataDir);
  const stored = existsSync(keyFile) ? readSigningKey(keyFile) : await createSigningKey(jose, keyFile);
  let privateKey: Awaited<ReturnType<Jose['importJWK']>>;
  try {
    privateKey = await jose.importJWK(stored, 'ES256');
  } catch {
    throw new CorruptDataError(keyFile, 'is not a usable ES256 signing key');
  }
  const { kid } = stored;
  const publicJwk: JWK = { kty: stored.kty, crv: stored.crv, x: stored.x, y: stored.y, kid, alg: 'ES256', use: 'sig' };
  const jwksUri = `${options.issuer}/keys`;

  return {
    issuer: options.issuer,
    audience: options.audience,
    jwksUri,
    kid,
    keyFile,
    jwks: () => ({ keys: [{ ...publicJwk }] }),
    async mint(user, lifetimeSeconds = 3600) {
      if (
        !Number.isInteger(lifetimeSeconds) ||
        lifetimeSeconds < minTokenLifetimeSeconds ||
        lifetimeSeconds > maxTokenLifetimeSeconds
      ) {
        throw new RangeError(
          `lifetimeSeconds must be a whole number from ${minTokenLifetimeSeconds} to ${maxTokenLifetimeSeconds}`
        );
      }
      // Numbers, not Dates: the time is the project's clock, which may be virtual.
      const now = Math.floor(options.clock.now().getTime() / 1000);
      return new jose.SignJWT({
        oid: user.userId,
        tid: devTenantId,
        ver: '2.0',
        name: user.name,
        preferred_username: user.email,
        email: user.email,
        ...(user.roles.length > 0 ? { roles: [...user.roles] } : {}),
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(user.userId)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + lifetimeSeconds)
        .setJti(randomUUID())
        .sign(privateKey);
    },
  };
}

function readSigningKey(file: string): z.infer<typeof storedKeySchema> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new CorruptDataError(file, 'is not valid JSON');
  }
  const result = storedKeySchema.safeParse(parsed);
  if (!result.success) throw new CorruptDataError(file, 'is not an ES256 signing key (JWK)');
  try {
    chmodSync(file, 0o600);
  } catch {
    // not ours to fix (another owner, or a file system without modes)
  }
  return result.data;
}

/** Made once per data folder, written atomically (a crash never leaves half a key), readable by the owner only. */
async function createSigningKey(jose: Jose, file: string): Promise<z.infer<typeof storedKeySchema>> {
  const { privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  const kid = await jose.calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, 'sha256');
  const stored = storedKeySchema.parse({ ...jwk, kid, alg: 'ES256', use: 'sig' });
  const dir = join(file, '..');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
  return stored;
}

const tokenRequest = z.strictObject({
  user: z.string().min(1, 'the key of a demo user'),
  lifetimeSeconds: z.number().int().min(minTokenLifetimeSeconds).max(maxTokenLifetimeSeconds).optional(),
});

/** What a client may see of a demo user (they have no secrets, but only these fields are published). */
export function publicDemoUser(user: DemoUser): DemoUser {
  return {
    key: user.key,
    userId: user.userId,
    name: user.name,
    email: user.email,
    roles: [...user.roles],
    ...(user.countryCode ? { countryCode: user.countryCode } : {}),
    ...(user.factoryKey ? { factoryKey: user.factoryKey } : {}),
    ...(user.brandKey ? { brandKey: user.brandKey } : {}),
  };
}

/**
 * The `/api/_dev/...` routes of the identity provider: `identity/.well-known/openid-configuration`,
 * `identity/keys`, `users` and `POST token` (`{"user":"fm-bd-1","lifetimeSeconds":3600}`).
 */
export function createIdentityDevRouter(idp: DevIdentityProvider, users: readonly DemoUser[]): DevRouter {
  const get = (request: DevRequest, answer: () => DevResponse): DevResponse =>
    request.method === 'GET' ? answer() : notAllowed(request);

  async function token(request: DevRequest): Promise<DevResponse> {
    let json: unknown;
    try {
      json = JSON.parse(request.body.toString('utf8'));
    } catch {
      return devProblem(400, 'The body must be JSON: {"user":"fm-bd-1"} (optional "lifetimeSeconds": 60-86400).');
    }
    const parsed = tokenRequest.safeParse(json);
    if (!parsed.success) {
      return devProblem(
        400,
        `Give "user" (a demo user key) and optionally "lifetimeSeconds" (a whole number from ${minTokenLifetimeSeconds} to ${maxTokenLifetimeSeconds}).`,
        { errors: parsed.error.issues.map((i) => ({ pointer: `/${i.path.join('/')}`, detail: i.message })) }
      );
    }
    const user = users.find((u) => u.key === parsed.data.user);
    if (!user) {
      const keys = users.map((u) => u.key);
      return devProblem(
        404,
        `There is no demo user "${parsed.data.user.slice(0, 64)}". Use one of: ${keys.join(', ')}.`,
        {
          users: keys,
        }
      );
    }
    const expiresIn = parsed.data.lifetimeSeconds ?? 3600;
    return {
      status: 200,
      body: {
        access_token: await idp.mint(user, expiresIn),
        token_type: 'Bearer',
        expires_in: expiresIn,
        user: publicDemoUser(user),
      },
    };
  }

  return async (request) => {
    switch (request.path) {
      case 'identity/.well-known/openid-configuration':
        return get(request, () => ({
          status: 200,
          body: {
            issuer: idp.issuer,
            jwks_uri: idp.jwksUri,
            id_token_signing_alg_values_supported: ['ES256'],
            subject_types_supported: ['public'],
            claims_supported: ['iss', 'aud', 'sub', 'oid', 'tid', 'roles', 'name', 'preferred_username', 'email'],
          },
        }));
      case 'identity/keys':
        return get(request, () => ({ status: 200, body: idp.jwks() }));
      case 'users':
        return get(request, () => ({ status: 200, body: { users: users.map(publicDemoUser) } }));
      case 'token':
        return request.method === 'POST' ? token(request) : notAllowed(request);
      default:
        return undefined;
    }
  };
}

function notAllowed(request: DevRequest): DevResponse {
  return devProblem(405, `${request.method} is not allowed on /_dev/${request.path}.`);
}
