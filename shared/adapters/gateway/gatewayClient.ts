// BW's side of the SLCP Gateway contract (shared/schemas/gateway.ts, docs/gateway.openapi.json): the
// registration hand-off, the callback signature, and the look-ups. It only speaks the contract over
// HTTP, so it works the same against the local simulator and the real Gateway.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../../ports/clock';
import {
  betterWorkVerifier,
  defaultCallbackToleranceSeconds,
  facilityRegistrationSchema,
  gatewayApiTokenAudience,
  gatewayApiTokenClaimsSchema,
  gatewayApiTokenIssuer,
  gatewayApiTokenLifetimeSeconds,
  gatewayApiTokenType,
  gatewayCallbackEventSchema,
  gatewayCallbackHeaders,
  gatewayFacilityIdSchema,
  gatewaySubmissionEventSchema,
  gatewayFacilitySchema,
  gatewaySharedSecretSchema,
  gatewaySignatureVersion,
  registrationIdSchema,
  registrationStateClaimsSchema,
  registrationStateLifetimeSeconds,
  registrationStateType,
  type FacilityRegistration,
  type GatewayCallbackEvent,
  type GatewaySubmissionEvent,
  type GatewayFacility,
  type RegistrationState,
} from '../../schemas/gateway';

const maxTokenLength = 4096;
/** Callback bodies are small; anything bigger is refused before parsing. */
export const maxCallbackBodyBytes = 64 * 1024;

function secretKey(secret: string): Uint8Array {
  gatewaySharedSecretSchema.parse(secret);
  return new TextEncoder().encode(secret);
}

const unixSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** `{base}/{path}`, keeping any path the base URL has (https://host/gateway + facilities/x). */
export function gatewayEndpoint(gatewayBaseUrl: string, path: string): URL {
  const base = new URL(gatewayBaseUrl);
  if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
  base.search = '';
  base.hash = '';
  return new URL(path.replace(/^\/+/, ''), base);
}

// ---------------------------------------------------------------------------------------------------
// Registration hand-off (R9)
// ---------------------------------------------------------------------------------------------------

export interface RegistrationUrlInput {
  gatewayBaseUrl: string;
  secret: string;
  factoryId: string;
  /** The factory manager's email on the BW platform: the Gateway accepts only this one. */
  email: string;
  /** Where the Gateway POSTs the callbacks of this hand-off. */
  callbackUrl: string;
  clock: Clock;
  /** Id of this hand-off (single use); a random UUID when not given. */
  jti?: string;
}

export interface RegistrationUrl {
  url: string;
  expiresAt: Date;
  jti: string;
}

/** The link that sends the factory manager to the Gateway's Facility Information Form, Better Work preset. */
export async function createRegistrationUrl(input: RegistrationUrlInput): Promise<RegistrationUrl> {
  const iat = unixSeconds(input.clock.now());
  const claims = registrationStateClaimsSchema.parse({
    factoryId: input.factoryId,
    verifier: betterWorkVerifier,
    email: input.email,
    callbackUrl: input.callbackUrl,
    jti: input.jti ?? randomUUID(),
    iat,
    exp: iat + registrationStateLifetimeSeconds,
  });
  const state = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: registrationStateType })
    .sign(secretKey(input.secret));
  const url = gatewayEndpoint(input.gatewayBaseUrl, 'facility-registration');
  url.searchParams.set('state', state);
  return { url: url.toString(), expiresAt: new Date(claims.exp * 1000), jti: claims.jti };
}

export type RegistrationStateProblem = 'expired' | 'invalid';

export class RegistrationStateRejected extends Error {
  override name = 'RegistrationStateRejected';
  constructor(
    readonly reason: RegistrationStateProblem,
    message: string
  ) {
    super(message);
  }
}

