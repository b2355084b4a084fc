import { z } from 'zod';
import { parseIsoDuration, addIsoDuration } from '../shared/domain/isoDuration';
import { problemContentType, problemDetails } from '../shared/http/problem';
import { ClockError, type LocalClock } from './clock';
import type { DevRequest, DevResponse, DevRouter } from './http/server';
import type { Scheduler } from './timers/scheduler';

const clockCommand = z.union([
  z.strictObject({
    advance: z.string().refine((v) => parseIsoDuration(v) !== undefined, 'an ISO 8601 duration such as P30D'),
  }),
  z.strictObject({ to: z.iso.datetime({ offset: true }) }),
]);

export function devProblem(status: number, detail: string, extra: Record<string, unknown> = {}): DevResponse {
  return { status, body: problemDetails(status, detail, extra), contentType: problemContentType };
}

/** The local-only `/api/_dev/...` endpoints: they exist on the local host, never in Azure. */
export function createDevRouter(clock: LocalClock, scheduler: Scheduler, more: readonly DevRouter[] = []): DevRouter {
  const clockState = () => ({ mode: clock.mode, now: clock.now().toISOString() });

  async function moveClock(request: DevRequest): Promise<DevResponse> {
    let json: unknown;
    try {
      json = JSON.parse(request.body.toString('utf8'));
    } catch {
      return devProblem(400, 'The body must be JSON: {"advance":"P30D"} or {"to":"2027-01-01T00:00:00Z"}.');
    }
    const parsed = clockCommand.safeParse(json);
    if (!parsed.success) {
      return devProblem(400, 'Give exactly one of "advance" (ISO 8601 duration) or "to" (ISO 8601 date-time).', {
        errors: parsed.error.issues.map((i) => ({ pointer: `/${i.path.join('/')}`, detail: i.message })),
      });
    }
    if (clock.mode !== 'virtual') {
      return devProblem(409, 'The clock is real; start the local host with --virtual-clock to move it.');
    }
    const command = parsed.data;
    const target =
      'advance' in command ? addIsoDuration(clock.now(), parseIsoDuration(command.advance)!) : new Date(command.to);
    try {
      if (target.getTime() < clock.now().getTime()) throw new ClockError('The clock only moves forward.');
      await scheduler.advanceTo(target);
    } catch (error) {
      if (error instanceof ClockError) return devProblem(409, `${error.message} It is ${clock.now().toISOString()}.`);
      throw error;
    }
    return { status: 200, body: clockState() };
  }

  const clockRouter: DevRouter = async (request) => {
    if (request.path !== 'clock') return undefined;
    if (request.method === 'GET') return { status: 200, body: clockState() };
    if (request.method === 'POST') return moveClock(request);
    return devProblem(405, `${request.method} is not allowed on /_dev/clock.`);
  };
  return async (request) => {
    for (const router of [clockRouter, ...more]) {
      const answer = await router(request);
      if (answer) return answer;
    }
    return undefined;
  };
}
