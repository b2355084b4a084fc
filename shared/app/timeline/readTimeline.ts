// Staff read a cycle's timeline: each milestone with its state (done with its date, due, scheduled with its
// due date, waiting for what, missed or not applicable and why), what is due next, what it waits for, and the
// orchestration's runtime status and custom status as the durable engine reports them.
import type { Principal } from '../../domain/access/roles';
import { NotFoundError } from '../../domain/errors';
import {
  cycleMilestoneRules,
  cycleMilestones,
  decideCycleTimeline,
  type CycleMilestone,
  type MilestoneState,
  type TimelineAwait,
} from '../../domain/timeline/cycleTimeline';
import { instanceIds, type DurableInstanceStatus } from '../../ports/cycleTimeline';
import type { Clock } from '../../ports/clock';
import type { DocumentStore } from '../../ports/documentStore';
import { loadFactoryFor } from '../factories/factoryStore';
import { actorOf } from '../users/userDirectory';
import { factsOfCycle } from './cycleFacts';

export interface TimelineMilestoneView {
  milestone: CycleMilestone;
  rule: string;
  state: MilestoneState['state'];
  /** When it was acted on (done). */
  at: string | null;
  /** When it is (or was) due. */
  dueAt: string | null;
  waitingFor: TimelineAwait | null;
  reason: string | null;
}

export interface CycleTimelineView {
  factoryId: string;
  cycleId: string;
  cycle: { startsOn: string; endsOn: string; activatedAt: string | null; overAt: string };
  milestones: TimelineMilestoneView[];
  next: { milestone: CycleMilestone; rule: string; dueAt: string } | null;
  waitingFor: TimelineAwait[];
  finished: boolean;
  orchestration: {
    instanceId: string;
    /** The engine's runtime status; `NotStarted` when it has no such instance, `Unavailable` when it cannot tell. */
    runtimeStatus: DurableInstanceStatus['runtimeStatus'] | 'NotStarted' | 'Unavailable';
    createdTime: string | null;
    lastUpdatedTime: string | null;
    /** What the orchestration said it waits for (its custom status), as it set it. */
    customStatus: unknown;
  };
}

function viewOf(milestone: CycleMilestone, state: MilestoneState): TimelineMilestoneView {
  return {
    milestone,
    rule: cycleMilestoneRules[milestone],
    state: state.state,
    at: state.state === 'done' ? state.at : null,
    dueAt: state.state === 'due' || state.state === 'scheduled' || state.state === 'missed' ? state.dueAt : null,
    waitingFor: state.state === 'waiting' ? state.for : null,
    reason: state.state === 'missed' || state.state === 'notApplicable' ? state.reason : null,
  };
}

/**
 * The timeline of a cycle, for staff who may read the factory's SLCP participation (404 for a factory they
 * have no relation to or a cycle it does not have). `status` reads the orchestration's state; when the engine
 * cannot be reached the timeline is still answered from the facts, with runtime status `Unavailable`.
 */
export async function readCycleTimeline(
  deps: { store: DocumentStore; clock: Clock },
  principal: Principal,
  factoryId: string,
  cycleId: string,
  status: (instanceId: string) => Promise<DurableInstanceStatus | undefined>,
  log?: (line: string) => void
): Promise<CycleTimelineView> {
  const actor = await actorOf(deps.store, principal);
  const loaded = await loadFactoryFor(deps.store, actor, factoryId, 'readSlcp');
  const now = deps.clock.now();
  const facts = await factsOfCycle(deps.store, loaded.doc, cycleId, now);
  if (!facts) throw new NotFoundError(`Factory ${factoryId} has no cycle ${cycleId}.`);
  const decision = decideCycleTimeline(facts, now);
  const instanceId = instanceIds.cycle(cycleId);
  let orchestration: CycleTimelineView['orchestration'];
  try {
    const found = await status(instanceId);
    orchestration = found
      ? {
          instanceId,
          runtimeStatus: found.runtimeStatus,
          createdTime: found.createdTime ?? null,
          lastUpdatedTime: found.lastUpdatedTime ?? null,
          customStatus: found.customStatus ?? null,
        }
      : { instanceId, runtimeStatus: 'NotStarted', createdTime: null, lastUpdatedTime: null, customStatus: null };
  } catch (error) {
    log?.(`the status of ${instanceId} could not be read: ${(error as Error)?.message ?? String(error)}`);
    orchestration = {
      instanceId,
      runtimeStatus: 'Unavailable',
      createdTime: null,
      lastUpdatedTime: null,
      customStatus: null,
    };
  }
  return {
    factoryId: loaded.doc.factoryId,
    cycleId,
    cycle: {
      startsOn: facts.startsOn,
      endsOn: facts.endsOn,
      activatedAt: facts.activatedAt,
      overAt: decision.cycleOverAt,
    },
    milestones: cycleMilestones.map((m) => viewOf(m, decision.states[m])),
    next: decision.next ? { ...decision.next, rule: cycleMilestoneRules[decision.next.milestone] } : null,
    waitingFor: decision.waitingFor,
    finished: decision.finished && decision.due.length === 0,
    orchestration,
  };
}
