// Bad input (issue 7, OWASP API8/API4): for EVERY operation of the OpenAPI document, fast-check makes bad
// requests from the document itself (test/support/badInputs.ts): bad and tampered tokens (or Gateway
// signatures), path and query junk, malformed JSON, wrong types, missing and unknown fields, huge strings and
// arrays, ill-formed and odd unicode, wrong content types, bodies above the endpoint's limit. They are sent
// by a caller the operation allows (Admin where it may, else the demo user of the first role listed) on the
// seeded demo data, against the real function registrations on the local host, a real local Cosmos server
// and Azurite. Every answer must be a problem (application/problem+json) with a 4xx status that fits the
// fault, never a 5xx; and the store must hold exactly what it held before: every document of every
// container of every database of the Cosmos server (id@_etag) and every blob (name@etag), counted and
// compared. The run is reproducible: BAD_INPUT_SEED=<seed> (printed on failure) replays the same cases;
// BAD_INPUT_RUNS sets the cases per operation and kind (10 by default).
import { BlobServiceClient } from '@azure/storage-blob';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { localIdentityAudience, startDevIdentityProvider } from '../../local/identity/devIdentityProvider';
import { findDemoUser } from '../../local/seed/demoUsers';
import { seedDemoData } from '../../local/seed/seedDemoData';
import { signGatewayCallback } from '../../shared/adapters/gateway/gatewayClient';
import { defaultMaxBodyBytes } from '../../shared/http/endpoint';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { complianceDepsOf, seedAssessedCycle } from '../support/complianceFixtures';
import { seedSelfAssessment } from '../support/selfAssessmentFixtures';
import { seedDeadLetteredTransmission } from '../support/transmissionFixtures';
import {
  acceptedTypes,
  bodyWith,
  illFormedText,
  malformedJson,
  objectOf,
  oddKey,
  oddText,
  operationsOf,
  pathJunk,
  pointerOf,
  propertiesOf,
  queryJunk,
  unknownKey,
  wrongTypeFor,
  type ApiDocument,
  type JsonSchema,
  type Operation,
} from '../support/badInputs';

jest.setTimeout(300_000);

const seed = Number(process.env.BAD_INPUT_SEED ?? Date.now() % 2 ** 31);
const runsPerKind = Number(process.env.BAD_INPUT_RUNS ?? 10);
const concurrency = 4;
/** The statuses a bad request may get; anything else (a 2xx, a 5xx) is a finding. */
const allowedStatuses = new Set([400, 401, 403, 404, 405, 409, 412, 413, 415, 422, 429]);
const gatewaySecret = randomBytes(32).toString('base64url');

/** The demo user (local/seed/demoUsers.ts) each role calls as; Admin first: it may touch every object. */
const userOfRole: [string, string][] = [
  ['Admin', 'admin'],
  ['FactoryManager', 'fm-bd-1'], // manages BD-DEMO0001
  ['RegistrationStaff', 'registration-bd'],
  ['Assessor', 'assessor-bd'],
  ['EnterpriseAdvisor', 'advisor-bd'], // advises BD-DEMO0001
  ['Brand', 'brand-1'], // subscribes to BD-DEMO0001
  ['Gateway', 'gateway'],
];
/** Path parameters on an object the caller may touch (BD-DEMO0001, its first cycle); others get `demo`. */
const validParam: Record<string, string> = {
  factoryId: 'BD-DEMO0001',
  countryCode: 'BD',
  cycleId: 'BD-DEMO0001-C1',
  selfAssessmentId: 'BD-DEMO0001-C1-SA',
  questionId: 'FP-BAS-1',
  version: '1.5.0',
  brandId: 'brand-1',
};

interface BadCase {
  operation: Operation;
  kind: string;
  what: string;
  path: string;
  query?: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  expect: readonly number[];
  /** A JSON pointer the problem's `errors` must name (the field at fault). */
  pointer?: string;
}

