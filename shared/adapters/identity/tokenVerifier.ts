// Validates the Entra ID bearer token of a request and maps its claims to the caller's Principal.
import {
  createRemoteJWKSet,
  customFetch,
  jwtVerify,
  type FetchImplementation,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { isRole, type Principal, type Role } from '../../domain/access/roles';
import { UnauthenticatedError } from '../../domain/errors';
import type { Clock } from '../../ports/clock';

export interface TokenVerifierConfig {
  /** The expected `iss`, e.g. `https://login.microsoftonline.com/<tenant id>/v2.0`. */
  issuer: string;
  /** The expected `aud`: the API's application id (URI). */
  audience: string;
  /** Where the issuer publishes its signing keys (JWKS). */
  jwksUri: string;
  /** The time tokens are checked against: the project's clock, which may be virtual. */
  clock: Clock;
  /** How the key set is fetched; the global fetch by default. */
  fetchImpl?: FetchImplementation;
  /** How long fetched keys are trusted before they are fetched again; 10 minutes by default. */
  cacheMaxAgeMs?: number;
  /** The least time between two fetches caused by a token with an unknown `kid`; 30 s by default. */
  cooldownMs?: number;
  /** Allowed clock skew between the issuer and this app; 60 s by default. */
  clockToleranceSeconds?: number;
}

export interface TokenVerifier {
  /** The caller, from the `Authorization` header value; throws `UnauthenticatedError` when it is not valid. */
  verify(authorization: string | undefined): Promise<Principal>;
}

/**
 * The issuer's key set could not be fetched (network, timeout, not a JWKS): not the caller's fault, so
 * not a 401. The HTTP layer answers 503 (or 500) and logs the cause.
 */
export class IdentityKeysUnavailableError extends Error {
  override name = 'IdentityKeysUnavailableError';
}

/** Only asymmetric signatures: never `none`, never a shared secret (HS*). */
export const acceptedAlgorithms = ['RS256', 'ES256'] as const;

/** A JWS compact serialisation: three base64url parts. Anything else is refused before any crypto. */
const compactJws = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const maxTokenLength = 16 * 1024;

export function createTokenVerifier(config: TokenVerifierConfig): TokenVerifier {
  const remoteKeys = createRemoteJWKSet(new URL(config.jwksUri), {
    cacheMaxAge: config.cacheMaxAgeMs ?? 10 * 60_000,
    cooldownDuration: config.cooldownMs ?? 30_000,
    timeoutDuration: 5_000,
    ...(config.fetchImpl ? { [customFetch]: config.fetchImpl } : {}),
  });
  // A token whose key is not in the set is the caller's problem; a key set that cannot be fetched is ours.
  const keyFor: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remoteKeys(header, token);
    } catch (error) {
      const code = joseCode(error);
      if (code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw error;
      throw new IdentityKeysUnavailableError(
        `The signing keys of the identity provider could not be fetched from ${config.jwksUri}.`,
        { cause: error }
      );
    }
  };

  return {
    async verify(authorization) {
      const token = bearerToken(authorization);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keyFor, {
          issuer: config.issuer,
          audience: config.audience,
          algorithms: [...acceptedAlgorithms],
          requiredClaims: ['exp'],
          currentDate: config.clock.now(),
          clockTolerance: config.clockToleranceSeconds ?? 60,
        }));
      } catch (error) {
        if (error instanceof IdentityKeysUnavailableError) throw error;
        throw new UnauthenticatedError(reasonFor(error));
      }
      return principalFrom(payload);
    },
  };
}

/**
 * The `WWW-Authenticate` value of a 401 answer (RFC 6750). The reason is one of the verifier's short,
 * safe messages; characters a quoted string cannot hold are dropped.
 */
export function bearerChallenge(reason: string): string {
  const description = reason.replace(/[^\x20-\x7e]|["\\]/g, '').slice(0, 200);
  return `Bearer error="invalid_token", error_description="${description}"`;
}

function bearerToken(authorization: string | undefined): string {
  const value = authorization?.trim();
  if (!value) throw new UnauthenticatedError('missing bearer token');
  const match = /^(\S+)\s+(\S+)$/.exec(value);
  if (!match || match[1]!.toLowerCase() !== 'bearer') throw new UnauthenticatedError('not a bearer token');
  const token = match[2]!;
  if (token.length > maxTokenLength || !compactJws.test(token)) throw new UnauthenticatedError('malformed token');
  return token;
}

function joseCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A short reason that names the failed check, never the token or its claims. */
function reasonFor(error: unknown): string {
  switch (joseCode(error)) {
    case 'ERR_JWT_EXPIRED':
      return 'token expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = (error as { claim?: unknown }).claim;
      if (claim === 'nbf') return 'token not yet valid';
      if (claim === 'iss') return 'wrong issuer';
      if (claim === 'aud') return 'wrong audience';
      if (claim === 'exp') return 'token has no expiry';
      return 'invalid token claims';
    }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad signature';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'signature algorithm not allowed';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'unknown signing key';
    default:
      return 'malformed token';
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function principalFrom(payload: JWTPayload): Principal {
  const userId = text(payload.oid) ?? text(payload.sub);
  if (!userId) throw new UnauthenticatedError('token has no subject');
  const claimed: unknown[] = Array.isArray(payload.roles) ? payload.roles : [];
  const roles: Role[] = [...new Set(claimed.filter(isRole))];
  return {
    userId,
    roles,
    email: text(payload.email) ?? text(payload.preferred_username) ?? text(payload.upn),
    name: text(payload.name),
  };
}
