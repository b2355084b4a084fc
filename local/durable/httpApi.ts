// The Durable Functions HTTP API (what `df.getClient(context)` calls at its rpcBaseUrl), served by the local
// host under /runtime/webhooks/durabletask/ to loopback callers only. Paths, query parameters, status codes
// and bodies follow the extension's HttpApiHandler as durable-functions' DurableClient reads them:
//   POST   orchestrators/{name}[/{instanceId}]          202 + management URLs; 400 unknown name; 409 running
//   GET    instances/{id}?showHistory&showHistoryOutput&showInput   200 finished, 202 running, 404 unknown
//   GET    instances/?runtimeStatus&createdTimeFrom&createdTimeTo&top  (x-ms-continuation-token paging)
//   POST   instances/{id}/raiseEvent/{event}              202; 404 unknown; 410 finished
//   POST   instances/{id}/terminate|suspend|resume?reason= 202; 404; 410
//   DELETE instances/{id}                                 200 {instancesDeleted}; 404; 412 not finished
//   DELETE instances/?createdTimeFrom&createdTimeTo&runtimeStatus   200; 400 without createdTimeFrom; 404 none
// Rewind, restart and entities answer 501. Errors are RFC 9457 problems.

import { problemContentType, problemDetails } from '../../shared/http/problem';
import type { WebhookRequest, WebhookResponse } from '../http/server';
import { managementUrls } from './clientData';
import { DurableRequestError, type DurableEngine, type InstanceQuery } from './engine';
import { parseJsonText, presentHistory } from './history';
import { runtimeStatusOf, type InstanceDoc, type RuntimeStatus } from './instance';

export type { WebhookRequest, WebhookResponse };

const runtimeStatuses: readonly RuntimeStatus[] = [
  'Pending',
  'Running',
  'Completed',
  'ContinuedAsNew',
  'Failed',
  'Terminated',
  'Suspended',
];
const defaultPageSize = 100;

const titles: Record<number, string> = { 410: 'Gone', 501: 'Not Implemented' };

function problem(status: number, detail: string): WebhookResponse {
  return {
    status,
    body: problemDetails(status, detail, titles[status] ? { title: titles[status] } : {}),
    contentType: problemContentType,
  };
}

function bool(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const value = query.get(name);
  if (value === null) return fallback;
  return value.toLowerCase() === 'true';
}

function date(query: URLSearchParams, name: string): Date | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new DurableRequestError(400, `${name} is not a date: ${value}`);
  return parsed;
}

function statuses(query: URLSearchParams): RuntimeStatus[] | undefined {
  const values = query
    .getAll('runtimeStatus')
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  if (values.length === 0) return undefined;
  const known = values
    .map((v) => runtimeStatuses.find((s) => s.toLowerCase() === v.toLowerCase()))
    .filter((v): v is RuntimeStatus => v !== undefined);
  return known;
}

/** The request body as JSON text, or undefined when empty; 400 when it is not JSON. */
function jsonBody(body: Buffer): string | undefined {
  const text = body.toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    throw new DurableRequestError(400, 'Invalid JSON content.');
  }
}

function seconds(iso: string): string {
  return `${iso.slice(0, 19)}Z`;
}

export function statusPayload(
  doc: InstanceDoc,
  options: { showInput: boolean; showHistory: boolean; showHistoryOutput: boolean }
): Record<string, unknown> {
  return {
    name: doc.name,
    instanceId: doc.instanceId,
    runtimeStatus: runtimeStatusOf(doc),
    input: options.showInput ? parseJsonText(doc.input) : null,
    customStatus: parseJsonText(doc.customStatus),
    output: parseJsonText(doc.output),
    createdTime: seconds(doc.createdTime),
    lastUpdatedTime: seconds(doc.lastUpdatedTime),
    ...(options.showHistory ? { historyEvents: presentHistory(doc.history, options.showHistoryOutput) } : {}),
  };
}

