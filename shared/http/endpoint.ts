// One way to write an HTTP trigger: parse → authenticate → authorise (role) → validate (zod) → call one
// use case → map the result. The same zod schemas document the endpoint in the OpenAPI document.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { ZodType } from 'zod';
import { z } from './openapi';
import { bearerChallenge } from '../adapters/identity/tokenVerifier';
import { withRequestMetrics } from '../adapters/requestMetrics';
import type { Principal, Role } from '../domain/access/roles';
import {
  DomainError,
  ForbiddenError,
  RuleViolationError,
  ServiceUnavailableError,
  UnauthenticatedError,
  ValidationError,
} from '../domain/errors';
import { platform, type Platform } from '../composition';
import { apiRegistry, problemSchema } from './openapi';
import { durableClientInput, durableTimelines } from '../adapters/durable/durableTimelines';
import type { DurableTimelines } from '../ports/cycleTimeline';
import { problemContentType, problemDetails, type ProblemDetails } from './problem';
import { securityHeaders } from './securityHeaders';
import { illFormedTextIssues, strictInputIssues, type InputIssue } from './strictInput';
import { routeIds } from '../observability/correlation';
import { eventLog, type EventLog } from '../observability/log';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call: anyone, a caller proving itself another way (signed callbacks), or holders of these app roles. */
export type Access = 'anonymous' | 'signed' | { roles: readonly Role[] };

export interface RequestContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The authenticated caller; an anonymous placeholder for 'anonymous' and 'signed' endpoints. */
  principal: Principal;
  /** The `If-Match` header, for conditional writes (412 when stale). */
  ifMatch: string | undefined;
  headers: Headers;
  rawBody: Buffer;
  platform: Platform;
  invocationId: string;
  /** The durable timelines; only for endpoints declared with `durable: true` (it adds the client binding). */
  timelines: DurableTimelines;
  /** A warning in the invocation's log (no personal data). */
  warn: (message: string) => void;
}

export interface EndpointResult<R> {
  status?: number;
  body?: R;
  etag?: string;
  location?: string;
  headers?: Record<string, string>;
}

export interface EndpointSpec<P extends ZodType, Q extends ZodType, B extends ZodType, R extends ZodType> {
  /** The function name; unique. */
  name: string;
  method: HttpMethod;
  /** An Azure Functions route template below /api, e.g. `factories/{factoryId}/profile`. */
  route: string;
  summary: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  /** 200 by default. */
  successStatus?: 200 | 201 | 202 | 204;
  /**
   * The media type of the success body; JSON by default. With another (e.g. `text/html`) the handler's body is
   * a string, sent as it is; `headers` of the result may replace the default security headers (CSP).
   */
  produces?: string;
  /** Bodies above this are refused with 413; 64 KiB by default. */
  maxBodyBytes?: number;
  /** Declares the Durable Functions client binding: the handler may start and signal orchestrations. */
  durable?: boolean;
  handler: (context: RequestContext<z.infer<P>, z.infer<Q>, z.infer<B>>) => Promise<EndpointResult<z.infer<R>>>;
}

export const defaultMaxBodyBytes = 64 * 1024;

export { securityHeaders };

const anonymous: Principal = { userId: 'anonymous', roles: [], email: undefined, name: undefined };

class RequestProblem extends Error {
  constructor(
    readonly problem: ProblemDetails,
    readonly headers: Record<string, string> = {}
  ) {
    super(problem.detail ?? problem.title);
  }
}

function problemResponse(problem: ProblemDetails, headers: Record<string, string> = {}): HttpResponseInit {
  return {
    status: problem.status,
    jsonBody: problem,
    headers: { ...securityHeaders, 'content-type': problemContentType, ...headers },
  };
}

export function zodProblem(error: z.ZodError, where: string, status = 400): ProblemDetails {
  return problemDetails(status, `The ${where} is not valid.`, {
    errors: error.issues.flatMap((issue) =>
      // A strict object names every unknown key in one issue: one error per key, at the key.
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({
            pointer: `/${[...issue.path, key].map(String).join('/')}`,
            detail: 'Unknown field.',
          }))
        : [{ pointer: `/${issue.path.map(String).join('/')}`, detail: issue.message }]
    ),
  });
}

