// The daily safety net of the timelines (not their main path): every activated cycle whose timeline is not
// over has a live instance (a missing, failed or terminated one is started again), and a cycle with a
// milestone overdue (due, not acted on) is woken so it re-reads its facts now. Facts live in Cosmos first,
// so this catches up with signals that were lost while the durable engine was down.
import { utcDay } from '../../domain/countryProgrammes';
import { subtractRuleDuration } from '../../domain/durations';
import type { FactoryDocument } from '../../domain/factory/factory';
import { decideCycleTimeline } from '../../domain/timeline/cycleTimeline';
import { instanceIds, type DurableTimelines } from '../../ports/cycleTimeline';
import type { DocumentStore } from '../../ports/documentStore';
import type { Clock } from '../../ports/clock';
import { factsOfCycle } from './cycleFacts';

export interface ReconcileDeps {
  store: DocumentStore;
  clock: Clock;
  /**
   * With `liveInstanceIds`, one listing of the live instances replaces a status call per open cycle: only
   * cycles without a live instance are started (ensureCycleTimeline checks once more before starting).
   */
  timelines: Pick<DurableTimelines, 'ensureCycleTimeline' | 'signalCycle'> &
    Partial<Pick<DurableTimelines, 'liveInstanceIds'>>;
  /** One line per cycle that could not be reconciled (ids and reasons only). */
  log?: (line: string) => void;
  /** How many cycles are reconciled at once. */
  concurrency?: number;
}

export interface ReconcileRun {
  /** Activated cycles whose timeline is not over. */
  open: number;
  /** Instances started (missing, failed or terminated before). */
  started: number;
  /** Running instances woken because a milestone was overdue. */
  woken: number;
  failed: number;
}

/**
 * The query bound for releases: a cycle released before this has nothing left on the clock (its last
 * milestones, validation and the Progress Report 1 reminder, fall within this after the release).
 */
export function releasedSince(now: Date): string {
  const bounds = [subtractRuleDuration(now, 'progressReportDue'), subtractRuleDuration(now, 'validationDelay')];
  return new Date(Math.min(...bounds.map((d) => d.getTime()))).toISOString();
}

/**
 * The factories with an activated cycle that may still have something ahead: running (not ended), assessed
 * but not released, released recently, or handed to the transmission without sharing enabled yet. One query
 * across partitions (a background job); the timeline's own rule then decides exactly.
 */
export async function openCycleCandidates(store: DocumentStore, now: Date): Promise<FactoryDocument[]> {
  return store.queryAcrossPartitions<FactoryDocument>('factories', {
    query:
      "SELECT * FROM c WHERE c.type = 'factory' AND EXISTS(SELECT VALUE cy FROM cy IN c.cycles WHERE " +
      'IS_DEFINED(cy.activatedAt) AND (cy.endsOn >= @today ' +
      'OR (IS_DEFINED(cy.assessment) AND NOT IS_DEFINED(cy.report)) ' +
      'OR (IS_DEFINED(cy.report) AND cy.report.releasedAt >= @releasedSince) ' +
      'OR (IS_DEFINED(cy.readyToTransmitAt) AND NOT IS_DEFINED(cy.sharingEnabledAt))))',
    parameters: [
      { name: '@today', value: utcDay(now) },
      { name: '@releasedSince', value: releasedSince(now) },
    ],
  });
}

export async function reconcileTimelines(deps: ReconcileDeps): Promise<ReconcileRun> {
  const run: ReconcileRun = { open: 0, started: 0, woken: 0, failed: 0 };
  const now = deps.clock.now();
  const factories = (await openCycleCandidates(deps.store, now)).sort((a, b) => a.factoryId.localeCompare(b.factoryId));
  const work = factories.flatMap((factory) =>
    factory.cycles
      .filter((cycle) => cycle.activatedAt !== undefined)
      .map((cycle) => ({ factory, cycleId: cycle.cycleId }))
  );
  const live = work.length > 0 ? await deps.timelines.liveInstanceIds?.() : undefined;
  let index = 0;
  const worker = async () => {
    while (index < work.length) {
      const { factory, cycleId } = work[index++]!;
      try {
        const facts = await factsOfCycle(deps.store, factory, cycleId, now);
        if (!facts) continue;
        const decision = decideCycleTimeline(facts, now);
        if (decision.finished && decision.due.length === 0) continue;
        run.open++;
        const ensured = live?.has(instanceIds.cycle(cycleId))
          ? { started: false }
          : await deps.timelines.ensureCycleTimeline({ factoryId: factory.factoryId, cycleId });
        if (ensured.started) {
          run.started++;
        } else if (decision.due.length > 0) {
          await deps.timelines.signalCycle(cycleId, 'cycleChanged');
          run.woken++;
        }
      } catch (error) {
        run.failed++;
        deps.log?.(`timeline reconciliation of ${cycleId} failed: ${(error as Error)?.message ?? String(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency ?? 8) }, worker));
  return run;
}
