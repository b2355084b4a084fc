// Local-only: GET /api/_dev/durable (the engine's counters) and GET /api/_dev/durable/{instanceId} (an
// instance's executions, longest history and pending work), for people and benchmarks. Not in Azure.

import { devProblem } from '../devRoutes';
import type { DevRouter } from '../http/server';
import type { DurableEngine } from './engine';
import { runtimeStatusOf } from './instance';

export function createDurableDevRouter(engine: () => DurableEngine | undefined): DevRouter {
  return async (request) => {
    const [head, ...rest] = request.path.split('/');
    if (head !== 'durable') return undefined;
    if (request.method !== 'GET') return devProblem(405, `${request.method} is not allowed on /_dev/durable.`);
    const durable = engine();
    if (!durable) return devProblem(503, 'The durable engine has not started.');
    if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) {
      return {
        status: 200,
        body: { taskHub: durable.taskHub, store: durable.storeDescription, ...durable.metrics() },
      };
    }
    const instanceId = rest.join('/');
    const doc = await durable.get(instanceId);
    if (!doc) return devProblem(404, `No instance with ID '${instanceId}' found.`);
    return {
      status: 200,
      body: {
        instanceId,
        name: doc.name,
        runtimeStatus: runtimeStatusOf(doc),
        executions: doc.executions ?? 1,
        historyEvents: doc.history.length,
        largestHistory: doc.largestHistory ?? doc.history.length,
        pending: {
          activities: doc.pending.activities.length,
          timers: doc.pending.timers.map((t) => t.fireAt),
          subOrchestrations: doc.pending.subOrchestrations.length,
          inbox: doc.inbox.length,
        },
      },
    };
  };
}
