// R20: who assesses this factory, from its enrolment and Better Work's scope.
import type { Principal } from '../../domain/access/roles';
import { isBetterWorkCountry } from '../../domain/countryProgrammes';
import type { FactoryDocument } from '../../domain/factory/factory';
import { whoAssesses, type AssessorDecision, type AssessorFacts } from '../../domain/sharing/assessorBody';
import type { DocumentStore } from '../../ports/documentStore';
import { loadFactoryFor } from '../factories/factoryStore';
import { actorOf } from '../users/userDirectory';

/**
 * The facts FAQ 7 needs, as the platform knows them: a factory with a service cycle or a BW platform
 * account is enrolled; one set up by a Better Work country programme is in scope; capacity is decided by
 * the country programme when it sets up a cycle, so it is not known to be lacking here.
 */
export function assessorFactsOf(factory: FactoryDocument): AssessorFacts {
  return {
    enrolled: factory.status === 'registered' || factory.cycles.length > 0,
    inScope: isBetterWorkCountry(factory.countryCode),
    bwHasCapacity: true,
  };
}

export async function getAssessorBody(
  deps: { store: DocumentStore },
  principal: Principal,
  factoryId: string
): Promise<AssessorDecision> {
  const actor = await actorOf(deps.store, principal);
  const loaded = await loadFactoryFor(deps.store, actor, factoryId, 'read');
  return whoAssesses(assessorFactsOf(loaded.doc));
}
