// Local stand-in for Azure Cosmos DB: @vercel/cosmosdb-server (in-memory, Cosmos-compatible HTTPS)
// made durable by a write-ahead journal of the mutating requests it acknowledged.
//
// Live path: a mutating request is buffered, run against the in-memory server, and — when it
// succeeded — appended to the journal; the response leaves only after the journal append is on
// disk. Mutating requests are applied one at a time so the journal order is the order in which
// the in-memory state changed (appends are still group-committed).
//
// Transactional batches: cosmosdb-server runs a batch operation by operation and never rolls
// back, whereas Azure Cosmos DB applies all of it or nothing. So, under the same serialisation,
// the documents a batch writes are read first, and when the batch fails they are put back (and
// nothing is journaled); the client gets what the service answers for a failed transactional
// batch: 207 Multi-Status, the failing operation's status and 424 for every other operation.
// A document put back has its former content but, being rewritten through the HTTP API, a new
// _etag and _ts (documents the batch did not get to change keep theirs).
//
// Start: listen on the real port (the server builds its account on 'listening'), hold real
// traffic, replay the journal in-process, rewrite the journal compactly, then serve.
import { createHttpsServer } from '@vercel/cosmosdb-server';
import { generate } from 'selfsigned';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { isIP } from 'node:net';
import { promises as fsp } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:https';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Journal, loadJournal, writeJournalAtomic } from './journal';
import { linearQueries } from './linearQueries';

export interface CosmosServerOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Holds journal.jsonl, cert.pem and key.pem; created if missing. */
  dataDir: string;
  /** Receives one-line notices. */
  log?: (line: string) => void;
  /**
   * Called when an acknowledged-to-be write cannot be journaled (the in-memory state is then ahead
   * of the journal and must be discarded); default: the message on stderr and exit(1).
   */
  onJournalFailure?: (error: Error) => void;
}

export interface CosmosServer {
  port: number;
  /** e.g. https://127.0.0.1:8081 */
  endpoint: string;
  /** PEM of the self-signed certificate; pin it with `new https.Agent({ ca: caPem })`. */
  caPem: string;
  /** Stops accepting requests, waits for in-flight ones, flushes and closes the journal. */
  close(): Promise<void>;
}

