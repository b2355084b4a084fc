// Local-only: POST /api/_dev/restart {"service": "azurite" | "cosmos" | "mail"} restarts one child server of the
// running host as an operator would: stopped the way Ctrl-C stops it (Azurite saves its metadata, the Cosmos
// server flushes its journal), then started again on the same port and data. Whatever runs meanwhile meets the
// outage (the fault tests). Answers when the server is back, with how long it was away. Not in Azure.
import { z } from 'zod';
import { devProblem } from '../devRoutes';
import type { DevRouter } from '../http/server';
import type { ChildService } from './childService';

const restartCommand = z.strictObject({ service: z.enum(['azurite', 'cosmos', 'mail']) });

export function createRestartDevRouter(
  services: Record<z.infer<typeof restartCommand>['service'], ChildService>,
  log: (line: string) => void
): DevRouter {
  let restarting = false;
  return async (request) => {
    if (request.path !== 'restart') return undefined;
    if (request.method !== 'POST') return devProblem(405, `${request.method} is not allowed on /_dev/restart.`);
    let parsed: z.ZodSafeParseResult<z.infer<typeof restartCommand>>;
    try {
      parsed = restartCommand.safeParse(JSON.parse(request.body.toString('utf8')));
    } catch {
      parsed = restartCommand.safeParse(undefined);
    }
    if (!parsed.success) return devProblem(400, 'Give {"service": "azurite" | "cosmos" | "mail"}.');
    if (restarting) return devProblem(409, 'A restart is under way.');
    restarting = true;
    const child = services[parsed.data.service];
    const began = Date.now();
    try {
      log(`restart of ${child.spec.name} asked: stopping it`);
      await child.stop();
      const stoppedMs = Date.now() - began;
      await child.start();
      log(`${child.spec.name} is back`);
      return { status: 200, body: { service: parsed.data.service, stoppedMs, awayMs: Date.now() - began } };
    } finally {
      restarting = false;
    }
  };
}