let api: ApiHarness;
let document: ApiDocument;
let operations: Operation[] = [];
/** Authorization header values that must all get 401 (undefined: none sent). */
const badAuthorizations: { what: string; value: string | undefined }[] = [];
const tokenOf = new Map<string, string>();
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  api = await startApiHarness({
    seed: async (store, clock) => {
      await seedDemoData(store, clock);
      await seedSelfAssessment(store, clock, 'BD-DEMO0001', 'registration-bd', 'fm-bd-1');
    },
    azurite: true, // released reports live in blob storage
    env: { GATEWAY_SHARED_SECRET: gatewaySecret },
  });
  // BD-DEMO0001's first cycle assessed, its report released (blobs), its transmission dead-lettered: the
  // objects the report, improvement-plan and transmission routes touch exist.
  const seeded = await seedAssessedCycle(complianceDepsOf(api.store, api.clock, api.app), 'BD-DEMO0001', {
    staffKey: 'registration-bd',
    assessorKey: 'assessor-bd',
  });
  validParam.itemId = `assessment-${seeded.nonCompliant[0]!}`;
  await seedDeadLetteredTransmission(api.store, 'BD-DEMO0001', api.clock.now());
  const response = await fetch(`${api.base}/openapi.json`);
  document = (await response.json()) as ApiDocument;
  operations = operationsOf(document, defaultMaxBodyBytes);
  for (const [, user] of userOfRole) tokenOf.set(user, await api.tokenFor(user));

  // Tokens the app must refuse: signed by its own key but wrong in one claim, or not signed by it at all.
  const admin = findDemoUser('admin')!;
  const idpWith = async (overrides: { issuer?: string; audience?: string; shiftMs?: number; ownKey?: boolean }) => {
    let dataDir = api.dataDir;
    if (overrides.ownKey === false) {
      dataDir = mkdtempSync(join(tmpdir(), 'bad-input-idp-'));
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    }
    return startDevIdentityProvider({
      dataDir,
      issuer: overrides.issuer ?? api.identity.issuer,
      audience: overrides.audience ?? localIdentityAudience,
      clock: { now: () => new Date(api.clock.now().getTime() + (overrides.shiftMs ?? 0)) },
    });
  };
  const valid = tokenOf.get('admin')!;
  const [header, payload, signature] = valid.split('.') as [string, string, string];
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
  badAuthorizations.push(
    { what: 'no token', value: undefined },
    { what: 'empty bearer', value: 'Bearer ' },
    { what: 'garbage', value: 'Bearer not-a-token' },
    { what: 'basic scheme', value: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
    { what: 'token without scheme', value: valid },
    { what: 'wrong signature', value: `Bearer ${header}.${payload}.${flipped}` },
    { what: 'tampered payload', value: `Bearer ${header}.${b64({ ...claims, oid: 'someone-else' })}.${signature}` },
    { what: 'alg none', value: `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${payload}.` },
    {
      what: 'alg HS256',
      value: `Bearer ${b64({ alg: 'HS256', typ: 'JWT', kid: api.identity.kid })}.${payload}.${signature}`,
    },
    { what: 'expired', value: `Bearer ${await (await idpWith({ shiftMs: -3 * 3600_000 })).mint(admin)}` },
    { what: 'not yet valid', value: `Bearer ${await (await idpWith({ shiftMs: 3 * 3600_000 })).mint(admin)}` },
    {
      what: 'another audience',
      value: `Bearer ${await (await idpWith({ audience: 'api://another-app' })).mint(admin)}`,
    },
    {
      what: 'another issuer',
      value: `Bearer ${await (await idpWith({ issuer: 'https://evil.example.org/identity' })).mint(admin)}`,
    },
    { what: 'another key', value: `Bearer ${await (await idpWith({ ownKey: false })).mint(admin)}` },
    { what: 'two tokens', value: `Bearer ${valid} Bearer ${valid}` },
    { what: 'huge token', value: `Bearer ${'a'.repeat(6000)}.${'b'.repeat(6000)}.c` }
  );
});

afterAll(async () => {
  await api?.stop();
  for (const cleanup of cleanups) cleanup();
});

// ---------------------------------------------------------------------------------------------------
// The cases of one operation
// ---------------------------------------------------------------------------------------------------

function callerOf(operation: Operation): string | undefined {
  if (operation.access === 'signed') return undefined;
  const { roles } = operation.access;
  return userOfRole.find(([role]) => roles.includes(role))?.[1];
}

function pathWith(operation: Operation, replace?: { name: string; segment: string }): string {
  return operation.path.replace(/\{([^}]+)\}/g, (_m, name: string) =>
    name === replace?.name ? replace.segment : encodeURIComponent(validParam[name] ?? 'demo')
  );
}