export function durableHttpApi(
  engine: DurableEngine,
  baseUrl: () => string,
  log: (message: string) => void
): (request: WebhookRequest) => Promise<WebhookResponse> {
  const links = (instanceId: string) => managementUrls(baseUrl(), engine.taskHub, instanceId);

  async function startNew(request: WebhookRequest): Promise<WebhookResponse> {
    const [, name, instanceId, ...rest] = request.path;
    if (!name || rest.length > 0) return problem(404, 'Use POST orchestrators/{functionName}[/{instanceId}].');
    if (request.method !== 'POST') return problem(405, `${request.method} is not allowed on orchestrators/.`);
    const id = await engine.startNew(name, instanceId || undefined, jsonBody(request.body));
    const urls = links(id);
    return {
      status: 202,
      body: {
        id,
        statusQueryGetUri: urls.statusQueryGetUri,
        sendEventPostUri: urls.sendEventPostUri,
        terminatePostUri: urls.terminatePostUri,
        purgeHistoryDeleteUri: urls.purgeHistoryDeleteUri,
        restartPostUri: urls.restartPostUri,
        suspendPostUri: urls.suspendPostUri,
        resumePostUri: urls.resumePostUri,
      },
      headers: { location: urls.statusQueryGetUri, 'retry-after': '10' },
    };
  }

  function filterOf(query: URLSearchParams): InstanceQuery {
    return {
      runtimeStatus: statuses(query),
      createdTimeFrom: date(query, 'createdTimeFrom'),
      createdTimeTo: date(query, 'createdTimeTo'),
      instanceIdPrefix: query.get('instanceIdPrefix') ?? undefined,
    };
  }

  async function list(request: WebhookRequest): Promise<WebhookResponse> {
    const { query } = request;
    const showInput = bool(query, 'showInput', true);
    const top = Number.parseInt(query.get('top') ?? '', 10);
    const pageSize = Number.isInteger(top) && top > 0 ? top : defaultPageSize;
    const token = request.headers['x-ms-continuation-token'];
    const offset = token ? Number.parseInt(Buffer.from(token, 'base64url').toString('utf8'), 10) || 0 : 0;
    const docs = await engine.query(filterOf(query));
    const page = docs.slice(offset, offset + pageSize);
    const more = offset + pageSize < docs.length;
    return {
      status: 200,
      body: page.map((doc) => statusPayload(doc, { showInput, showHistory: false, showHistoryOutput: false })),
      headers: more ? { 'x-ms-continuation-token': Buffer.from(String(offset + pageSize)).toString('base64url') } : {},
    };
  }

  async function getStatus(request: WebhookRequest, instanceId: string): Promise<WebhookResponse> {
    const { query } = request;
    const doc = await engine.get(instanceId);
    if (!doc) return problem(404, `No instance with ID '${instanceId}' found.`);
    const status = runtimeStatusOf(doc);
    const body = statusPayload(doc, {
      showInput: bool(query, 'showInput', true),
      showHistory: bool(query, 'showHistory', false),
      showHistoryOutput: bool(query, 'showHistoryOutput', false),
    });
    if (status === 'Completed' || status === 'Terminated') return { status: 200, body };
    if (status === 'Failed')
      return { status: bool(query, 'returnInternalServerErrorOnFailure', false) ? 500 : 200, body };
    return { status: 202, body, headers: { location: links(instanceId).statusQueryGetUri, 'retry-after': '5' } };
  }

  async function instances(request: WebhookRequest): Promise<WebhookResponse> {
    const [, instanceId, operation, eventName, ...rest] = request.path;
    const { method, query } = request;
    if (!instanceId) {
      if (method === 'GET') return list(request);
      if (method === 'DELETE') {
        if (!query.get('createdTimeFrom')) return problem(400, "Please provide value for 'createdTimeFrom' parameter.");
        const deleted = await engine.purgeWhere(filterOf(query));
        return deleted === 0
          ? problem(404, 'No finished instance matched.')
          : { status: 200, body: { instancesDeleted: deleted } };
      }
      return problem(405, `${method} is not allowed on instances/.`);
    }
    if (!operation) {
      if (method === 'GET') return getStatus(request, instanceId);
      if (method === 'DELETE') return { status: 200, body: { instancesDeleted: await engine.purge(instanceId) } };
      return problem(405, `${method} is not allowed on instances/{instanceId}.`);
    }
    if (method !== 'POST') return problem(405, `${method} is not allowed on instances/{instanceId}/${operation}.`);
    const reason = query.get('reason') ?? undefined;
    switch (operation.toLowerCase()) {
      case 'raiseevent':
        if (!eventName || rest.length > 0)
          return problem(404, 'Use POST instances/{instanceId}/raiseEvent/{eventName}.');
        await engine.raiseEvent(instanceId, eventName, jsonBody(request.body));
        return { status: 202 };
      case 'terminate':
        await engine.terminate(instanceId, reason);
        return { status: 202 };
      case 'suspend':
        await engine.suspend(instanceId);
        return { status: 202 };
      case 'resume':
        await engine.resume(instanceId);
        return { status: 202 };
      case 'rewind':
        return problem(501, 'Rewind is not supported by the local durable engine.');
      case 'restart':
        return problem(501, 'Restart is not supported by the local durable engine; start the instance again instead.');
      default:
        return problem(404, `Unknown operation '${operation}'.`);
    }
  }

  return async (request) => {
    try {
      const hub = request.query.get('taskHub');
      if (hub && hub !== engine.taskHub) {
        return problem(404, `The local durable engine serves the task hub '${engine.taskHub}', not '${hub}'.`);
      }
      switch (request.path[0]) {
        case 'orchestrators':
          return await startNew(request);
        case 'instances':
          return await instances(request);
        case 'entities':
          return problem(501, 'Durable entities are not supported by the local durable engine.');
        default:
          return problem(404, `The Durable HTTP API has no ${request.path.join('/') || 'root'} route.`);
      }
    } catch (error) {
      if (error instanceof DurableRequestError) return problem(error.status, error.message);
      log(`durable HTTP API ${request.method} ${request.path.join('/')}: ${(error as Error).stack ?? String(error)}`);
      return problem(500, 'The durable engine failed; the host log has the details.');
    }
  };
}