function parseOrThrow<T extends ZodType>(
  schema: T | undefined,
  value: unknown,
  where: string,
  extraIssues: (schema: T, value: unknown) => InputIssue[] = (_schema, v) => illFormedTextIssues(v)
): z.infer<T> {
  if (!schema) return undefined as z.infer<T>;
  const parsed = schema.safeParse(value);
  // Beyond the schema: unknown fields (bodies only) and ill-formed text (lone surrogates, NUL) anywhere.
  const extra = extraIssues(schema, value);
  if (!parsed.success || extra.length > 0) {
    const problem = parsed.success
      ? problemDetails(400, `The ${where} is not valid.`, { errors: [] })
      : zodProblem(parsed.error, where);
    const errors = [...(problem.errors ?? []), ...extra];
    const unique = errors.filter(
      (e, i) => errors.findIndex((o) => o.pointer === e.pointer && o.detail === e.detail) === i
    );
    throw new RequestProblem({ ...problem, errors: unique });
  }
  return parsed.data;
}

async function readBody(request: HttpRequest, limit: number): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) throw new RequestProblem(problemDetails(413, `The body is larger than ${limit} bytes.`));
  const body = Buffer.from(await request.arrayBuffer());
  if (body.length > limit) throw new RequestProblem(problemDetails(413, `The body is larger than ${limit} bytes.`));
  return body;
}

function parseJsonBody(raw: Buffer, contentType: string | null): unknown {
  if (raw.length === 0) throw new RequestProblem(problemDetails(400, 'A JSON body is required.'));
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) {
    throw new RequestProblem(problemDetails(415, 'The body must be JSON: send Content-Type: application/json.'), {
      accept: 'application/json',
    });
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new RequestProblem(problemDetails(400, 'The body is not valid JSON.'));
  }
}

function queryObject(request: HttpRequest): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const key of new Set(request.query.keys())) {
    const values = request.query.getAll(key);
    result[key] = values.length === 1 ? values[0]! : values;
  }
  return result;
}

async function authenticate(access: Access, request: HttpRequest, p: Platform): Promise<Principal> {
  if (access === 'anonymous' || access === 'signed') return anonymous;
  const principal = await p.tokenVerifier.verify(request.headers.get('authorization') ?? undefined);
  if (!access.roles.some((role) => principal.roles.includes(role))) {
    throw new ForbiddenError('Your role does not allow this.');
  }
  return principal;
}

function mapError(error: unknown, context: InvocationContext, log: EventLog): HttpResponseInit {
  if (error instanceof RequestProblem) return problemResponse(error.problem, error.headers);
  if (error instanceof UnauthenticatedError) {
    return problemResponse(problemDetails(401, error.message), {
      'www-authenticate': bearerChallenge(error.message),
    });
  }
  if (error instanceof ValidationError)
    return problemResponse(problemDetails(400, error.message, { errors: error.errors }));
  if (error instanceof RuleViolationError)
    return problemResponse(problemDetails(422, error.message, { ...error.extensions, rule: error.rule }));
  if (error instanceof ServiceUnavailableError) {
    log.warn('http.dependency_unavailable', { error: error.message });
    return problemResponse(problemDetails(503, error.message), { 'retry-after': String(error.retryAfterSeconds) });
  }
  if (error instanceof DomainError) return problemResponse(problemDetails(error.status, error.message));
  if ((error as Error)?.name === 'IdentityKeysUnavailableError') {
    log.error('identity.keys_unavailable', { error: (error as Error).message });
    return problemResponse(problemDetails(503, 'Sign-in cannot be checked right now; try again shortly.'), {
      'retry-after': '30',
    });
  }
  log.error('http.unexpected_failure', {}, error);
  return problemResponse(
    problemDetails(500, 'Something went wrong on our side; it has been logged.', {
      invocationId: context.invocationId,
    })
  );
}

