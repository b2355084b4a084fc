// Azure Functions HTTP route templates (ASP.NET Core routing syntax): literal segments,
// `{name}`, optional `{name?}`, constrained `{name:int}`, catch-all `{*rest}`, and
// segments mixing literals and parameters such as `file.{ext}`.

export class RouteTemplateError extends Error {
  override name = 'RouteTemplateError';
}

type Constraint = { name: string; args: string[]; test: (value: string) => boolean };

interface ParamPart {
  kind: 'param';
  name: string;
  optional: boolean;
  catchAll: boolean;
  constraints: Constraint[];
}
interface LiteralPart {
  kind: 'literal';
  text: string;
}
type Part = ParamPart | LiteralPart;

interface Segment {
  parts: Part[];
  regex: RegExp;
  params: ParamPart[];
  /** Lower matches first: literal 1, mixed 2, constrained parameter 3, parameter 4, catch-all 5. */
  rank: number;
}

export interface CompiledRoute {
  template: string;
  segments: Segment[];
  paramNames: string[];
}

const int32 = (v: string) => /^-?\d{1,10}$/.test(v) && Math.abs(Number(v)) <= 2 ** 31 - (v.startsWith('-') ? 0 : 1);
const number = (v: string) => /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v);

const constraintFactories: Record<string, (args: string[]) => (value: string) => boolean> = {
  int: () => int32,
  long: () => (v) => /^-?\d{1,19}$/.test(v) && BigInt(v) <= 2n ** 63n - 1n && BigInt(v) >= -(2n ** 63n),
  bool: () => (v) => /^(true|false)$/i.test(v),
  guid: () => (v) => /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[)}]?$/i.test(v),
  alpha: () => (v) => /^[a-z]+$/i.test(v),
  decimal: () => number,
  double: () => number,
  float: () => number,
  datetime: () => (v) => !Number.isNaN(Date.parse(v)),
  min:
    ([min]) =>
    (v) =>
      /^-?\d+$/.test(v) && Number(v) >= Number(min),
  max:
    ([max]) =>
    (v) =>
      /^-?\d+$/.test(v) && Number(v) <= Number(max),
  range:
    ([min, max]) =>
    (v) =>
      /^-?\d+$/.test(v) && Number(v) >= Number(min) && Number(v) <= Number(max),
  length:
    ([a, b]) =>
    (v) =>
      b === undefined ? v.length === Number(a) : v.length >= Number(a) && v.length <= Number(b),
  minlength:
    ([min]) =>
    (v) =>
      v.length >= Number(min),
  maxlength:
    ([max]) =>
    (v) =>
      v.length <= Number(max),
  regex: ([pattern]) => {
    const re = new RegExp(pattern ?? '', 'i');
    return (v) => re.test(v);
  },
};
const argCounts: Record<string, number[]> = {
  min: [1],
  max: [1],
  range: [2],
  length: [1, 2],
  minlength: [1],
  maxlength: [1],
  regex: [1],
};

function parseConstraint(template: string, raw: string): Constraint {
  const match = /^([a-z]+)(?:\((.*)\))?$/i.exec(raw);
  const name = match?.[1]?.toLowerCase() ?? '';
  const factory = constraintFactories[name];
  if (!match || !factory) {
    throw new RouteTemplateError(
      `Route "${template}": unknown constraint "${raw}" (known: ${Object.keys(constraintFactories).join(', ')}).`
    );
  }
  const args =
    match[2] === undefined
      ? []
      : name === 'regex'
        ? [match[2].replace(/\{\{/g, '{').replace(/\}\}/g, '}')]
        : match[2].split(',').map((a) => a.trim());
  const expected = argCounts[name] ?? [0];
  if (!expected.includes(args.length)) {
    throw new RouteTemplateError(
      `Route "${template}": constraint "${raw}" takes ${expected.join(' or ')} argument(s).`
    );
  }
  return { name, args, test: factory(args) };
}

function parseParam(template: string, body: string): ParamPart {
  let text = body;
  const catchAll = text.startsWith('*');
  if (catchAll) text = text.replace(/^\*+/, '');
  const optional = text.endsWith('?');
  if (optional) text = text.slice(0, -1);
  const [name = '', ...rawConstraints] = splitConstraints(text);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new RouteTemplateError(`Route "${template}": "{${body}}" is not a valid parameter name.`);
  }
  return {
    kind: 'param',
    name,
    optional,
    catchAll,
    constraints: rawConstraints.map((c) => parseConstraint(template, c)),
  };
}