/** Headers of an authorised request of the operation carrying `body` (a Gateway signature for signed ones). */
function authorised(operation: Operation, body: string | Uint8Array | undefined): Record<string, string> {
  if (operation.access === 'signed') {
    return signGatewayCallback({
      eventId: randomUUID(),
      rawBody: body ?? '',
      secret: gatewaySecret,
      timestamp: api.clock.now().getTime() / 1000,
    });
  }
  const user = callerOf(operation);
  return user ? { authorization: `Bearer ${tokenOf.get(user)!}` } : {};
}

const jsonCase = (operation: Operation, kind: string, what: string, value: unknown, pointer?: string): BadCase => {
  const text = JSON.stringify(value) ?? 'null';
  const size = Buffer.byteLength(text);
  const tooBig = size > operation.maxBodyBytes;
  return {
    operation,
    kind,
    what: `${what} (${size} bytes)`,
    path: pathWith(operation),
    headers: { ...authorised(operation, text), 'content-type': 'application/json' },
    body: text,
    expect: tooBig ? [413] : operation.access === 'signed' ? [400] : [400],
    ...(pointer && !tooBig && operation.access !== 'signed' ? { pointer } : {}),
  };
};

/** A string field can hold only so much: a maximum length, a pattern, a format or a list of values. */
const bounded = (s: JsonSchema) =>
  s.maxLength !== undefined || s.pattern !== undefined || s.format !== undefined || s.enum !== undefined;