/** The port could not be bound; the message is one line naming the port and how to pick another. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

export const JOURNAL_FILE = 'journal.jsonl';
export const CERT_FILE = 'cert.pem';
export const KEY_FILE = 'key.pem';

/** One acknowledged mutating request, as stored in the journal. */
export interface JournalEntry {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

const CERT_VALIDITY_DAYS = 365;
const CERT_RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const SYSTEM_PROPERTIES = ['_rid', '_self', '_etag', '_ts', '_attachments'];
const CONTAINER_SYSTEM_PROPERTIES = [...SYSTEM_PROPERTIES, '_docs', '_sprocs', '_triggers', '_udfs', '_conflicts'];
const DATABASE_SYSTEM_PROPERTIES = [...SYSTEM_PROPERTIES, '_colls', '_users'];

export async function startCosmosServer(opts: CosmosServerOptions): Promise<CosmosServer> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => {});
  const { dataDir } = opts;
  const journalFile = join(dataDir, JOURNAL_FILE);
  await fsp.mkdir(dataDir, { recursive: true });
  const { cert, key } = await ensureCertificate(dataDir, log, host);
  // Queries scan every document of a container; without this, in quadratic time (see linearQueries.ts).
  linearQueries();

  // keepAlive: the server answers `connection: keep-alive` (its default is `close`, which made every request of the
  // SDK open a new TLS connection).
  const server: Server = createHttpsServer({ key, cert, keepAlive: true });
  const listeners = server.listeners('request') as Listener[];
  const original = listeners[0];
  if (listeners.length !== 1 || !original) {
    throw new Error(`expected exactly one request listener on @vercel/cosmosdb-server, found ${listeners.length}`);
  }
  server.removeAllListeners('request');

  const journalFailure =
    opts.onJournalFailure ??
    ((error: Error) => {
      process.stderr.write(`${oneLine(error.message)}; exiting so the unjournaled in-memory state is discarded\n`);
      process.exit(1);
    });
  let journal: Journal | undefined;
  let ready = false;
  let closing: Promise<void> | undefined;
  const held: Array<[IncomingMessage, ServerResponse]> = [];
  let hostHeader = '';

  // Serialises the application of mutating requests (see the header comment).
  let mutationChain: Promise<void> = Promise.resolve();
  const runExclusive = (fn: (release: () => void) => void): void => {
    mutationChain = mutationChain.then(
      () =>
        new Promise<void>((resolve) => {
          let released = false;
          const release = () => {
            if (!released) {
              released = true;
              resolve();
            }
          };
          try {
            fn(release);
          } catch (error) {
            log(`cosmos: request handler threw: ${oneLine(errorMessage(error))}`);
            release();
          }
        })
    );
  };

  /** Runs one request against the in-memory server without a socket. */
  const invoke: Invoke = (method, url, headers, body = '') =>
    new Promise<CapturedResponse>((resolve) => {
      const res = new CapturedResponse(resolve);
      original(
        fakeRequest(method, url, { host: hostHeader, ...headers }, Buffer.from(body, 'utf8')),
        res as unknown as ServerResponse
      );
    });

  const handleMutation = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const method = req.method ?? 'POST';
    const url = req.url ?? '/';
    const batch = isTrue(req.headers['x-ms-cosmos-is-batch-request']);
    const atomic = batch && isTrue(req.headers['x-ms-cosmos-batch-atomic']);
    const bodyText = batch ? fillBatchPartitionKeys(body.toString('utf8'), req.headers) : body.toString('utf8');
    const apply = (release: () => void, snapshot: BatchSnapshot | undefined) => {
      const originalEnd = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
      let ended = false;
      const wrappedEnd = (chunk?: unknown): ServerResponse => {
        if (ended) return res;
        ended = true;
        if (snapshot && batchFailed(res.statusCode, chunk, atomic)) {
          // Put back what the failed batch changed; nothing of it is journaled.
          restoreBatch(invoke, snapshot).then(
            () => {
              let answer = chunk;
              if (res.statusCode >= 200 && res.statusCode < 300) {
                res.statusCode = 207;
                answer = failedBatchResults(chunk);
              }
              release();
              originalEnd(answer);
            },
            (error: unknown) => {
              // The failed batch stays partly applied in memory, which the journal does not know.
              const failure = new Error(
                `could not roll back a failed batch ${method} ${url}: ${oneLine(errorMessage(error))}`
              );
              res.statusCode = 500;
              originalEnd(JSON.stringify({ code: 'InternalServerError', message: failure.message }));
              release();
              journalFailure(failure);
            }
          );
          return res;
        }
        let entry: JournalEntry | undefined;
        try {
          entry = res.statusCode >= 200 && res.statusCode < 300 ? journalEntry(req, bodyText, batch, chunk) : undefined;
        } catch (error) {
          // The write is applied in memory but cannot be journaled: same situation as a failed append.
          const failure = new Error(`could not journal ${method} ${url}: ${oneLine(errorMessage(error))}`);
          res.statusCode = 500;
          originalEnd(JSON.stringify({ code: 'InternalServerError', message: failure.message }));
          release();
          journalFailure(failure);
          return res;
        }
        if (!entry || !journal) {
          release();
          return originalEnd(chunk);
        }
        const appended = journal.append(entry);
        release();
        appended.then(
          () => originalEnd(chunk),
          (error: unknown) => {
            res.statusCode = 500;
            originalEnd(
              JSON.stringify({ code: 'InternalServerError', message: `journal write failed: ${errorMessage(error)}` })
            );
          }
        );
        return res;
      };
      (res as unknown as { end: unknown }).end = wrappedEnd;
      original(fakeRequest(method, url, req.headers, Buffer.from(bodyText, 'utf8')), res);
    };
    runExclusive((release) => {
      if (!batch) {
        apply(release, undefined);
        return;
      }
      snapshotBatch(invoke, url, bodyText, req.headers).then(
        (snapshot) => {
          try {
            apply(release, snapshot);
          } catch (error) {
            log(`cosmos: request handler threw: ${oneLine(errorMessage(error))}`);
            release();
          }
        },
        (error: unknown) => {
          // Nothing was applied yet.
          res.statusCode = 500;
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({
              code: 'InternalServerError',
              message: `could not read the documents of batch ${method} ${url}: ${oneLine(errorMessage(error))}`,
            })
          );
          release();
        }
      );
    });
  };

  const handleLive = (req: IncomingMessage, res: ServerResponse) => {
    if (!isMutating(req)) {
      original(req, res);
      return;
    }
    readBody(req).then(
      (body) => handleMutation(req, res, body),
      (error: unknown) => {
        if (res.headersSent || res.writableEnded) return;
        res.statusCode = 400;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ code: 'BadRequest', message: `could not read request body: ${errorMessage(error)}` }));
      }
    );
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (ready) handleLive(req, res);
    else held.push([req, res]);
  });

  const port = await listen(server, opts.port, host);
  server.on('error', (error) => log(`cosmos: server error: ${oneLine(error.message)}`));
  hostHeader = `${host.includes(':') ? `[${host}]` : host}:${port}`;

  try {
    const started = Date.now();
    const { records } = await loadJournal<JournalEntry>(journalFile, { validate: isJournalEntry, log });
    let failed = 0;
    for (const [index, entry] of records.entries()) {
      const replay = unconditional(entry);
      const res = await invoke(replay.method, replay.url, replay.headers, replay.body);
      if (res.statusCode < 200 || res.statusCode >= 300) {
        failed += 1;
        log(
          `cosmos: journal line ${index + 1} (${entry.method} ${entry.url}) replayed with status ${res.statusCode}: ${oneLine(res.body ?? '').slice(0, 200)}`
        );
      }
    }
    const compacted = await dumpState(invoke);
    await writeJournalAtomic(journalFile, compacted);
    journal = await Journal.open(journalFile, {
      onFatal: (error) =>
        journalFailure(new Error(`journal write to ${journalFile} failed (${oneLine(error.message)})`)),
    });
    log(
      `cosmos: replayed ${records.length} journal entries${failed ? ` (${failed} failed)` : ''}, compacted to ${compacted.length}, in ${Date.now() - started} ms`
    );
  } catch (error) {
    server.close();
    server.closeAllConnections();
    await journal?.close();
    throw error;
  }

  ready = true;
  for (const [req, res] of held.splice(0)) handleLive(req, res);

  const endpointHost = ['0.0.0.0', '::', '127.0.0.1', 'localhost'].includes(host)
    ? '127.0.0.1'
    : host.includes(':')
      ? `[${host}]`
      : host;

  const close = () => {
    closing ??= (async () => {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), 2000);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      await mutationChain;
      await journal?.close();
    })();
    return closing;
  };

  return { port, endpoint: `https://${endpointHost}:${port}`, caPem: cert, close };
}