/** Splits `id:int:regex(a:b)` on the colons that are outside parentheses. */
function splitConstraints(text: string): string[] {
  const pieces: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ':' && depth === 0) {
      pieces.push(current);
      current = '';
    } else current += char;
  }
  pieces.push(current);
  return pieces;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function parseSegment(template: string, raw: string): Segment {
  const parts: Part[] = [];
  let rest = raw;
  while (rest.length > 0) {
    const open = rest.indexOf('{');
    if (open < 0) {
      if (rest.includes('}')) throw new RouteTemplateError(`Route "${template}": unbalanced "}" in "${raw}".`);
      parts.push({ kind: 'literal', text: rest });
      break;
    }
    if (open > 0) parts.push({ kind: 'literal', text: rest.slice(0, open) });
    let depth = 0;
    let close = -1;
    for (let i = open; i < rest.length; i++) {
      if (rest[i] === '{') depth++;
      if (rest[i] === '}' && --depth === 0) {
        close = i;
        break;
      }
    }
    if (close < 0) throw new RouteTemplateError(`Route "${template}": unbalanced "{" in "${raw}".`);
    parts.push(parseParam(template, rest.slice(open + 1, close)));
    rest = rest.slice(close + 1);
  }
  const params = parts.filter((p): p is ParamPart => p.kind === 'param');
  for (let i = 1; i < parts.length; i++) {
    if (parts[i]?.kind === 'param' && parts[i - 1]?.kind === 'param') {
      throw new RouteTemplateError(`Route "${template}": two parameters in "${raw}" need a literal between them.`);
    }
  }
  if (parts.length > 1 && params.some((p) => p.optional || p.catchAll)) {
    throw new RouteTemplateError(
      `Route "${template}": optional and catch-all parameters must fill a whole segment ("${raw}").`
    );
  }
  const pattern = parts
    .map((p) => (p.kind === 'literal' ? escapeRegex(p.text) : p.catchAll ? '(.*)' : '(.+?)'))
    .join('');
  const only = params.length === 1 && parts.length === 1 ? params[0] : undefined;
  const rank =
    params.length === 0 ? 1 : !only ? 2 : only.catchAll ? 5 : only.constraints.length > 0 ? 3 : only.optional ? 4.5 : 4;
  return { parts, params, regex: new RegExp(`^${pattern}$`, 'i'), rank };
}

export function compileRouteTemplate(template: string): CompiledRoute {
  const trimmed = template.replace(/^\/+|\/+$/g, '');
  if (trimmed.includes('//')) throw new RouteTemplateError(`Route "${template}": empty segment.`);
  const segments = trimmed === '' ? [] : trimmed.split('/').map((raw) => parseSegment(template, raw));
  const paramNames: string[] = [];
  segments.forEach((segment, index) => {
    for (const param of segment.params) {
      if (paramNames.some((n) => n.toLowerCase() === param.name.toLowerCase())) {
        throw new RouteTemplateError(`Route "${template}": parameter "${param.name}" appears twice.`);
      }
      paramNames.push(param.name);
      const isLast = index === segments.length - 1;
      if (param.catchAll && !isLast) {
        throw new RouteTemplateError(`Route "${template}": the catch-all "{*${param.name}}" must be the last segment.`);
      }
      if (param.optional && !segments.slice(index + 1).every((s) => s.params.some((p) => p.optional || p.catchAll))) {
        throw new RouteTemplateError(
          `Route "${template}": optional "{${param.name}?}" may only be followed by optional segments.`
        );
      }
    }
  });
  return { template, segments, paramNames };
}

/** Matches decoded path segments; returns the parameters, or undefined when the route does not match. */
export function matchRoute(route: CompiledRoute, pathSegments: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const segment = route.segments[i]!;
    const catchAll = segment.params.find((p) => p.catchAll);
    if (catchAll) {
      const rest = pathSegments.slice(i).join('/');
      if (rest !== '' && !catchAll.constraints.every((c) => c.test(rest))) return undefined;
      if (rest !== '') params[catchAll.name] = rest;
      return params;
    }
    const value = pathSegments[i];
    if (value === undefined) {
      if (segment.params.length === 1 && segment.params[0]!.optional) continue;
      return undefined;
    }
    const match = segment.regex.exec(value);
    if (!match) return undefined;
    for (let p = 0; p < segment.params.length; p++) {
      const param = segment.params[p]!;
      const captured = match[p + 1] ?? '';
      if (!param.constraints.every((c) => c.test(captured))) return undefined;
      params[param.name] = captured;
    }
  }
  return pathSegments.length <= route.segments.length ? params : undefined;
}

/** Orders routes the way ASP.NET Core does: literal segments before parameters, constrained before free. */
export function compareRoutePrecedence(a: CompiledRoute, b: CompiledRoute): number {
  const length = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const rankA = a.segments[i]?.rank ?? 0;
    const rankB = b.segments[i]?.rank ?? 0;
    if (rankA !== rankB) return rankA - rankB;
  }
  return 0;
}