function openApiPath(route: string): string {
  return `/${route.replace(/\{\*?([A-Za-z0-9_]+)(:[^}?]*)?\??\}/g, '{$1}')}`;
}

export function endpoint<P extends ZodType, Q extends ZodType, B extends ZodType, R extends ZodType>(
  spec: EndpointSpec<P, Q, B, R>
): void {
  const successStatus = spec.successStatus ?? 200;
  const limit = spec.maxBodyBytes ?? defaultMaxBodyBytes;
  apiRegistry.registerPath({
    method: spec.method.toLowerCase() as Lowercase<HttpMethod>,
    path: openApiPath(spec.route),
    operationId: spec.name,
    summary: spec.summary,
    tags: [spec.tag],
    ...(typeof spec.access === 'object'
      ? { security: [{ bearer: [] }], description: `Roles: ${spec.access.roles.join(', ')}.` }
      : {}),
    // The body limit (413 above it), for clients and for the bad-input suite.
    ...(spec.method === 'GET' || spec.method === 'DELETE' ? {} : { 'x-max-body-bytes': limit }),
    request: {
      ...(spec.params ? { params: spec.params as never } : {}),
      ...(spec.query ? { query: spec.query as never } : {}),
      ...(spec.body ? { body: { required: true, content: { 'application/json': { schema: spec.body } } } } : {}),
    },
    responses: {
      [successStatus]: {
        description: 'OK',
        ...(successStatus === 204
          ? {}
          : { content: { [spec.produces ?? 'application/json']: { schema: spec.response } } }),
      },
      default: { description: 'A problem', content: { [problemContentType]: { schema: problemSchema } } },
    },
  });

  app.http(spec.name, {
    methods: [spec.method],
    route: spec.route,
    authLevel: 'anonymous',
    ...(spec.durable ? { extraInputs: [durableClientInput] } : {}),
    handler: (request, context) =>
      withRequestMetrics(async (metrics) => {
        let response: HttpResponseInit;
        try {
          const p = platform();
          const principal = await authenticate(spec.access, request, p);
          const params = parseOrThrow(spec.params, request.params, 'path');
          const query = parseOrThrow(spec.query, queryObject(request), 'query');
          const rawBody =
            spec.method === 'GET' || spec.method === 'DELETE' ? Buffer.alloc(0) : await readBody(request, limit);
          const body = spec.body
            ? parseOrThrow(
                spec.body,
                parseJsonBody(rawBody, request.headers.get('content-type')),
                'body',
                strictInputIssues
              )
            : undefined;
          const result = await spec.handler({
            params,
            query,
            body: body as z.infer<B>,
            principal,
            ifMatch: request.headers.get('if-match') ?? undefined,
            headers: request.headers,
            rawBody,
            platform: p,
            invocationId: context.invocationId,
            get timelines(): DurableTimelines {
              if (!spec.durable)
                throw new Error(`${spec.name} uses the durable timelines without declaring durable: true`);
              return durableTimelines(context);
            },
            warn: eventLog(context, routeIds(request.params)).lines('http.warning', 'warning'),
          });
          const status = result.status ?? successStatus;
          const headers: Record<string, string> = { ...securityHeaders, ...(result.headers ?? {}) };
          if (result.etag) headers.etag = result.etag;
          if (result.location) headers.location = result.location;
          response =
            status === 204 || result.body === undefined
              ? { status, headers }
              : spec.produces === undefined
                ? { status, headers, jsonBody: spec.response.parse(result.body) }
                : {
                    status,
                    headers: { 'content-type': spec.produces, ...headers },
                    body: String(spec.response.parse(result.body)),
                  };
        } catch (error) {
          response = mapError(error, context, eventLog(context, routeIds(request.params)));
        }
        response.headers = {
          ...(response.headers as Record<string, string>),
          'x-cosmos-round-trips': String(metrics.cosmosRoundTrips),
          'x-cross-partition-queries': String(metrics.crossPartitionQueries),
          'x-cosmos-writes': String(metrics.cosmosWrites),
          'x-cosmos-bytes-written': String(metrics.cosmosBytesWritten),
        };
        return response;
      }),
  });
}