/** The Gateway's check of a hand-off state (the simulator uses it): signature, type, expiry, claims. */
export async function verifyRegistrationState(token: string, secret: string, clock: Clock): Promise<RegistrationState> {
  if (typeof token !== 'string' || token.length === 0 || token.length > maxTokenLength) {
    throw new RegistrationStateRejected('invalid', 'the registration state is missing or too long');
  }
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, secretKey(secret), {
      algorithms: ['HS256'],
      typ: registrationStateType,
      currentDate: clock.now(),
      requiredClaims: ['iat', 'exp', 'jti'],
    }));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_JWT_EXPIRED') throw new RegistrationStateRejected('expired', 'the registration link has expired');
    throw new RegistrationStateRejected('invalid', `the registration state is not valid (${String(code ?? error)})`);
  }
  const claims = registrationStateClaimsSchema.safeParse(payload);
  if (!claims.success) {
    throw new RegistrationStateRejected(
      'invalid',
      `the registration state has unexpected claims: ${claims.error.message}`
    );
  }
  if (claims.data.exp - claims.data.iat > registrationStateLifetimeSeconds) {
    throw new RegistrationStateRejected('invalid', 'the registration state lives longer than 24 hours');
  }
  return claims.data;
}

// ---------------------------------------------------------------------------------------------------
// Callbacks: signing (the Gateway's side, used by the simulator) and verifying (BW's side)
// ---------------------------------------------------------------------------------------------------

function toBuffer(body: string | Uint8Array): Buffer {
  return typeof body === 'string'
    ? Buffer.from(body, 'utf8')
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function callbackMac(secret: string, timestamp: string, rawBody: string | Uint8Array): Buffer {
  return createHmac('sha256', secretKey(secret)).update(`${timestamp}.`, 'utf8').update(toBuffer(rawBody)).digest();
}

/** The signature headers of one delivery attempt of a callback. */
export function signGatewayCallback(input: {
  eventId: string;
  rawBody: string | Uint8Array;
  secret: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
}): Record<(typeof gatewayCallbackHeaders)[keyof typeof gatewayCallbackHeaders], string> {
  const timestamp = String(Math.floor(input.timestamp));
  return {
    [gatewayCallbackHeaders.eventId]: input.eventId,
    [gatewayCallbackHeaders.timestamp]: timestamp,
    [gatewayCallbackHeaders.signature]: `${gatewaySignatureVersion}=${callbackMac(input.secret, timestamp, input.rawBody).toString('hex')}`,
  };
}

export type CallbackRejectReason =
  | 'missing_header'
  | 'malformed_header'
  | 'bad_signature'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'bad_body'
  | 'event_id_mismatch';

/** A callback BW refuses. `status` is the answer to give: 401 when it is not provably from the Gateway, else 400. */
export class CallbackRejected extends Error {
  override name = 'CallbackRejected';
  readonly status: 400 | 401;
  constructor(
    readonly reason: CallbackRejectReason,
    message: string
  ) {
    super(message);
    this.status = reason === 'bad_body' || reason === 'event_id_mismatch' ? 400 : 401;
  }
}

/** Fetch `Headers`, Azure Functions' request headers, or Node's `IncomingHttpHeaders`. */
export type HeaderSource =
  { get(name: string): string | null | undefined } | Record<string, string | string[] | undefined>;

function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null | undefined }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  if (Array.isArray(value)) {
    if (value.length > 1) throw new CallbackRejected('malformed_header', `${name} is given more than once`);
    return value[0];
  }
  return value;
}

export interface VerifyCallbackInput {
  headers: HeaderSource;
  /** The body exactly as received: the signature covers these bytes. */
  rawBody: string | Uint8Array;
  secret: string;
  clock: Clock;
  toleranceSeconds?: number;
}

/**
 * Checks a Gateway callback and returns its event, or throws `CallbackRejected`. Order: headers present
 * and well formed, signature (constant-time), timestamp within the tolerance, then the body against
 * the contract. Deduplicating on `eventId` is the caller's job: one event may be delivered more than once.
 */
export function verifyGatewayCallback(input: VerifyCallbackInput): GatewayCallbackEvent {
  return verifySignedEvent(input, gatewayCallbackEventSchema);
}

