// The facts of a cycle's timeline as stored: the factory (one point read), the cycle's self-assessment (one
// point read, only when its submission can matter, R17) and the country programme's launch (cached).
import type { CommonSettings } from '../../config/settings';
import { isSlcpLaunched } from '../../domain/countryProgrammes';
import { NotFoundError } from '../../domain/errors';
import { countryOfFactoryId, factoryIdPattern, type FactoryDocument } from '../../domain/factory/factory';
import type { SelfAssessmentDocument } from '../../domain/selfAssessment/selfAssessment';
import { selfAssessmentIdOf } from '../../domain/selfAssessment/selfAssessment';
import {
  cycleTimelineFacts,
  needsSelfAssessmentFact,
  type CycleTimelineFacts,
} from '../../domain/timeline/cycleTimeline';
import type { Clock } from '../../ports/clock';
import type { DocumentStore, Versioned } from '../../ports/documentStore';
import type { Metrics } from '../../ports/metrics';
import { loadCountryProgramme } from '../enrolment/countryProgrammes';
import type { CycleRef } from './activities';

export interface TimelineDeps {
  store: DocumentStore;
  clock: Clock;
  settings: Pick<CommonSettings, 'portalBaseUrl'>;
  /** Custom metrics (reminders sent, overdue releases); none when absent. */
  metrics?: Metrics;
}

/** The factory as stored, or undefined (the timeline of a factory that is gone has nothing to do). */
export async function readFactory(
  store: DocumentStore,
  factoryId: string
): Promise<Versioned<FactoryDocument> | undefined> {
  if (!factoryIdPattern.test(factoryId)) return undefined;
  const loaded = await store.read<FactoryDocument>('factories', countryOfFactoryId(factoryId), factoryId);
  return loaded && loaded.doc.type === 'factory' ? loaded : undefined;
}

/** Whether SLCP data sharing runs in the country at `now` (an unknown country: no). */
export async function slcpLaunchedIn(store: DocumentStore, countryCode: string, now: Date): Promise<boolean> {
  try {
    const { programme } = await loadCountryProgramme(store, countryCode);
    return isSlcpLaunched(programme, now);
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

async function selfAssessmentSubmitted(store: DocumentStore, cycleId: string): Promise<boolean> {
  const id = selfAssessmentIdOf(cycleId);
  const header = await store.read<SelfAssessmentDocument>('selfAssessments', id, id);
  return header?.doc.type === 'selfAssessment' && header.doc.status === 'submitted';
}

/** The timeline facts of a cycle of a factory already read, or undefined when it has no such cycle. */
export async function factsOfCycle(
  store: DocumentStore,
  factory: FactoryDocument,
  cycleId: string,
  now: Date
): Promise<CycleTimelineFacts | undefined> {
  const cycle = factory.cycles.find((c) => c.cycleId === cycleId);
  if (!cycle) return undefined;
  const submitted = needsSelfAssessmentFact(factory, cycle) ? await selfAssessmentSubmitted(store, cycleId) : false;
  const launched = await slcpLaunchedIn(store, factory.countryCode, now);
  return cycleTimelineFacts(factory, cycleId, { selfAssessmentSubmitted: submitted, slcpLaunched: launched });
}

/** What the activity `loadCycleTimelineFacts` answers: the facts, or that the cycle is gone. */
export type LoadedCycleFacts = { found: true; facts: CycleTimelineFacts } | { found: false };

/** The activity that starts each execution of a cycle's timeline: read the cycle's facts. */
export async function loadCycleTimelineFacts(
  deps: Pick<TimelineDeps, 'store' | 'clock'>,
  ref: CycleRef
): Promise<LoadedCycleFacts> {
  const loaded = await readFactory(deps.store, ref.factoryId);
  if (!loaded) return { found: false };
  const facts = await factsOfCycle(deps.store, loaded.doc, ref.cycleId, deps.clock.now());
  return facts ? { found: true, facts } : { found: false };
}