// ---------------------------------------------------------------------------------------------
// Requests

function isTrue(value: string | string[] | undefined): boolean {
  if (!value) return false;
  return (Array.isArray(value) ? value : [value]).some((v) => v.toLowerCase() === 'true');
}

function isQuery(req: IncomingMessage): boolean {
  return isTrue(req.headers['x-ms-documentdb-isquery']) || req.headers['content-type'] === 'application/query+json';
}

function isMutating(req: IncomingMessage): boolean {
  switch (req.method) {
    case 'POST':
      return !isQuery(req);
    case 'PUT':
    case 'PATCH':
    case 'DELETE':
      return true;
    default:
      return false;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`request body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('request aborted')));
  });
}

/** A readable carrying method/url/headers and an already-read body, for the original handler. */
function fakeRequest(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer): IncomingMessage {
  const stream = new Readable({ read() {} });
  if (body.length > 0) stream.push(body);
  stream.push(null);
  return Object.assign(stream, { method, url, headers: { ...headers } }) as unknown as IncomingMessage;
}

/** Captures what the original handler sends (it only uses statusCode, setHeader and end). */
class CapturedResponse {
  statusCode = 200;
  finished = false;
  headersSent = false;
  readonly headers = new Map<string, string>();
  body: string | undefined;

  constructor(private readonly done: (res: CapturedResponse) => void) {}

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
    return this;
  }

  getHeader(name: string): string | undefined {
    return this.headers.get(name.toLowerCase());
  }

  end(chunk?: unknown): this {
    if (this.finished) return this;
    this.finished = true;
    this.headersSent = true;
    this.body = chunk === undefined || chunk === null ? undefined : String(chunk);
    this.done(this);
    return this;
  }
}

/**
 * The SDK sends a transactional batch's partition key in the request header only, but
 * cosmosdb-server reads it from each operation (and fails with 500 without it), so copy it in.
 */
function fillBatchPartitionKeys(bodyText: string, headers: IncomingHttpHeaders): string {
  const header = headers['x-ms-documentdb-partitionkey'];
  const partitionKey = Array.isArray(header) ? header[0] : header;
  if (!partitionKey) return bodyText;
  let operations: unknown;
  try {
    operations = JSON.parse(bodyText);
  } catch {
    return bodyText;
  }
  if (!Array.isArray(operations)) return bodyText;
  let changed = false;
  for (const op of operations) {
    if (isRecord(op) && op.partitionKey === undefined) {
      op.partitionKey = partitionKey;
      changed = true;
    }
  }
  return changed ? JSON.stringify(operations) : bodyText;
}

/** Headers worth keeping in the journal: content-type and x-ms-* except x-ms-date. */
function journalHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (lower === 'content-type' || (lower.startsWith('x-ms-') && lower !== 'x-ms-date')) {
      kept[lower] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  return kept;
}

/**
 * The journal entry for a successful mutating request. Of a batch, only the operations that
 * succeeded (and are not reads) are kept — all of them for a transactional batch, which reaches
 * this point only when none failed; a batch in which none of them changed anything is not
 * journaled.
 */
function journalEntry(
  req: IncomingMessage,
  bodyText: string,
  batch: boolean,
  responseChunk: unknown
): JournalEntry | undefined {
  const entry: JournalEntry = {
    method: req.method ?? 'POST',
    url: req.url ?? '/',
    headers: journalHeaders(req.headers),
    body: bodyText,
  };
  if (!batch) return entry;
  const operations: unknown = JSON.parse(bodyText);
  const results: unknown = JSON.parse(String(responseChunk));
  if (!Array.isArray(operations) || !Array.isArray(results)) throw new Error('unexpected batch request or response');
  const applied = operations.filter((op: unknown, i: number) => {
    const result: unknown = results[i];
    const status = isRecord(result) && typeof result.statusCode === 'number' ? result.statusCode : 0;
    const type = isRecord(op) && typeof op.operationType === 'string' ? op.operationType.toLowerCase() : '';
    return status >= 200 && status < 300 && type !== 'read';
  });
  if (applied.length === 0) return undefined;
  return { ...entry, body: JSON.stringify(applied) };
}

// ---------------------------------------------------------------------------------------------
// Transactional batches

/** A document a batch may write, addressed as the batch addresses it, and its state before. */
interface BatchDocument {
  id: string;
  /** The x-ms-documentdb-partitionkey value, e.g. ["p"]. */
  partitionKey: string;
  before: Record<string, unknown> | undefined;
}

interface BatchSnapshot {
  collUrl: string;
  documents: BatchDocument[];
}

/**
 * Reads every document a batch may write (reads need nothing): by the id an operation names and
 * by its body's id, each in the partition the operation names and in the one its body falls into.
 */
async function snapshotBatch(
  invoke: Invoke,
  url: string,
  bodyText: string,
  headers: IncomingHttpHeaders
): Promise<BatchSnapshot> {
  const collUrl = url.split('?')[0]?.replace(/\/docs\/?$/, '') ?? url;
  const snapshot: BatchSnapshot = { collUrl, documents: [] };
  let operations: unknown;
  try {
    operations = JSON.parse(bodyText);
  } catch {
    return snapshot; // refused as a whole by cosmosdb-server
  }
  if (!Array.isArray(operations)) return snapshot;
  const container = await invoke('GET', collUrl, {});
  if (container.statusCode !== 200) return snapshot; // the batch fails with nothing applied
  const parsed: unknown = JSON.parse(container.body ?? '{}');
  const keyPath = isRecord(parsed) ? partitionKeyPath(parsed) : undefined;
  const header = headers['x-ms-documentdb-partitionkey'];
  const requestKey = Array.isArray(header) ? header[0] : header;

  const seen = new Set<string>();
  const add = (id: unknown, partitionKey: string | undefined) => {
    if (typeof id !== 'string' || partitionKey === undefined) return;
    const identity = documentIdentity(id, partitionKey);
    if (identity === undefined || seen.has(identity)) return;
    seen.add(identity);
    snapshot.documents.push({ id, partitionKey, before: undefined });
  };
  for (const op of operations) {
    if (!isRecord(op)) continue;
    if (typeof op.operationType === 'string' && op.operationType.toLowerCase() === 'read') continue;
    const opKey =
      typeof op.partitionKey === 'string'
        ? op.partitionKey
        : op.partitionKey !== undefined
          ? JSON.stringify(op.partitionKey)
          : requestKey;
    const resource = isRecord(op.resourceBody) ? op.resourceBody : undefined;
    add(op.id, opKey);
    add(resource?.id, opKey);
    const bodyValue = resource && keyPath ? valueAt(resource, keyPath) : undefined;
    if (bodyValue !== undefined) add(resource?.id, JSON.stringify([bodyValue]));
  }
  for (const document of snapshot.documents) document.before = await readDocument(invoke, collUrl, document);
  return snapshot;
}

/** Deletes what the batch created or changed, then recreates what it changed or deleted. */
async function restoreBatch(invoke: Invoke, snapshot: BatchSnapshot): Promise<void> {
  const { collUrl } = snapshot;
  const changed: Array<{ document: BatchDocument; now: Record<string, unknown> | undefined }> = [];
  for (const document of snapshot.documents) {
    const now = await readDocument(invoke, collUrl, document);
    if (now?._etag !== document.before?._etag) changed.push({ document, now });
  }
  for (const { document, now } of changed) {
    if (!now) continue;
    const res = await invoke('DELETE', documentUrl(collUrl, document.id), {
      'x-ms-documentdb-partitionkey': document.partitionKey,
    });
    if (res.statusCode !== 204) {
      throw new Error(`deleting ${document.id} answered ${res.statusCode}: ${oneLine(res.body ?? '')}`);
    }
  }
  for (const { document } of changed) {
    if (!document.before) continue;
    const res = await invoke(
      'POST',
      `${collUrl}/docs`,
      { 'content-type': 'application/json', 'x-ms-documentdb-partitionkey': document.partitionKey },
      JSON.stringify(omit(document.before, SYSTEM_PROPERTIES))
    );
    if (res.statusCode !== 201) {
      throw new Error(`recreating ${document.id} answered ${res.statusCode}: ${oneLine(res.body ?? '')}`);
    }
  }
}

async function readDocument(
  invoke: Invoke,
  collUrl: string,
  document: BatchDocument
): Promise<Record<string, unknown> | undefined> {
  // enablecrosspartition skips cosmosdb-server's own partition check, which mishandles nested
  // partition key paths; the document is still looked up by id within the given partition.
  const res = await invoke('GET', documentUrl(collUrl, document.id), {
    'x-ms-documentdb-partitionkey': document.partitionKey,
    'x-ms-documentdb-query-enablecrosspartition': 'true',
  });
  if (res.statusCode === 404) return undefined;
  const body: unknown = res.statusCode === 200 ? JSON.parse(res.body ?? 'null') : undefined;
  if (!isRecord(body)) {
    throw new Error(`reading ${document.id} answered ${res.statusCode}: ${oneLine(res.body ?? '')}`);
  }
  return body;
}

function documentUrl(collUrl: string, id: string): string {
  return `${collUrl}/docs/${encodeURIComponent(id)}`;
}

/** The document a (id, partition key header) pair resolves to in cosmosdb-server, as a string. */
function documentIdentity(id: string, partitionKey: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(partitionKey);
  } catch {
    return undefined; // cosmosdb-server cannot address it either
  }
  let value = Array.isArray(parsed) ? parsed[0] : parsed;
  if (typeof value === 'object' && value !== null) value = id; // no partition key: the id
  return JSON.stringify([id, value ?? null]);
}

/**
 * Whether a batch must be undone: any batch refused as a whole (non-2xx; cosmosdb-server may have
 * applied operations before refusing), and a transactional one in which any operation failed.
 */
function batchFailed(statusCode: number, chunk: unknown, atomic: boolean): boolean {
  if (statusCode < 200 || statusCode >= 300) return true;
  if (!atomic) return false;
  const results = parseResults(chunk);
  return !results || results.some((result) => resultStatus(result) >= 400);
}

/**
 * What Azure Cosmos DB answers for a failed transactional batch (with HTTP 207): the first failed
 * operation keeps its status, every other one is 424 Failed Dependency.
 */
function failedBatchResults(chunk: unknown): string {
  const results = parseResults(chunk) ?? [];
  const failing = results.findIndex((result) => resultStatus(result) >= 400);
  return JSON.stringify(
    results.map((result, index) => (index === failing ? result : { statusCode: 424, requestCharge: 0 }))
  );
}

function parseResults(chunk: unknown): unknown[] | undefined {
  try {
    const results: unknown = JSON.parse(String(chunk));
    return Array.isArray(results) ? results : undefined;
  } catch {
    return undefined;
  }
}

function resultStatus(result: unknown): number {
  return isRecord(result) && typeof result.statusCode === 'number' ? result.statusCode : 0;
}

function isJournalEntry(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.method === 'string' &&
    typeof value.url === 'string' &&
    typeof value.body === 'string' &&
    isRecord(value.headers) &&
    Object.values(value.headers).every((v) => typeof v === 'string')
  );
}

/**
 * A journal entry made unconditional for replay: ETags are regenerated on replay, and the
 * original request succeeded, so its preconditions held; replaying it unconditionally recreates
 * the same content.
 */
function unconditional(entry: JournalEntry): JournalEntry {
  const headers = { ...entry.headers };
  for (const name of Object.keys(headers)) {
    if (name === 'if-match' || name === 'if-none-match') delete headers[name];
  }
  let body = entry.body;
  const batch = isTrue(headers['x-ms-cosmos-is-batch-request']);
  if (batch || entry.method === 'PATCH') {
    try {
      const parsed: unknown = JSON.parse(body);
      if (batch && Array.isArray(parsed)) {
        for (const op of parsed) {
          if (isRecord(op)) {
            delete op.ifMatch;
            delete op.ifNoneMatch;
          }
        }
        body = JSON.stringify(parsed);
      } else if (entry.method === 'PATCH' && isRecord(parsed) && 'condition' in parsed) {
        delete parsed.condition;
        body = JSON.stringify(parsed);
      }
    } catch {
      // replay as recorded; the server reports the problem
    }
  }
  return { ...entry, headers, body };
}

// ---------------------------------------------------------------------------------------------
// Compaction

type Invoke = (
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: string
) => Promise<CapturedResponse>;

/** The minimal sequence of requests recreating the current in-memory state. */
async function dumpState(invoke: Invoke): Promise<JournalEntry[]> {
  const entries: JournalEntry[] = [];
  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    entries.push({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  for (const database of await readFeed(invoke, '/dbs', 'Databases')) {
    const dbUrl = `/dbs/${encodeURIComponent(String(database.id))}`;
    post('/dbs', omit(database, DATABASE_SYSTEM_PROPERTIES));
    for (const container of await readFeed(invoke, `${dbUrl}/colls`, 'DocumentCollections')) {
      const collUrl = `${dbUrl}/colls/${encodeURIComponent(String(container.id))}`;
      post(`${dbUrl}/colls`, omit(container, CONTAINER_SYSTEM_PROPERTIES));
      for (const udf of await readFeed(invoke, `${collUrl}/udfs`, 'UserDefinedFunctions')) {
        post(`${collUrl}/udfs`, { id: udf.id, body: udf.body });
      }
      const keyPath = partitionKeyPath(container);
      for (const document of await readFeed(invoke, `${collUrl}/docs`, 'Documents')) {
        const value = keyPath ? valueAt(document, keyPath) : document.id;
        post(`${collUrl}/docs`, omit(document, SYSTEM_PROPERTIES), {
          'x-ms-documentdb-partitionkey': JSON.stringify([value === undefined ? {} : value]),
        });
      }
    }
  }
  return entries;
}

async function readFeed(invoke: Invoke, url: string, key: string): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let continuation: string | undefined;
  do {
    const res = await invoke('GET', url, continuation ? { 'x-ms-continuation': continuation } : {});
    if (res.statusCode !== 200) {
      throw new Error(`compaction could not read ${url} (status ${res.statusCode}): ${oneLine(res.body ?? '')}`);
    }
    const page: unknown = JSON.parse(res.body ?? '{}');
    const list = isRecord(page) ? page[key] : undefined;
    if (!Array.isArray(list)) throw new Error(`compaction got an unexpected response from ${url}`);
    for (const item of list) if (isRecord(item)) items.push(item);
    continuation = res.getHeader('x-ms-continuation');
  } while (continuation);
  return items;
}

function partitionKeyPath(container: Record<string, unknown>): string[] | undefined {
  const pk = container.partitionKey;
  const paths = isRecord(pk) ? pk.paths : undefined;
  const first: unknown = Array.isArray(paths) ? paths[0] : undefined;
  return typeof first === 'string' ? first.slice(1).split('/') : undefined;
}

function valueAt(object: unknown, path: string[]): unknown {
  let current = object;
  for (const segment of path) {
    if (!isRecord(current)) return undefined;
    current = current[segment];
  }
  return current;
}

function omit(object: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const copy = { ...object };
  for (const key of keys) delete copy[key];
  return copy;
}

// ---------------------------------------------------------------------------------------------
// TLS certificate

/**
 * Loads cert.pem/key.pem from `dataDir`, generating them when missing, unusable, expiring within
 * 7 days or not covering localhost, 127.0.0.1 and (when it is a specific address) `host`.
 */
export async function ensureCertificate(
  dataDir: string,
  log: (line: string) => void = () => {},
  host = '127.0.0.1'
): Promise<{ cert: string; key: string }> {
  const certFile = join(dataDir, CERT_FILE);
  const keyFile = join(dataDir, KEY_FILE);
  const ips = ['127.0.0.1'];
  if (isIP(host) === 4 && host !== '0.0.0.0' && host !== '127.0.0.1') ips.push(host);
  const existing = await readExisting(certFile, keyFile);
  if (existing) {
    const problem = certificateProblem(existing.cert, existing.key, ips);
    if (!problem) return existing;
    log(`cosmos: regenerating TLS certificate (${problem})`);
  }
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + CERT_VALIDITY_DAYS * 24 * 3600 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [{ type: 2, value: 'localhost' }, ...ips.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  await writePrivate(keyFile, pems.private);
  await writePrivate(certFile, pems.cert);
  return { cert: pems.cert, key: pems.private };
}

async function readExisting(certFile: string, keyFile: string): Promise<{ cert: string; key: string } | undefined> {
  try {
    const [cert, key] = await Promise.all([fsp.readFile(certFile, 'utf8'), fsp.readFile(keyFile, 'utf8')]);
    return { cert, key };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function certificateProblem(certPem: string, keyPem: string, ips: string[]): string | undefined {
  try {
    const cert = new X509Certificate(certPem);
    if (new Date(cert.validTo).getTime() - Date.now() < CERT_RENEW_BEFORE_MS)
      return 'expired or expiring within 7 days';
    const san = cert.subjectAltName ?? '';
    const names = san.split(',').map((name) => name.trim().toLowerCase());
    const wanted = ['dns:localhost', ...ips.map((ip) => `ip address:${ip}`)];
    if (!wanted.every((name) => names.includes(name))) return `it does not cover ${wanted.join(', ')}`;
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return 'key does not match certificate';
    return undefined;
  } catch (error) {
    return `unreadable: ${oneLine(errorMessage(error))}`;
  }
}

async function writePrivate(file: string, content: string): Promise<void> {
  const tmp = `${file}.tmp`;
  await fsp.writeFile(tmp, content, { mode: 0o600 });
  await fsp.chmod(tmp, 0o600);
  await fsp.rename(tmp, file);
}

// ---------------------------------------------------------------------------------------------
// Helpers

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(
          new PortInUseError(
            `port ${port} on ${host} is already in use; stop whatever uses it or choose another port with --cosmos-port <port> (or env LOCAL_COSMOS_PORT)`
          )
        );
      } else if (error.code === 'EACCES') {
        reject(
          new PortInUseError(
            `not allowed to listen on port ${port} on ${host}; choose another port with --cosmos-port <port> (or env LOCAL_COSMOS_PORT)`
          )
        );
      } else {
        reject(new Error(`cannot listen on ${host}:${port}: ${oneLine(error.message)}`));
      }
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