/** The same checks for the Gateway's data submission events (R18): `submission.validated`, `submission.validationFailed`. */
export function verifySubmissionCallback(input: VerifyCallbackInput): GatewaySubmissionEvent {
  return verifySignedEvent(input, gatewaySubmissionEventSchema);
}

function verifySignedEvent<E extends { eventId: string }>(
  input: VerifyCallbackInput,
  schema: {
    safeParse(
      v: unknown
    ): { success: true; data: E } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  }
): E {
  const { headers, rawBody, secret, clock } = input;
  const toleranceSeconds = input.toleranceSeconds ?? defaultCallbackToleranceSeconds;
  const eventId = headerValue(headers, gatewayCallbackHeaders.eventId);
  const timestamp = headerValue(headers, gatewayCallbackHeaders.timestamp);
  const signature = headerValue(headers, gatewayCallbackHeaders.signature);
  const missing = [
    [gatewayCallbackHeaders.eventId, eventId],
    [gatewayCallbackHeaders.timestamp, timestamp],
    [gatewayCallbackHeaders.signature, signature],
  ]
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0 || !eventId || !timestamp || !signature) {
    throw new CallbackRejected('missing_header', `missing ${missing.join(', ')}`);
  }
  if (!/^\d{1,15}$/.test(timestamp)) {
    throw new CallbackRejected('malformed_header', `${gatewayCallbackHeaders.timestamp} must be unix seconds`);
  }
  const given = /^v1=([0-9a-fA-F]{64})$/.exec(signature.trim());
  if (!given?.[1]) {
    throw new CallbackRejected('malformed_header', `${gatewayCallbackHeaders.signature} must be v1=<64 hex digits>`);
  }
  const expected = callbackMac(secret, timestamp, rawBody);
  if (!timingSafeEqual(expected, Buffer.from(given[1], 'hex'))) {
    throw new CallbackRejected('bad_signature', 'the signature does not match the body and timestamp');
  }
  const skew = Number(timestamp) - unixSeconds(clock.now());
  if (skew < -toleranceSeconds) {
    throw new CallbackRejected(
      'stale_timestamp',
      `the callback was signed ${-skew} s ago (tolerance ${toleranceSeconds} s)`
    );
  }
  if (skew > toleranceSeconds) {
    throw new CallbackRejected(
      'future_timestamp',
      `the callback is dated ${skew} s ahead (tolerance ${toleranceSeconds} s)`
    );
  }
  const bytes = toBuffer(rawBody);
  if (bytes.byteLength > maxCallbackBodyBytes) {
    throw new CallbackRejected('bad_body', `the body is larger than ${maxCallbackBodyBytes} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new CallbackRejected('bad_body', 'the body is not JSON');
  }
  const event = schema.safeParse(json);
  if (!event.success) {
    const where = event.error.issues.map((i) => `/${i.path.map(String).join('/')}: ${i.message}`).join('; ');
    throw new CallbackRejected('bad_body', `the body is not a Gateway event: ${where}`);
  }
  if (event.data.eventId !== eventId.trim()) {
    throw new CallbackRejected(
      'event_id_mismatch',
      `${gatewayCallbackHeaders.eventId} differs from the body's eventId`
    );
  }
  return event.data;
}

// ---------------------------------------------------------------------------------------------------
// Look-ups (bearer token signed with the shared secret)
// ---------------------------------------------------------------------------------------------------

/** BW's short-lived bearer token for the Gateway's read endpoints. */
export async function createGatewayApiToken(secret: string, clock: Clock): Promise<string> {
  const iat = unixSeconds(clock.now());
  return new SignJWT({
    iss: gatewayApiTokenIssuer,
    aud: gatewayApiTokenAudience,
    jti: randomUUID(),
    iat,
    exp: iat + gatewayApiTokenLifetimeSeconds,
  })
    .setProtectedHeader({ alg: 'HS256', typ: gatewayApiTokenType })
    .sign(secretKey(secret));
}

