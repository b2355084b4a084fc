// Bad requests for every operation of the OpenAPI document, made with fast-check from the document itself
// (test/reliability/badInput.test.ts sends them). Each case says which statuses fit its fault and, for a
// body fault the app must name, the JSON pointer the problem's `errors` must carry. Nothing here knows an
// operation by name: the path, query and body schemas, the roles ("Roles: ..." in the description), the
// security and the body limit (`x-max-body-bytes`) all come from the document.
import fc from 'fast-check';

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  maxLength?: number;
  maxItems?: number;
  additionalProperties?: boolean | JsonSchema;
};

interface DocumentOperation {
  operationId?: string;
  description?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  'x-max-body-bytes'?: number;
}

export interface ApiDocument {
  paths: Record<string, Record<string, DocumentOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface Operation {
  operationId: string;
  method: string;
  /** The path template, `/factories/{factoryId}/profile`. */
  path: string;
  pathParams: string[];
  /** The documented schema of each path parameter. */
  pathSchemas: Record<string, JsonSchema>;
  queryParams: { name: string; schema: JsonSchema }[];
  /** The JSON body schema ($refs resolved at the top); undefined: no documented body. */
  body: JsonSchema | undefined;
  /** Bearer-token operations list their roles; `signed` ones (no security) are the Gateway's callbacks. */
  access: { roles: string[] } | 'signed';
  /** The body limit the endpoint enforces (413 above it). */
  maxBodyBytes: number;
}

const methods = ['get', 'put', 'post', 'delete', 'patch'];

export function operationsOf(document: ApiDocument, defaultMaxBodyBytes: number): Operation[] {
  return Object.entries(document.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod)
      .filter(([method]) => methods.includes(method))
      .map(([method, op]): Operation => {
        const rolesLine = /Roles: ([^.]+)\./.exec(op.description ?? '');
        const body = op.requestBody?.content?.['application/json']?.schema;
        return {
          operationId: op.operationId ?? `${method.toUpperCase()} ${path}`,
          method: method.toUpperCase(),
          path,
          pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
          pathSchemas: Object.fromEntries(
            (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => [p.name, resolve(document, p.schema ?? {})])
          ),
          queryParams: (op.parameters ?? [])
            .filter((p) => p.in === 'query')
            .map((p) => ({ name: p.name, schema: resolve(document, p.schema ?? {}) })),
          body: body ? resolve(document, body) : undefined,
          access:
            op.security && op.security.length > 0
              ? { roles: rolesLine ? rolesLine[1]!.split(',').map((r) => r.trim()) : [] }
              : 'signed',
          maxBodyBytes: op['x-max-body-bytes'] ?? defaultMaxBodyBytes,
        };
      })
  );
}

/** Follows `$ref`s (to components/schemas) at the top of a schema. */
export function resolve(document: ApiDocument, schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let hops = 0; current.$ref && hops < 20; hops++) {
    const name = current.$ref.replace('#/components/schemas/', '');
    current = document.components?.schemas?.[name] ?? {};
  }
  return current;
}

/** The object form of a schema (the first object branch of a union), if it has one. */
export function objectOf(document: ApiDocument, schema: JsonSchema): JsonSchema | undefined {
  const s = resolve(document, schema);
  if (s.properties || typesOf(s).includes('object')) return s;
  for (const branch of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) {
    const found = objectOf(document, branch);
    if (found) return found;
  }
  return undefined;
}

function typesOf(schema: JsonSchema): string[] {
  const own = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (schema.enum) own.push(...schema.enum.map((v) => (v === null ? 'null' : typeof v)));
  return own;
}

/** Every JSON type a schema accepts (through unions). */
export function acceptedTypes(document: ApiDocument, schema: JsonSchema): Set<string> {
  const s = resolve(document, schema);
  const found = new Set(typesOf(s).map((t) => (t === 'integer' ? 'number' : t)));
  for (const branch of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) {
    for (const t of acceptedTypes(document, branch)) found.add(t);
  }
  if (s.const !== undefined) found.add(s.const === null ? 'null' : typeof s.const);
  return found;
}

/** A property path to a value in a body (`[]` the body itself). */
export type Path = readonly string[];
export const pointerOf = (path: Path) => `/${path.join('/')}`;

/** The properties of a body schema, nested objects and array items included, with their schemas. */
export function propertiesOf(
  document: ApiDocument,
  schema: JsonSchema,
  path: Path = [],
  depth = 0
): [Path, JsonSchema][] {
  const object = objectOf(document, schema);
  if (!object?.properties || depth > 3) return [];
  return Object.entries(object.properties).flatMap(([name, child]): [Path, JsonSchema][] => {
    const resolved = resolve(document, child);
    const here: [Path, JsonSchema] = [[...path, name], resolved];
    const items = resolved.items ? objectOf(document, resolved.items) : undefined;
    return [
      here,
      ...propertiesOf(document, resolved, [...path, name], depth + 1),
      ...(items ? propertiesOf(document, items, [...path, name, '0'], depth + 1) : []),
    ];
  });
}

/** A body holding `value` at `path` (objects and one-element arrays on the way), nothing else. */
export function bodyWith(path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (head === '0') return [bodyWith(rest, value)];
  return { [head!]: bodyWith(rest, value) };
}

// --- junk -----------------------------------------------------------------------------------------

