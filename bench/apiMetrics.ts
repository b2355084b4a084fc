// Pure helpers of the `api` benchmark: the operations of the OpenAPI document, request paths, the two
// per-request cost headers, percentiles, and the per-operation table.

export const roundTripsHeader = 'x-cosmos-round-trips';
export const crossPartitionHeader = 'x-cross-partition-queries';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One operation of the OpenAPI document. */
export interface ApiOperation {
  operationId: string;
  method: HttpMethod;
  /** The OpenAPI path template below /api, e.g. `/factories/{factoryId}/profile`. */
  path: string;
}

/** What one measured request cost, as the API reported it. */
export interface CallRecord {
  operationId: string;
  /** What this call was, when an operation is called more than once (e.g. `facility.approved`). */
  variant: string | undefined;
  method: HttpMethod;
  path: string;
  caller: string;
  status: number;
  roundTrips: number;
  crossPartitionQueries: number;
}

const methods: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Every operation of an OpenAPI 3 document (`paths` → method → `operationId`), in document order. */
export function openApiOperations(document: unknown): ApiOperation[] {
  const paths = (document as { paths?: unknown } | null)?.paths;
  if (typeof paths !== 'object' || paths === null) throw new Error('the OpenAPI document has no paths');
  const operations: ApiOperation[] = [];
  for (const [path, item] of Object.entries(paths as Record<string, unknown>)) {
    if (typeof item !== 'object' || item === null) continue;
    for (const [key, operation] of Object.entries(item as Record<string, unknown>)) {
      const method = key.toUpperCase() as HttpMethod;
      if (!methods.includes(method)) continue;
      const operationId = (operation as { operationId?: unknown } | null)?.operationId;
      if (typeof operationId !== 'string' || operationId === '') {
        throw new Error(`${method} ${path} has no operationId`);
      }
      operations.push({ operationId, method, path });
    }
  }
  return operations;
}

/** The path of a template with its `{name}` parameters filled in (URL-encoded); a missing one throws. */
export function expandPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${template}`);
    return encodeURIComponent(value);
  });
}

/** Factory-scoped operations: their route names the factory, so they know its partition. */
export function isFactoryScoped(path: string): boolean {
  return path.includes('{factoryId}');
}

function countHeader(headers: Pick<Headers, 'get'>, name: string): number {
  const raw = headers.get(name);
  if (raw === null || !/^\d+$/.test(raw.trim())) {
    throw new Error(`the response has no valid ${name} header (got ${raw === null ? 'none' : JSON.stringify(raw)})`);
  }
  return Number(raw.trim());
}

/** The two cost headers every API response carries (shared/http/endpoint.ts). */
export function costHeaders(headers: Pick<Headers, 'get'>): { roundTrips: number; crossPartitionQueries: number } {
  return {
    roundTrips: countHeader(headers, roundTripsHeader),
    crossPartitionQueries: countHeader(headers, crossPartitionHeader),
  };
}

/** Nearest-rank percentile (p in (0, 100]): the smallest value with at least p % of the values at or below it. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  if (!(p > 0 && p <= 100)) throw new Error(`percentile ${p} is not in (0, 100]`);
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Operations of the document that no measured call exercised. */
export function unexercised(operations: readonly ApiOperation[], calls: readonly CallRecord[]): ApiOperation[] {
  const called = new Set(calls.map((c) => c.operationId));
  return operations.filter((op) => !called.has(op.operationId));
}

export interface CallSummary {
  /** The most round trips one request took, and which. */
  maxRoundTrips: number;
  maxRoundTripsCalls: CallRecord[];
  /** Factory-scoped requests that reported at least one cross-partition query. */
  crossPartitionFactoryCalls: CallRecord[];
}

export function summariseCalls(calls: readonly CallRecord[]): CallSummary {
  if (calls.length === 0) throw new Error('no calls to summarise');
  const maxRoundTrips = Math.max(...calls.map((c) => c.roundTrips));
  return {
    maxRoundTrips,
    maxRoundTripsCalls: calls.filter((c) => c.roundTrips === maxRoundTrips),
    crossPartitionFactoryCalls: calls.filter((c) => isFactoryScoped(c.path) && c.crossPartitionQueries > 0),
  };
}

export function callName(call: Pick<CallRecord, 'operationId' | 'variant'>): string {
  return call.variant ? `${call.operationId} (${call.variant})` : call.operationId;
}

/** A plain-text table, one line per call: operation, route, caller, status, round trips, cross-partition queries. */
export function formatCallTable(calls: readonly CallRecord[], flagAbove?: number): string[] {
  const header = ['operation', 'route', 'caller', 'status', 'round trips', 'cross-partition', 'vs target'];
  const rows = calls.map((c) => [
    callName(c),
    `${c.method} ${c.path}`,
    c.caller,
    String(c.status),
    String(c.roundTrips),
    String(c.crossPartitionQueries),
    flagAbove !== undefined && c.roundTrips > flagAbove ? `> ${flagAbove}` : '',
  ]);
  const numeric = new Set([3, 4, 5]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}
