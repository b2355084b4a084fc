import type { RegisteredFunction } from '../core/registry';
import { compareRoutePrecedence, compileRouteTemplate, matchRoute, type CompiledRoute } from './routeTemplate';

const knownMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT'];

export interface HttpRoute {
  fn: RegisteredFunction;
  route: CompiledRoute;
  /** Upper-case methods; empty means every method. */
  methods: Set<string>;
}

export type RouteLookup =
  | { kind: 'match'; route: HttpRoute; params: Record<string, string> }
  | { kind: 'wrongMethod'; allowed: string[] }
  | { kind: 'none' };

function routeOf(fn: RegisteredFunction): HttpRoute {
  const template = typeof fn.trigger['route'] === 'string' ? fn.trigger['route'] : fn.name;
  const rawMethods = Array.isArray(fn.trigger['methods']) ? (fn.trigger['methods'] as unknown[]) : [];
  const methods = new Set(rawMethods.map((m) => String(m).toUpperCase()));
  for (const method of methods) {
    if (!knownMethods.includes(method)) throw new Error(`Function "${fn.name}" lists unknown HTTP method "${method}".`);
  }
  return { fn, route: compileRouteTemplate(template), methods };
}

export function validateHttpTrigger(fn: RegisteredFunction): void {
  routeOf(fn);
}

/** The HTTP-triggered functions of the app, ordered by route precedence. */
export class HttpRouteTable {
  readonly routes: HttpRoute[];

  constructor(functions: RegisteredFunction[]) {
    this.routes = functions.map(routeOf).sort((a, b) => compareRoutePrecedence(a.route, b.route));
  }

  lookup(method: string, pathSegments: readonly string[]): RouteLookup {
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const params = matchRoute(route.route, pathSegments);
      if (!params) continue;
      if (route.methods.size === 0 || route.methods.has(method)) return { kind: 'match', route, params };
      for (const m of route.methods) allowed.add(m);
    }
    return allowed.size > 0 ? { kind: 'wrongMethod', allowed: [...allowed].sort() } : { kind: 'none' };
  }
}
