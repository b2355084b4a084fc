// R9: after "Connect with SLCP" the Gateway approves the registration within three days
// (`gatewayApprovalWait`). The orchestration `gatewayApproval` waits for the approval; each time another
// `gatewayApprovalWait` passes without it, it acts: it chases the factory manager and Better Work staff
// (`gatewayApprovalChases` times), then escalates to staff and stops waiting. It stops as soon as the facts
// show the factory connected, rejected, or no registration under way. The wait is about one hand-off (the
// `jti` the Gateway's callbacks carry): a new "Connect with SLCP" starts the count again. Pure.
import { addRuleDuration } from '../durations';
import type { FactoryDocument } from '../factory/factory';
import { wakeAt } from './waits';

/** How many times a late approval is chased before staff are told to take it up themselves. */
export const gatewayApprovalChases = 2;

export interface GatewayApprovalFacts {
  factoryId: string;
  countryCode: string;
  status: FactoryDocument['gateway']['status'];
  /** The hand-off under way (its `jti`), if any. */
  handOff: string | null;
  /** The factory's `milestones` markers. */
  milestones: Record<string, string>;
}

export function gatewayApprovalFacts(factory: FactoryDocument): GatewayApprovalFacts {
  return {
    factoryId: factory.factoryId,
    countryCode: factory.countryCode,
    status: factory.gateway.status,
    handOff: factory.gateway.stateJti ?? null,
    milestones: { ...(factory.milestones ?? {}) },
  };
}

/** The n-th chase (1-based), or the escalation after the last chase. */
export type GatewayApprovalStep = { kind: 'chase'; number: number } | { kind: 'escalation' };

/** The marker of a step of the wait for one hand-off, in the factory's `milestones`. */
export function gatewayApprovalStepKey(step: GatewayApprovalStep, handOff: string): string {
  return step.kind === 'chase'
    ? `gatewayApprovalChase${step.number}:${handOff}`
    : `gatewayApprovalEscalation:${handOff}`;
}

/** R9: when each step is due for a wait that started at `since`: one `gatewayApprovalWait` after another. */
export function gatewayApprovalSchedule(since: Date): { step: GatewayApprovalStep; dueAt: string }[] {
  const steps: GatewayApprovalStep[] = [
    ...Array.from({ length: gatewayApprovalChases }, (_, i): GatewayApprovalStep => ({ kind: 'chase', number: i + 1 })),
    { kind: 'escalation' },
  ];
  let at = since;
  return steps.map((step) => {
    at = addRuleDuration(at, 'gatewayApprovalWait');
    return { step, dueAt: at.toISOString() };
  });
}

export interface GatewayApprovalDecision {
  /** `waiting` while a registration awaits approval; otherwise why the wait is over. */
  outcome: 'waiting' | 'connected' | 'rejected' | 'noRegistration' | 'escalated';
  /** The steps due now, in order (at most the chases not yet done and the escalation). */
  due: GatewayApprovalStep[];
  next: { step: GatewayApprovalStep; dueAt: string } | null;
  /** The wait is over once the due steps are done. */
  finished: boolean;
  wakeAt: string | null;
}

/** What the approval wait for `handOff`, started at `since`, does at `now`. */
export function decideGatewayApproval(
  facts: GatewayApprovalFacts,
  wait: { handOff: string; since: string },
  now: Date
): GatewayApprovalDecision {
  const over = (outcome: GatewayApprovalDecision['outcome']): GatewayApprovalDecision => ({
    outcome,
    due: [],
    next: null,
    finished: true,
    wakeAt: null,
  });
  if (facts.status === 'connected') return over('connected');
  if (facts.status === 'rejected') return over('rejected');
  if (facts.status === 'notConnected' || facts.handOff === null || facts.handOff !== wait.handOff) {
    return over('noRegistration');
  }
  const schedule = gatewayApprovalSchedule(new Date(wait.since));
  const done = (step: GatewayApprovalStep) =>
    facts.milestones[gatewayApprovalStepKey(step, wait.handOff)] !== undefined;
  if (done({ kind: 'escalation' })) return over('escalated');
  // Only the steps after the last one acted on remain; of those due now, only the latest is acted on (a
  // chase missed while nothing ran is not sent late, next to a later one).
  let lastDone = -1;
  schedule.forEach(({ step }, index) => {
    if (done(step)) lastDone = index;
  });
  const remaining = schedule.slice(lastDone + 1);
  const dueNow = remaining.filter(({ dueAt }) => new Date(dueAt).getTime() <= now.getTime());
  const latestDue = dueNow[dueNow.length - 1];
  const next = remaining.find(({ dueAt }) => new Date(dueAt).getTime() > now.getTime()) ?? null;
  const escalating = latestDue?.step.kind === 'escalation';
  return {
    outcome: escalating ? 'escalated' : 'waiting',
    due: latestDue ? [latestDue.step] : [],
    next,
    finished: escalating,
    wakeAt: escalating ? null : wakeAt(now, [next?.dueAt]).toISOString(),
  };
}

/** Whether `step` is due at `now` for the wait: what the chase activity checks before it acts. */
export function gatewayApprovalStepDue(
  facts: GatewayApprovalFacts,
  wait: { handOff: string; since: string },
  step: GatewayApprovalStep,
  now: Date
): boolean {
  return decideGatewayApproval(facts, wait, now).due.some(
    (due) => gatewayApprovalStepKey(due, wait.handOff) === gatewayApprovalStepKey(step, wait.handOff)
  );
}
