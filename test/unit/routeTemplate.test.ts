import { compileRouteTemplate, matchRoute, RouteTemplateError } from '../../local/http/routeTemplate';
import { HttpRouteTable } from '../../local/http/httpTriggers';
import type { RegisteredFunction } from '../../local/core/registry';

const segments = (path: string) => path.split('/').filter(Boolean);
const match = (template: string, path: string) => matchRoute(compileRouteTemplate(template), segments(path));

describe('route templates (ASP.NET Core syntax of Azure Functions routes)', () => {
  it('matches literal segments case-insensitively', () => {
    expect(match('factories/summary', 'Factories/SUMMARY')).toEqual({});
    expect(match('factories/summary', 'factories/other')).toBeUndefined();
    expect(match('factories/summary', 'factories/summary/extra')).toBeUndefined();
  });

  it('captures {param} segments', () => {
    expect(match('factories/{factoryId}/profile', 'factories/f-12/profile')).toEqual({ factoryId: 'f-12' });
  });

  it('makes {param?} optional at the end', () => {
    const route = 'reports/{year?}';
    expect(match(route, 'reports')).toEqual({});
    expect(match(route, 'reports/2026')).toEqual({ year: '2026' });
  });

  it('applies typed constraints such as {id:int}, {id:guid}, {flag:bool}, {name:alpha}', () => {
    expect(match('items/{id:int}', 'items/42')).toEqual({ id: '42' });
    expect(match('items/{id:int}', 'items/-7')).toEqual({ id: '-7' });
    expect(match('items/{id:int}', 'items/4x')).toBeUndefined();
    expect(match('items/{id:int}', 'items/99999999999')).toBeUndefined();
    expect(match('items/{id:long}', 'items/99999999999')).toEqual({ id: '99999999999' });
    expect(match('items/{id:guid}', 'items/3f2504e0-4f89-11d3-9a0c-0305e82c3301')).toBeDefined();
    expect(match('items/{id:guid}', 'items/nope')).toBeUndefined();
    expect(match('items/{flag:bool}', 'items/TRUE')).toEqual({ flag: 'TRUE' });
    expect(match('items/{name:alpha}', 'items/abc1')).toBeUndefined();
    expect(match('items/{n:int:min(10)}', 'items/9')).toBeUndefined();
    expect(match('items/{n:int:range(1,5)}', 'items/5')).toEqual({ n: '5' });
    expect(match('items/{code:length(3)}', 'items/abcd')).toBeUndefined();
    expect(match('items/{code:regex(^[A-Z]{{2}}$)}', 'items/BD')).toEqual({ code: 'BD' });
  });

  it('supports optional typed parameters {id:int?}', () => {
    expect(match('cycles/{n:int?}', 'cycles')).toEqual({});
    expect(match('cycles/{n:int?}', 'cycles/3')).toEqual({ n: '3' });
    expect(match('cycles/{n:int?}', 'cycles/x')).toBeUndefined();
  });

  it('supports catch-all {*rest} and mixed segments such as file.{ext}', () => {
    expect(match('files/{*path}', 'files/a/b/c.pdf')).toEqual({ path: 'a/b/c.pdf' });
    expect(match('files/{*path}', 'files')).toEqual({});
    expect(match('docs/report.{ext}', 'docs/report.pdf')).toEqual({ ext: 'pdf' });
  });

  it('rejects templates the Functions host would reject, with a clear message', () => {
    expect(() => compileRouteTemplate('a/{id:unknown}')).toThrow(/unknown constraint "unknown"/);
    expect(() => compileRouteTemplate('a/{id?}/b')).toThrow(/only be followed by optional/);
    expect(() => compileRouteTemplate('a/{*rest}/b')).toThrow(/must be the last segment/);
    expect(() => compileRouteTemplate('a/{id}/{id}')).toThrow(/appears twice/);
    expect(() => compileRouteTemplate('a/{id')).toThrow(RouteTemplateError);
    expect(() => compileRouteTemplate('a/{x}{y}')).toThrow(/literal between them/);
  });
});

describe('route table', () => {
  const fn = (name: string, route: string, methods: string[]): RegisteredFunction => ({
    name,
    metadata: { name, bindings: {} },
    callback: () => undefined,
    triggerName: 'request',
    trigger: { type: 'httpTrigger', route, methods },
  });

  it('prefers literal segments over parameters whatever the registration order', () => {
    const table = new HttpRouteTable([fn('byId', 'items/{id}', ['GET']), fn('special', 'items/special', ['GET'])]);
    const lookup = table.lookup('GET', ['items', 'special']);
    expect(lookup.kind === 'match' && lookup.route.fn.name).toBe('special');
    const other = table.lookup('GET', ['items', '7']);
    expect(other.kind === 'match' && other.route.fn.name).toBe('byId');
  });

  it('prefers constrained parameters over free ones', () => {
    const table = new HttpRouteTable([fn('byName', 'items/{name}', ['GET']), fn('byNumber', 'items/{n:int}', ['GET'])]);
    const lookup = table.lookup('GET', ['items', '12']);
    expect(lookup.kind === 'match' && lookup.route.fn.name).toBe('byNumber');
  });

  it('tells a wrong method (405 with the allowed ones) from an unknown route (404)', () => {
    const table = new HttpRouteTable([fn('read', 'things', ['GET']), fn('write', 'things', ['POST', 'PUT'])]);
    expect(table.lookup('DELETE', ['things'])).toEqual({ kind: 'wrongMethod', allowed: ['GET', 'POST', 'PUT'] });
    expect(table.lookup('GET', ['nothing'])).toEqual({ kind: 'none' });
  });
});