function arbitrariesOf(operation: Operation): Record<string, fc.Arbitrary<BadCase>> {
  const kinds: Record<string, fc.Arbitrary<BadCase>> = {};
  const hasBody = operation.body !== undefined || operation.access === 'signed';
  const bodySchema: JsonSchema = operation.body ?? { type: 'object' };
  const plainBody = hasBody ? '{}' : undefined;

  // Bad and tampered tokens (or, for the Gateway's callbacks, signatures): 401 whatever else is sent.
  if (operation.access === 'signed') {
    kinds.signature = fc
      .constantFrom('none', 'garbage', 'wrong secret', 'stale', 'future', 'tampered body', 'bearer instead')
      .map((what): BadCase => {
        const body = JSON.stringify({ eventId: randomUUID(), type: 'facility.registered' });
        const now = api.clock.now().getTime() / 1000;
        const sign = (secret: string, timestamp: number, raw = body) =>
          signGatewayCallback({ eventId: randomUUID(), rawBody: raw, secret, timestamp });
        const headers: Record<string, string> =
          what === 'none'
            ? {}
            : what === 'garbage'
              ? { ...sign(gatewaySecret, now), 'x-gateway-signature': 'v1=00' }
              : what === 'wrong secret'
                ? sign(randomBytes(32).toString('base64url'), now)
                : what === 'stale'
                  ? sign(gatewaySecret, now - 86_400)
                  : what === 'future'
                    ? sign(gatewaySecret, now + 86_400)
                    : what === 'tampered body'
                      ? sign(gatewaySecret, now, body.replace('registered', 'approved'))
                      : { authorization: `Bearer ${tokenOf.get('gateway')!}` };
        if (what === 'garbage') {
          for (const name of Object.keys(headers)) if (/signature/i.test(name)) headers[name] = 'v1=00';
        }
        return {
          operation,
          kind: 'signature',
          what,
          path: pathWith(operation),
          headers: { ...headers, 'content-type': 'application/json' },
          body,
          expect: [401],
        };
      });
  } else {
    kinds.token = fc
      .oneof(
        fc.constantFrom(...badAuthorizations),
        fc
          .stringMatching(/^[A-Za-z0-9._~+/=-]{1,400}$/)
          .map((garbage) => ({ what: 'random bearer', value: `Bearer ${garbage}` }))
      )
      .map(({ what, value }): BadCase => ({
        operation,
        kind: 'token',
        what,
        path: pathWith(operation),
        headers: {
          ...(value === undefined ? {} : { authorization: value }),
          ...(plainBody ? { 'content-type': 'application/json' } : {}),
        },
        ...(plainBody ? { body: plainBody } : {}),
        expect: [401],
      }));
  }

  // Path junk in one parameter at a time (the others valid): nothing found, or refused as malformed.
  if (operation.pathParams.length > 0) {
    // A well-formed id in the last parameter of a PUT or DELETE names a member of a set the request adds or
    // removes (a brand subscription): not a fault, so only ids its documented pattern refuses are sent there.
    const last = operation.pathParams[operation.pathParams.length - 1]!;
    const acceptsAnyWellFormedId = (name: string, segment: string) => {
      const pattern = operation.pathSchemas[name]?.pattern;
      if (!pattern || name !== last || !['PUT', 'DELETE'].includes(operation.method)) return false;
      try {
        return new RegExp(pattern).test(decodeURIComponent(segment));
      } catch {
        return false;
      }
    };
    kinds.path = fc
      .tuple(fc.constantFrom(...operation.pathParams), pathJunk)
      .filter(([name, junk]) => !acceptsAnyWellFormedId(name, junk.segment))
      .map(([name, junk]): BadCase => ({
        operation,
        kind: 'path',
        what: `{${name}} = ${junk.what}`,
        path: pathWith(operation, { name, segment: junk.segment }),
        headers: {
          ...authorised(operation, plainBody),
          ...(plainBody ? { 'content-type': 'application/json' } : {}),
        },
        ...(plainBody ? { body: plainBody } : {}),
        expect: [400, 404, 405],
      }));
  }

  // Query junk in one declared parameter (repeated, too).
  if (operation.queryParams.length > 0) {
    kinds.query = fc
      .tuple(fc.constantFrom(...operation.queryParams.map((p) => p.name)), queryJunk, fc.boolean())
      .map(([name, junk, twice]): BadCase => ({
        operation,
        kind: 'query',
        what: `?${name}=${junk.slice(0, 40)}${twice ? ' (twice)' : ''}`,
        path: pathWith(operation),
        query: `${name}=${junk}${twice ? `&${name}=${junk}` : ''}`,
        headers: authorised(operation, undefined),
        expect: [400],
      }));
  }

  if (!hasBody) return kinds;

  const properties = propertiesOf(document, bodySchema);
  const strings = properties.filter(([, s]) => acceptedTypes(document, s).has('string'));
  const arrays = properties.filter(([, s]) => acceptedTypes(document, s).has('array'));
  const objects: [readonly string[], JsonSchema][] = [
    [[], bodySchema],
    ...properties.filter(([, s]) => objectOf(document, s)?.properties),
  ];
  const required = objectOf(document, bodySchema)?.required ?? [];

  kinds.malformedJson = malformedJson.map((text): BadCase => ({
    operation,
    kind: 'malformedJson',
    what: JSON.stringify(text.slice(0, 40)),
    path: pathWith(operation),
    headers: { ...authorised(operation, text), 'content-type': 'application/json' },
    body: text,
    expect: [400],
  }));

  const topLevelWrong = wrongTypeFor(acceptedTypes(document, bodySchema));
  const wrongProperties = properties
    .map(([path, s]) => [path, wrongTypeFor(acceptedTypes(document, s))] as const)
    .filter((entry): entry is readonly [readonly string[], fc.Arbitrary<unknown>] => entry[1] !== undefined);
  kinds.wrongType = fc.oneof(
    ...(topLevelWrong
      ? [topLevelWrong.map((value) => jsonCase(operation, 'wrongType', `body ${JSON.stringify(value)}`, value))]
      : []),
    ...wrongProperties.map(([path, arb]) =>
      arb.map((value) =>
        jsonCase(
          operation,
          'wrongType',
          `${pointerOf(path)} = ${JSON.stringify(value)}`,
          bodyWith(path, value),
          pointerOf(path)
        )
      )
    )
  );

  if (required.length > 0) {
    kinds.missingField = fc
      .constantFrom(...required)
      .map((name) => jsonCase(operation, 'missingField', `without ${name}`, {}, `/${name}`));
  }

  if (operation.access !== 'signed') {
    kinds.unknownField = fc
      .tuple(fc.constantFrom(...objects), fc.jsonValue({ maxDepth: 2 }))
      .chain(([[path, schema], value]) => {
        const declared = Object.keys(objectOf(document, schema)?.properties ?? {});
        return unknownKey(declared).map((key) =>
          jsonCase(
            operation,
            'unknownField',
            `${pointerOf([...path, key])}`,
            bodyWith([...path, key], value),
            pointerOf([...path, key])
          )
        );
      });
  }

  const stringTargets =
    strings.length > 0 ? strings : ([[['text'], { type: 'string' }]] as [readonly string[], JsonSchema][]);
  kinds.hugeString = fc
    .tuple(fc.constantFrom(...stringTargets), fc.integer({ min: 0, max: 60_000 }))
    .map(([[path, s], extra]) => {
      const length = Math.min((s.maxLength ?? 1000) + 1 + extra, 62_000);
      const c = jsonCase(
        operation,
        'hugeString',
        `${pointerOf(path)}: ${length} characters`,
        bodyWith(path, 'x'.repeat(length)),
        operation.body && bounded(s) ? pointerOf(path) : undefined
      );
      // A field the schema leaves unbounded (a text answer) is bounded by the body limit and the domain.
      return bounded(s) || c.expect.includes(413) ? c : { ...c, expect: [400, 404, 409, 422] };
    });

  kinds.hugeArray = fc
    .tuple(
      fc.constantFrom<readonly string[]>([], ...arrays.map(([path]) => path)),
      fc.integer({ min: 1_000, max: 30_000 })
    )
    .map(([path, length]) =>
      jsonCase(
        operation,
        'hugeArray',
        `${pointerOf(path)}: ${length} items`,
        bodyWith(path, new Array<number>(length).fill(0))
      )
    );

  if (operation.access !== 'signed') {
    kinds.illFormedUnicode = fc
      .tuple(fc.constantFrom(...stringTargets), illFormedText)
      .map(([[path], text]) =>
        jsonCase(
          operation,
          'illFormedUnicode',
          `${pointerOf(path)} = ${JSON.stringify(text)}`,
          bodyWith(path, text),
          pointerOf(path)
        )
      );
  }
  if (operation.access !== 'signed') {
    // Well-formed odd text is no fault in a value; as the name of a field nobody declared, it is.
    kinds.oddUnicode = fc
      .tuple(fc.constantFrom(...objects), oddKey, oddText)
      .filter(([[, schema], key]) => !Object.keys(objectOf(document, schema)?.properties ?? {}).includes(key))
      .map(([[path], key, text]) =>
        jsonCase(
          operation,
          'oddUnicode',
          `${pointerOf([...path, key])} = ${JSON.stringify(text)}`,
          bodyWith([...path, key], text),
          pointerOf([...path, key])
        )
      );
  }

  kinds.contentType = fc
    .constantFrom(
      { type: 'text/plain', body: '{}' },
      { type: 'text/json', body: '{}' },
      { type: 'application/xml', body: '<a/>' },
      { type: 'application/x-www-form-urlencoded', body: 'a=1&b=2' },
      {
        type: 'multipart/form-data; boundary=xyz',
        body: '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--xyz--\r\n',
      },
      { type: undefined, body: '{}' }
    )
    .map(({ type, body }): BadCase => {
      const bytes = new TextEncoder().encode(body); // a byte body: fetch adds no content type of its own
      return {
        operation,
        kind: 'contentType',
        what: type ?? 'no content type',
        path: pathWith(operation),
        headers: { ...authorised(operation, bytes), ...(type ? { 'content-type': type } : {}) },
        body: bytes,
        // The Gateway's callbacks read their signed bytes themselves: not JSON is a bad event there.
        expect: operation.access === 'signed' ? [400, 415] : [415],
      };
    });

  kinds.oversize = fc.integer({ min: 1, max: 64 * 1024 }).map((extra): BadCase => {
    const size = operation.maxBodyBytes + extra;
    const text = JSON.stringify({ pad: 'x'.repeat(size) });
    return {
      operation,
      kind: 'oversize',
      what: `${Buffer.byteLength(text)} bytes (limit ${operation.maxBodyBytes})`,
      path: pathWith(operation),
      headers: { ...authorised(operation, text), 'content-type': 'application/json' },
      body: text,
      expect: [413],
    };
  });
  return kinds;
}

