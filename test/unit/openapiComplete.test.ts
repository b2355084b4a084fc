// The OpenAPI documents are complete and valid: every HTTP function functions/index.ts registers is an
// operation of GET /api/openapi.json (but the few deliberately left out), every operation is a registered
// function, and both the API's document and docs/gateway.openapi.json pass a maintained OpenAPI validator.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { registrations } from '../support/recordingCoreApi';

jest.mock(
  '@azure/functions-core',
  () => jest.requireActual<typeof import('../support/recordingCoreApi')>('../support/recordingCoreApi').coreApi,
  { virtual: true }
);

const root = resolve(__dirname, '..', '..');

/**
 * Validates a document with @apidevtools/swagger-parser (OpenAPI 3.0 and 3.1 schemas, then its semantic
 * checks: unique operationIds, path parameters declared, …). The validator ships only ES modules, which
 * jest's CommonJS runtime cannot load, so it runs in a child Node.js process: '' when valid, else the error.
 */
function validationErrorOf(document: unknown): string {
  const script = [
    "const { default: SwaggerParser } = await import('@apidevtools/swagger-parser');",
    "let text = ''; for await (const chunk of process.stdin) text += chunk;",
    'try { await SwaggerParser.validate(JSON.parse(text)); } catch (error) { process.stdout.write(String(error.message)); }',
  ].join('\n');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    input: JSON.stringify(document),
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`the validator did not run: ${run.stderr}`);
  return run.stdout;
}

/**
 * Registered on purpose without an operation: the document itself and the health probe (both anonymous,
 * read by tools and load balancers, not by API clients). The Gateway's callbacks are in the API document
 * (they are API operations the Gateway calls); the Gateway's own API is docs/gateway.openapi.json.
 */
const undocumented = ['GET /openapi.json', 'GET /health'];

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** `factories/{factoryId:regex}/x/{y?}` -> `/factories/{factoryId}/x/{y}`. */
const pathOf = (route: string) => `/${route.replace(/^\/+/, '')}`.replace(/\{([^}:?]+)[^}]*\}/g, '{$1}');

let apiDocument: { openapi: string; paths: Record<string, Record<string, { operationId?: string }>> };
let registered: string[];

beforeAll(async () => {
  const saved = { ...process.env };
  // Any valid settings will do: only the document's server URL depends on them.
  Object.assign(process.env, {
    CosmosDB__accountEndpoint: 'https://cosmos-abc.documents.azure.com:443/',
    ServiceBus__fullyQualifiedNamespace: 'sb-abc.servicebus.windows.net',
    AzureWebJobsStorage__accountName: 'stabc',
    COMMUNICATION_SERVICES_ENDPOINT: 'https://acs-abc.communication.azure.com',
    EMAIL_SENDER_ADDRESS: 'DoNotReply@abc.azurecomm.net',
    IDENTITY_ISSUER: 'https://login.microsoftonline.com/00000000-0000-4000-8000-000000000001/v2.0',
    IDENTITY_JWKS_URI: 'https://login.microsoftonline.com/00000000-0000-4000-8000-000000000001/discovery/v2.0/keys',
    IDENTITY_AUDIENCE: '99999999-8888-4777-8666-555555555555',
    GATEWAY_BASE_URL: 'https://gateway.example.org',
    GATEWAY_SHARED_SECRET: 'resolved-from-key-vault-0123456789abcdef',
    PUBLIC_API_BASE_URL: 'https://func-abc.azurewebsites.net/api',
    PORTAL_BASE_URL: 'https://portal.example.org',
  });
  delete process.env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  try {
    await import('../../functions/index');
    const { apiDocument: build } = await import('../../shared/http/openapi');
    apiDocument = JSON.parse(JSON.stringify(build('https://func-abc.azurewebsites.net/api')));
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
  registered = registrations.flatMap((r) => {
    const trigger = Object.values(r.bindings).find((b) => b.type === 'httpTrigger');
    if (!trigger) return [];
    return (trigger.methods ?? ['GET']).map((m) => `${m.toUpperCase()} ${pathOf(trigger.route ?? r.name)}`);
  });
});

const operationsOf = (doc: typeof apiDocument) =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    methods.filter((m) => item[m] !== undefined).map((m) => `${m.toUpperCase()} ${path}`)
  );

describe('the API document (GET /api/openapi.json)', () => {
  it('has an operation for every registered HTTP function, except the deliberately undocumented ones', () => {
    expect(registered.length).toBeGreaterThan(40);
    const documented = new Set(operationsOf(apiDocument));
    const missing = registered.filter((op) => !documented.has(op) && !undocumented.includes(op));
    expect(missing).toEqual([]);
    for (const op of undocumented) expect(registered).toContain(op);
  });

  it('documents no operation that no function serves', () => {
    const served = new Set(registered);
    expect(operationsOf(apiDocument).filter((op) => !served.has(op))).toEqual([]);
  });

  it('gives every operation a unique operationId', () => {
    const ids = Object.values(apiDocument.paths).flatMap((item) =>
      methods.flatMap((m) => (item[m] ? [item[m]!.operationId] : []))
    );
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is a valid OpenAPI 3 document (@apidevtools/swagger-parser)', () => {
    expect(apiDocument.openapi).toMatch(/^3\.[01]\.\d+$/);
    expect(validationErrorOf(apiDocument)).toBe('');
  });

  it('the validator does refuse an invalid document', () => {
    const broken = structuredClone(apiDocument) as unknown as { paths: Record<string, unknown> };
    broken.paths['/broken'] = { get: { responses: 'not an object' } };
    expect(validationErrorOf(broken)).toMatch(/\S/);
  });
});

describe('the Gateway contract (docs/gateway.openapi.json)', () => {
  it('is a valid OpenAPI 3 document', () => {
    const doc = JSON.parse(readFileSync(join(root, 'docs', 'gateway.openapi.json'), 'utf8')) as { openapi: string };
    expect(doc.openapi).toMatch(/^3\.[01]\.\d+$/);
    expect(validationErrorOf(doc)).toBe('');
  });
});