/** The Gateway's check of BW's bearer token (the simulator uses it). Returns false for anything not valid. */
export async function verifyGatewayApiToken(token: string, secret: string, clock: Clock): Promise<boolean> {
  if (token.length === 0 || token.length > maxTokenLength) return false;
  try {
    const { payload } = await jwtVerify(token, secretKey(secret), {
      algorithms: ['HS256'],
      typ: gatewayApiTokenType,
      issuer: gatewayApiTokenIssuer,
      audience: gatewayApiTokenAudience,
      currentDate: clock.now(),
      requiredClaims: ['iat', 'exp', 'jti'],
    });
    const claims = gatewayApiTokenClaimsSchema.safeParse(payload);
    return claims.success && claims.data.exp - claims.data.iat <= gatewayApiTokenLifetimeSeconds;
  } catch {
    return false;
  }
}

export type GatewayRequestProblem = 'timeout' | 'network' | 'http' | 'protocol';

/** The Gateway could not answer usefully: unreachable, too slow, an error status, or an answer off-contract. */
export class GatewayRequestFailed extends Error {
  override name = 'GatewayRequestFailed';
  constructor(
    readonly kind: GatewayRequestProblem,
    message: string,
    readonly status?: number
  ) {
    super(message);
  }
}

export interface GatewayReadOptions {
  secret: string;
  clock: Clock;
  /** The whole request, body included; 10 s by default. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

async function getJson(url: URL, options: GatewayReadOptions): Promise<{ status: number; json: unknown }> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? fetch;
  try {
    const response = await doFetch(url, {
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${await createGatewayApiToken(options.secret, options.clock)}`,
      },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (response.status === 404) return { status: 404, json: undefined };
    if (!response.ok) {
      throw new GatewayRequestFailed(
        'http',
        `the Gateway answered ${response.status} to GET ${url.pathname}`,
        response.status
      );
    }
    try {
      return { status: response.status, json: JSON.parse(text) };
    } catch {
      throw new GatewayRequestFailed(
        'protocol',
        `the Gateway's answer to GET ${url.pathname} is not JSON`,
        response.status
      );
    }
  } catch (error) {
    if (error instanceof GatewayRequestFailed) throw error;
    const name = (error as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new GatewayRequestFailed(
        'timeout',
        `the Gateway did not answer GET ${url.pathname} within ${timeoutMs} ms`
      );
    }
    throw new GatewayRequestFailed(
      'network',
      `the Gateway is unreachable: ${(error as Error)?.message ?? String(error)}`
    );
  }
}

function onContract<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
  json: unknown,
  what: string
): T {
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new GatewayRequestFailed('protocol', `the Gateway's ${what} does not match the contract`, 200);
  return parsed.data;
}

/** A facility's profile and assessment status on the Gateway; null when the Gateway does not know the ID (R4, R19). */
export async function fetchFacilityStatus(
  gatewayBaseUrl: string,
  gatewayFacilityId: string,
  options: GatewayReadOptions
): Promise<GatewayFacility | null> {
  const id = gatewayFacilityIdSchema.parse(gatewayFacilityId);
  const { status, json } = await getJson(
    gatewayEndpoint(gatewayBaseUrl, `facilities/${encodeURIComponent(id)}`),
    options
  );
  return status === 404 ? null : onContract(gatewayFacilitySchema, json, 'facility');
}

/** A registration made through a BW hand-off; null when unknown. For reconciling a missing callback. */
export async function fetchRegistrationStatus(
  gatewayBaseUrl: string,
  registrationId: string,
  options: GatewayReadOptions
): Promise<FacilityRegistration | null> {
  const id = registrationIdSchema.parse(registrationId);
  const { status, json } = await getJson(
    gatewayEndpoint(gatewayBaseUrl, `facility-registrations/${encodeURIComponent(id)}`),
    options
  );
  return status === 404 ? null : onContract(facilityRegistrationSchema, json, 'registration');
}
