import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { problemContentType, problemDetails, type ProblemDetails } from '../../shared/http/problem';
import { securityHeaders } from '../../shared/http/securityHeaders';
import type { RegisteredFunction } from '../core/registry';
import type { RpcHttpCookie, RpcHttpData, RpcInvocationResponse, RpcTypedData } from '../core/types';
import type { CorsPolicy } from './cors';
import { HttpRouteTable } from './httpTriggers';

export interface DevRequest {
  method: string;
  path: string;
  body: Buffer;
}
export interface DevResponse {
  status: number;
  body: unknown;
  contentType?: string;
}
/** Answers the local-only `/_dev/...` routes, which do not exist in Azure. */
export type DevRouter = (request: DevRequest) => Promise<DevResponse | undefined>;

export interface WebhookRequest {
  method: string;
  /** The decoded path segments after the webhook prefix. */
  path: string[];
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Buffer;
}
export interface WebhookResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  contentType?: string;
}
/** Extension webhooks outside the route prefix (the Durable HTTP API), answered to loopback callers only. */
export interface WebhookRoute {
  prefix: readonly string[];
  handle(request: WebhookRequest): Promise<WebhookResponse>;
}

export type HttpInvoker = (
  fn: RegisteredFunction,
  http: RpcHttpData,
  triggerName: string
) => Promise<RpcInvocationResponse>;

export interface HttpHostOptions {
  host: string;
  port: number;
  routePrefix: string;
  maxRequestBodyBytes: number;
  devRouter?: DevRouter;
  webhooks?: readonly WebhookRoute[];
  /** CORS for the configured portal origins (local/http/cors.ts); none when absent. */
  cors?: CorsPolicy;
  log: (line: string) => void;
}

class HttpProblem extends Error {
  constructor(
    readonly problem: ProblemDetails,
    readonly headers: Record<string, string> = {}
  ) {
    super(problem.detail ?? problem.title);
  }
}

/** Serves the app's HTTP triggers the way the Functions host does, under `/{routePrefix}/...`. */
export class HttpHost {
  private server: Server | undefined;
  private readonly table: HttpRouteTable;

  constructor(
    functions: RegisteredFunction[],
    private readonly invoke: HttpInvoker,
    private readonly options: HttpHostOptions
  ) {
    this.table = new HttpRouteTable(functions);
  }

  get routes() {
    return this.table.routes;
  }

  async listen(): Promise<number> {
    const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => void this.handle(req, res));
    // Requests Node refuses before routing (headers or URL above its 16 KiB limit, malformed HTTP): a problem,
    // 431 or 400, then the connection closes (Node's default would be a bare status line).
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return void socket.destroy();
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const body = JSON.stringify(
        problemDetails(status, status === 431 ? 'The request headers are too large.' : 'The request is not valid HTTP.')
      );
      const reason = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\ncontent-type: ${problemContentType}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
      );
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      // CORS as Azure's platform answers it, before the app: preflights here, headers on every answer.
      const preflight = this.options.cors?.preflight(req);
      if (preflight) {
        req.resume();
        if (preflight.status !== 204)
          throw new HttpProblem(problemDetails(preflight.status, 'This origin may not call the API.'));
        res.writeHead(preflight.status, { ...securityHeaders, ...preflight.headers }).end();
        return;
      }
      this.options.cors?.decorate(req, res);
      await this.route(req, res);
    } catch (error) {
      if (error instanceof HttpProblem) {
        sendProblem(res, error.problem, error.headers);
        return;
      }
      const id = randomUUID();
      this.options.log(`error ${req.method} ${pathOnly(req.url)} (${id}): ${(error as Error).stack ?? String(error)}`);
      sendProblem(res, problemDetails(500, 'The function failed; the host log has the details.', { invocationId: id }));
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const segments = decodeSegments(url.pathname);
    const webhook = this.options.webhooks?.find((w) =>
      w.prefix.every((p, i) => segments[i]?.toLowerCase() === p.toLowerCase())
    );
    if (webhook) {
      if (!isLoopback(req.socket.remoteAddress)) throw notFound(url.pathname);
      const body = await readBody(req, this.options.maxRequestBodyBytes);
      const answer = await webhook.handle({
        method,
        path: segments.slice(webhook.prefix.length),
        query: url.searchParams,
        headers: flattenHeaders(req),
        body,
      });
      for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
      if (answer.body === undefined) res.writeHead(answer.status, { 'content-length': 0 }).end();
      else sendJson(res, answer.status, answer.body, answer.contentType);
      return;
    }
    const prefix = this.options.routePrefix ? this.options.routePrefix.split('/').filter(Boolean) : [];
    const startsWithPrefix = prefix.every((p, i) => segments[i]?.toLowerCase() === p.toLowerCase());
    if (!startsWithPrefix) throw notFound(url.pathname);
    const routeSegments = segments.slice(prefix.length);

    if (this.options.devRouter && routeSegments[0] === '_dev') {
      const body = await readBody(req, this.options.maxRequestBodyBytes);
      const answer = await this.options.devRouter({ method, path: routeSegments.slice(1).join('/'), body });
      if (answer) {
        sendJson(res, answer.status, answer.body, answer.contentType);
        return;
      }
      throw notFound(url.pathname);
    }

    const lookup = this.table.lookup(method, routeSegments);
    if (lookup.kind === 'none') throw notFound(url.pathname);
    if (lookup.kind === 'wrongMethod') {
      throw new HttpProblem(problemDetails(405, `${method} is not allowed on ${url.pathname}.`), {
        allow: lookup.allowed.join(', '),
      });
    }
    const body = await readBody(req, this.options.maxRequestBodyBytes);
    const host = req.headers.host ?? `${this.options.host}:${this.options.port}`;
    const rpcRequest: RpcHttpData = {
      method,
      url: `http://${host}${req.url ?? '/'}`,
      headers: flattenHeaders(req),
      params: lookup.params,
      body: body.length > 0 ? { bytes: body } : null,
      identities: [],
    };
    const { fn } = lookup.route;
    const response = await this.invoke(fn, rpcRequest, fn.triggerName);
    writeFunctionResponse(res, method, httpOutput(fn, response));
  }
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

