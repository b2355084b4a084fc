// The local Cosmos server's query engine (@zeit/cosmosdb-query, under @vercel/cosmosdb-server) compiles a
// query's FROM and JOINs into `collection.reduce(($, c) => [...$, { c }], [])`, which copies the array built
// so far for every document: a query over a container of n documents costs O(n²) (20,000 documents: about
// 0.8 s, for every run of the per-minute outbox). `linearQueries()` makes the generated code append in place
// instead, `($.push({ c }), $)`: the same results, in O(n). It rewrites the syntax tree the engine prints its
// JavaScript from, so nothing else of the engine changes. Local only: Azure Cosmos DB has indexes.
import { createRequire } from 'node:module';

interface SyntaxNode {
  type: string;
  [key: string]: unknown;
}

function isNode(value: unknown): value is SyntaxNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

const accumulator = () => ({ type: 'Identifier', name: '$' });

/**
 * Every `[...$, x]` of the tree (the accumulator of a generated reduce, `$`, and what it appends) becomes
 * `($.push(x), $)`, in place. The reduce starts from a fresh `[]`, so appending to it is safe.
 */
export function appendInPlace(tree: unknown): void {
  const stack: unknown[] = [tree];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      stack.push(...value);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    const node = value as SyntaxNode;
    const elements = node.type === 'ArrayExpression' ? (node.elements as unknown[]) : undefined;
    const first = elements?.[0];
    if (
      elements &&
      elements.length >= 2 &&
      isNode(first) &&
      first.type === 'SpreadElement' &&
      isNode(first.argument) &&
      first.argument.type === 'Identifier' &&
      first.argument.name === '$'
    ) {
      const appended = elements.slice(1);
      for (const key of Object.keys(node)) delete node[key];
      Object.assign(node, {
        type: 'SequenceExpression',
        expressions: [
          {
            type: 'CallExpression',
            callee: {
              type: 'MemberExpression',
              object: accumulator(),
              property: { type: 'Identifier', name: 'push' },
              computed: false,
            },
            arguments: appended,
          },
          accumulator(),
        ],
      });
      stack.push(appended);
      continue;
    }
    for (const child of Object.values(node)) if (typeof child === 'object' && child !== null) stack.push(child);
  }
}

interface QueryObject {
  ast: unknown;
  _code: string | null;
}

let installed = false;

/** Makes the local Cosmos server's queries linear in the documents they scan (see above); idempotent. */
export function linearQueries(): void {
  if (installed) return;
  // The engine the server itself loads, and the transformer and printer that engine uses.
  const fromServer = createRequire(require.resolve('@vercel/cosmosdb-server'));
  const fromEngine = createRequire(fromServer.resolve('@zeit/cosmosdb-query'));
  const engine = fromEngine('./index') as { default: (query: string) => object };
  const transformer = fromEngine('./transformer') as { default: (ast: unknown) => unknown };
  const generator = fromEngine('@babel/generator') as { default: (tree: unknown) => { code: string } };
  const prototype = Object.getPrototypeOf(engine.default('SELECT * FROM c')) as object;
  Object.defineProperty(prototype, 'code', {
    configurable: true,
    get(this: QueryObject): string {
      if (!this._code) {
        const tree = transformer.default(this.ast);
        appendInPlace(tree);
        this._code = generator.default(tree).code;
      }
      return this._code;
    },
  });
  installed = true;
}