// ---------------------------------------------------------------------------------------------------
// Sending and judging
// ---------------------------------------------------------------------------------------------------

async function send(c: BadCase): Promise<string[]> {
  const where = `${c.operation.operationId} [${c.kind}] ${c.what}`;
  let response: Response;
  try {
    response = await fetch(`${api.base}${c.path}${c.query ? `?${c.query}` : ''}`, {
      method: c.operation.method,
      headers: c.headers,
      ...(c.body !== undefined ? { body: c.body } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    return [`${where}: no answer (${(error as Error).message})`];
  }
  const text = await response.text();
  const found: string[] = [];
  const detail = text.slice(0, 160);
  if (!allowedStatuses.has(response.status))
    found.push(`${where}: ${response.status} is no fitting refusal: ${detail}`);
  else if (!c.expect.includes(response.status))
    found.push(`${where}: expected ${c.expect.join(' or ')}, got ${response.status}: ${detail}`);
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('application/problem+json'))
    found.push(`${where}: content type ${type || 'none'}, not a problem`);
  else {
    let problem: { status?: number; errors?: { pointer?: string }[] } = {};
    try {
      problem = JSON.parse(text) as typeof problem;
    } catch {
      found.push(`${where}: the problem is not JSON`);
    }
    if (problem.status !== response.status)
      found.push(`${where}: the problem says ${problem.status}, the answer ${response.status}`);
    if (c.pointer && response.status === 400 && !(problem.errors ?? []).some((e) => e.pointer === c.pointer)) {
      found.push(`${where}: 400 does not name ${c.pointer}: ${detail}`);
    }
  }
  return found;
}

/** Every document of every container of every database on the Cosmos server, and every blob. */
async function storeFingerprint(): Promise<string[]> {
  const rows: string[] = [];
  const cosmos = await api.app.cosmos();
  const { resources: databases } = await cosmos.databases.readAll().fetchAll();
  for (const { id: databaseId } of databases) {
    const database = cosmos.database(databaseId);
    const { resources: containers } = await database.containers.readAll().fetchAll();
    for (const { id: containerId } of containers) {
      const { resources } = await database
        .container(containerId)
        .items.query<{ id: string; _etag: string }>('SELECT c.id, c._etag FROM c')
        .fetchAll();
      rows.push(`cosmos ${databaseId}/${containerId}: ${resources.length} documents`);
      for (const r of resources) rows.push(`${databaseId}/${containerId}/${r.id}@${r._etag}`);
    }
  }
  const blobs = BlobServiceClient.fromConnectionString(process.env.AzureWebJobsStorage!);
  for await (const container of blobs.listContainers()) {
    let count = 0;
    for await (const blob of blobs.getContainerClient(container.name).listBlobsFlat()) {
      rows.push(`blob ${container.name}/${blob.name}@${blob.properties.etag}`);
      count++;
    }
    rows.push(`blob ${container.name}: ${count} blobs`);
  }
  return rows.sort();
}

function difference(before: readonly string[], after: readonly string[]): string[] {
  const was = new Set(before);
  const is = new Set(after);
  return [
    ...after.filter((r) => !was.has(r)).map((r) => `+ ${r}`),
    ...before.filter((r) => !is.has(r)).map((r) => `- ${r}`),
  ];
}

it('every operation of the OpenAPI document gets bad requests of every kind that applies to it', () => {
  expect(operations.length).toBeGreaterThan(40);
  const without = operations.filter((o) => Object.keys(arbitrariesOf(o)).length === 0).map((o) => o.operationId);
  expect(without).toEqual([]);
  const unreachable = operations.filter((o) => o.access !== 'signed' && !callerOf(o)).map((o) => o.operationId);
  expect(unreachable).toEqual([]); // every role an operation lists has a demo user here
});

it('bad input: every answer is a fitting 4xx problem, never a 5xx, and the store holds what it held', async () => {
  const cases = operations.flatMap((operation) =>
    Object.values(arbitrariesOf(operation)).flatMap((arb) => fc.sample(arb, { numRuns: runsPerKind, seed }))
  );
  const perKind = new Map<string, number>();
  for (const c of cases) perKind.set(c.kind, (perKind.get(c.kind) ?? 0) + 1);
  const before = await storeFingerprint();
  const findings: string[] = [];
  const started = Date.now();
  for (let i = 0; i < cases.length; i += concurrency) {
    const results = await Promise.all(cases.slice(i, i + concurrency).map(send));
    findings.push(...results.flat());
  }
  const after = await storeFingerprint();
  const written = difference(before, after);
  const summary =
    `${cases.length} bad requests over ${operations.length} operations in ${Date.now() - started} ms ` +
    `(seed ${seed}, ${runsPerKind} per operation and kind: ${[...perKind].map(([k, n]) => `${k} ${n}`).join(', ')})`;
  process.stdout.write(`${summary}\n`);
  if (findings.length > 0 || written.length > 0) {
    throw new Error(
      `${summary}\nReplay with BAD_INPUT_SEED=${seed}.\n` +
        (written.length > 0 ? `The store changed:\n${written.slice(0, 20).join('\n')}\n` : '') +
        `${findings.length} findings:\n${findings.slice(0, 80).join('\n')}`
    );
  }
  expect(before.length).toBeGreaterThan(0);
});
