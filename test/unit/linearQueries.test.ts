// The local Cosmos server's query engine, made to append in place (local/cosmos/linearQueries.ts): the code it
// generates no longer copies the documents gathered so far for each document, and every kind of query gives
// exactly what the unpatched engine gives (FROM, JOIN, EXISTS, VALUE, aggregates, ORDER BY, TOP, paging).
import { createRequire } from 'node:module';
import type shipped from '@zeit/cosmosdb-query';
import { appendInPlace, linearQueries } from '../../local/cosmos/linearQueries';

type Engine = typeof shipped;

/** The engine as shipped: a copy of its modules of its own, which the patch below does not reach. */
let reference: Engine = undefined as unknown as Engine;
jest.isolateModules(() => {
  reference = (jest.requireActual('@zeit/cosmosdb-query') as { default: Engine }).default;
});

/** The engine as the server loads it (Node's own module cache, which linearQueries patches). */
function serverEngine(): Engine {
  const fromServer = createRequire(require.resolve('@vercel/cosmosdb-server'));
  return (fromServer('@zeit/cosmosdb-query') as { default: Engine }).default;
}

const documents = Array.from({ length: 300 }, (_, i) => ({
  id: `doc-${i}`,
  _rid: `rid-${String(i).padStart(4, '0')}`,
  type: i % 3 === 0 ? 'outbox' : 'audit',
  status: i % 6 === 0 ? 'pending' : 'delivered',
  nextAttemptAt: `2030-01-${String(1 + (i % 28)).padStart(2, '0')}`,
  countryCode: i % 2 === 0 ? 'BD' : 'VN',
  cycles: Array.from({ length: i % 4 }, (_, k) => ({ cycleId: `C${k}`, endsOn: `2030-0${1 + k}-01` })),
  ...(i % 5 === 0 ? {} : { name: `Factory ${299 - i}` }),
}));

const queries: { query: string; parameters?: { name: string; value: string }[]; maxItemCount?: number }[] = [
  {
    query: "SELECT * FROM c WHERE c.type = 'outbox' AND c.status = 'pending' AND c.nextAttemptAt <= @now",
    parameters: [{ name: '@now', value: '2030-01-15' }],
  },
  {
    query: 'SELECT c.id, cy.cycleId FROM c JOIN cy IN c.cycles WHERE cy.endsOn >= @day',
    parameters: [{ name: '@day', value: '2030-02-01' }],
  },
  { query: "SELECT * FROM c WHERE EXISTS(SELECT VALUE cy FROM cy IN c.cycles WHERE cy.cycleId = 'C2')" },
  { query: 'SELECT VALUE c.id FROM c WHERE c.countryCode = @pk', parameters: [{ name: '@pk', value: 'VN' }] },
  { query: 'SELECT VALUE COUNT(1) FROM c WHERE c.type = @type', parameters: [{ name: '@type', value: 'audit' }] },
  { query: 'SELECT TOP 7 c.id, c.name FROM c WHERE IS_DEFINED(c.name) ORDER BY c.name DESC' },
  { query: 'SELECT c.id FROM c ORDER BY c.nextAttemptAt', maxItemCount: 25 },
];

describe('the local Cosmos server queries in linear time', () => {
  it('rewrites every `[...$, x]` of a tree into `($.push(x), $)`, and nothing else', () => {
    const other = {
      type: 'ArrayExpression',
      elements: [{ type: 'SpreadElement', argument: { type: 'Identifier', name: 'x' } }],
    };
    const tree = {
      type: 'CallExpression',
      arguments: [
        {
          type: 'ArrayExpression',
          elements: [
            { type: 'SpreadElement', argument: { type: 'Identifier', name: '$' } },
            { type: 'Identifier', name: 'c' },
          ],
        },
        other,
      ],
    };
    appendInPlace(tree);
    expect(tree.arguments[0]).toEqual({
      type: 'SequenceExpression',
      expressions: [
        {
          type: 'CallExpression',
          callee: {
            type: 'MemberExpression',
            object: { type: 'Identifier', name: '$' },
            property: { type: 'Identifier', name: 'push' },
            computed: false,
          },
          arguments: [{ type: 'Identifier', name: 'c' }],
        },
        { type: 'Identifier', name: '$' },
      ],
    });
    expect(tree.arguments[1]).toBe(other);
    expect(other.elements).toHaveLength(1);
  });

  it('gives the same results as the engine as shipped, page by page, without copying what it gathered', () => {
    linearQueries();
    linearQueries(); // idempotent
    const patched = serverEngine();
    expect(reference(queries[0]!.query).code).toMatch(/\[\.\.\.\$, /);
    for (const { query, parameters, maxItemCount } of queries) {
      expect(patched(query).code).not.toMatch(/\[\.\.\.\$, /);
      let continuation: { token: string } | undefined;
      let pages = 0;
      do {
        const options = { parameters, maxItemCount, continuation };
        const expected = reference(query).exec(documents, options);
        const got = patched(query).exec(documents, options);
        expect({ query, page: pages, got }).toEqual({ query, page: pages, got: expected });
        continuation = expected.continuation ?? undefined;
        pages++;
      } while (continuation && pages < 50);
    }
  });
});