function pathOnly(url: string | undefined): string {
  return (url ?? '/').split('?')[0] ?? '/';
}

function notFound(path: string): HttpProblem {
  return new HttpProblem(problemDetails(404, `No function answers ${path}.`));
}

function decodeSegments(pathname: string): string[] {
  const trimmed = pathname.replace(/^\/+/, '').replace(/\/$/, '');
  if (trimmed === '') return [];
  return trimmed.split('/').map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw new HttpProblem(problemDetails(400, 'The path has malformed percent-encoding.'));
    }
  });
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(name === 'cookie' ? '; ' : ', ') : value;
  }
  return headers;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function tooLarge(limit: number): HttpProblem {
  return new HttpProblem(problemDetails(413, `The request body is larger than ${limit} bytes.`));
}

/** The HTTP output of an invocation: the `$return` binding, or a named http output binding. */
function httpOutput(fn: RegisteredFunction, response: RpcInvocationResponse): RpcHttpData | undefined {
  const returnBinding = fn.metadata.bindings['$return'];
  if (returnBinding && String(returnBinding.type).toLowerCase() === 'http')
    return response.returnValue?.http ?? undefined;
  const name = Object.entries(fn.metadata.bindings).find(
    ([, b]) => b.direction === 'out' && String(b.type).toLowerCase() === 'http'
  )?.[0];
  return response.outputData?.find((o) => o.name === name)?.data?.http ?? undefined;
}

function bodyBytes(body: RpcTypedData | null | undefined): Buffer {
  if (!body) return Buffer.alloc(0);
  if (body.bytes) return Buffer.from(body.bytes);
  if (typeof body.string === 'string') return Buffer.from(body.string);
  if (typeof body.json === 'string') return Buffer.from(body.json);
  return Buffer.alloc(0);
}

function writeFunctionResponse(res: ServerResponse, method: string, http: RpcHttpData | undefined): void {
  if (!http) {
    res.writeHead(204).end();
    return;
  }
  const status = Number(http.statusCode ?? 200) || 200;
  for (const [name, value] of Object.entries(http.headers ?? {})) res.setHeader(name, value);
  const cookies = (http.cookies ?? []).map(serializeCookie);
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  const body = bodyBytes(http.body);
  res.statusCode = status;
  if (method === 'HEAD' || status === 204 || status === 304) {
    res.end();
    return;
  }
  res.setHeader('content-length', body.length);
  res.end(body);
}

export function serializeCookie(cookie: RpcHttpCookie): string {
  const parts = [`${cookie.name ?? ''}=${cookie.value ?? ''}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  const seconds = cookie.expires?.value?.seconds;
  if (seconds !== undefined && seconds !== null) {
    const ms = Number(seconds) * 1000 + Math.floor((cookie.expires?.value?.nanos ?? 0) / 1e6);
    parts.push(`Expires=${new Date(ms).toUTCString()}`);
  }
  if (typeof cookie.maxAge?.value === 'number') parts.push(`Max-Age=${cookie.maxAge.value}`);
  if (cookie.secure?.value) parts.push('Secure');
  if (cookie.httpOnly?.value) parts.push('HttpOnly');
  const sameSite = { lax: 'Lax', strict: 'Strict', explicitNone: 'None', none: undefined }[cookie.sameSite ?? 'none'];
  if (sameSite) parts.push(`SameSite=${sameSite}`);
  return parts.join('; ');
}

function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendProblem(res: ServerResponse, problem: ProblemDetails, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const [name, value] of Object.entries({ ...securityHeaders, ...headers })) res.setHeader(name, value);
  sendJson(res, problem.status, problem, problemContentType);
}