/** Whether a string is well-formed UTF-16 (no lone surrogate): String.prototype.isWellFormed of ES2024. */
export const wellFormed = (s: string) =>
  !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

/** Strings nobody should have to store: lone surrogates, NUL (both refused by the API, 400 at the field). */
export const illFormedText = fc.oneof(
  fc.constantFrom('\ud800', 'abc\udfff', 'a\u0000b', '\u0000', 'Factory\ud83d'),
  fc
    .tuple(fc.string({ maxLength: 20 }), fc.constantFrom('\ud800', '\udc00', '\u0000'), fc.string({ maxLength: 20 }))
    .map(([a, b, c]) => a + b + c)
);

/** Odd but well-formed text: right-to-left overrides, emoji, combining marks, zero-width, BOM, markup. */
export const oddText = fc.oneof(
  fc.constantFrom(
    '\u202eevil\u202c',
    '😀🏭👩‍🏭',
    'e\u0301\u0301\u0301',
    '\u200b\u200d\ufeff',
    '<script>alert(1)</script>',
    "' OR '1'='1",
    '${jndi:ldap://x}',
    '\t\r\n'
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 })
);

/** Path segments that name nothing: traversal, NUL, odd unicode, very long, unknown ids (already encoded). */
export const pathJunk: fc.Arbitrary<{ segment: string; what: string }> = fc.oneof(
  fc.constantFrom(
    { segment: '..%2F..%2Fetc%2Fpasswd', what: 'traversal' },
    { segment: '%2E%2E%2F', what: 'traversal' },
    { segment: '..%5C..%5Cwindows', what: 'traversal' },
    { segment: '%00', what: 'NUL' },
    { segment: 'BD-DEMO0001%00', what: 'NUL suffix' },
    { segment: '%ED%A0%80', what: 'lone surrogate bytes' },
    { segment: '%C0%AF', what: 'overlong UTF-8' },
    { segment: '%', what: 'bad percent-encoding' },
    { segment: '%E2%80%AEBD-DEMO0001', what: 'RTL override' },
    { segment: '%F0%9F%98%80', what: 'emoji' },
    { segment: 'BD-NOPE9999', what: 'unknown id' },
    { segment: 'XX-DEMO0001', what: 'unknown id' },
    { segment: 'bd-demo0001', what: 'unknown id (case)' },
    { segment: '%27%20OR%201%3D1', what: 'injection' },
    { segment: 'SELECT%20*%20FROM%20c', what: 'injection' }
  ),
  fc.integer({ min: 300, max: 3000 }).map((n) => ({ segment: 'A'.repeat(n), what: `${n}-character id` })),
  fc
    .string({ unit: 'binary', minLength: 1, maxLength: 30 })
    .filter((s) => wellFormed(s) && s !== '.' && s !== '..')
    .map((s) => ({ segment: encodeURIComponent(s), what: 'random text' }))
);

/** Query values a declared parameter must refuse (already encoded). */
export const queryJunk: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '-1',
    '0',
    '1e309',
    'NaN',
    '99999999999999999999',
    'abc',
    '%00',
    '%ED%A0%80',
    '%E2%80%AE',
    '..%2F..%2F',
    'true%00',
    '%7B%22%24gt%22%3A%22%22%7D'
  ),
  fc.integer({ min: 2000, max: 6000 }).map((n) => 'q'.repeat(n)),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map((s) => encodeURIComponent(wellFormed(s) ? s : 'x'))
);

/** Texts that are not JSON. */
export const malformedJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '{',
    '{"a":}',
    "{'a':1}",
    '{"a":1,}',
    '[1,2',
    'NaN',
    'undefined',
    '{"a":1}garbage',
    '\ufeff{}x',
    '{"a":"\\x41"}',
    '{"a":01}',
    '"unterminated',
    '{"a" 1}',
    '<xml/>'
  ),
  fc.json().map((text) => (text.length > 1 ? text.slice(0, -1) + '\u0000' : '{')),
  fc.string({ minLength: 1, maxLength: 80 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  })
);

/** A value of a JSON type the schema does not accept (undefined when it accepts everything). */
export function wrongTypeFor(accepted: Set<string>): fc.Arbitrary<unknown> | undefined {
  const candidates: [string, fc.Arbitrary<unknown>][] = [
    ['string', fc.string({ maxLength: 10 })],
    ['number', fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }))],
    ['boolean', fc.boolean()],
    ['null', fc.constant(null)],
    ['array', fc.array(fc.integer(), { maxLength: 3 })],
    ['object', fc.constant({ nested: { deeper: 1 } })],
  ];
  const wrong = candidates.filter(([type]) => !accepted.has(type)).map(([, arb]) => arb);
  return wrong.length === 0 ? undefined : fc.oneof(...wrong);
}

/** Odd but well-formed field names (no "/" or "~", so that the JSON pointer is the name itself). */
export const oddKey = oddText.filter((s) => s.length > 0 && !/[/~]/.test(s));

/** A key no object of the schema declares. */
export function unknownKey(declared: readonly string[]): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.constantFrom('__proto__', 'constructor', 'id', '_etag', '_rid', 'factoryId', 'userId', 'roles', 'isAdmin'),
      fc.string({ minLength: 1, maxLength: 12 }).filter((s) => /^[A-Za-z_$][\w$]*$/.test(s))
    )
    .filter((key) => !declared.includes(key));
}
