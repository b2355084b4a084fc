// Who may read or answer a self-assessment: the policy's decision for the factory the id names
// (shared/domain/access/policy.ts). The caller's directory entry (cached briefly per process) usually decides
// alone: a factory manager's bound factories, staff's country programmes, an advisor's assigned factories.
// Only when it does not allow the request is the factory itself read, for the full facts and the right
// refusal (404 when the caller has no relation to it, 403 when they may see it but not do this).
import { decideFactoryAccess, type FactoryAccessFacts, type FactoryAction } from '../../domain/access/policy';
import type { Principal } from '../../domain/access/roles';
import { NotFoundError } from '../../domain/errors';
import { parseSelfAssessmentId } from '../../domain/selfAssessment/selfAssessment';
import type { DocumentStore } from '../../ports/documentStore';
import { loadFactoryFor, type Actor } from '../factories/factoryStore';
import { actorOf } from '../users/userDirectory';

export interface SelfAssessmentRef {
  selfAssessmentId: string;
  factoryId: string;
  countryCode: string;
  cycleId: string;
  actor: Actor;
}

export function selfAssessmentNotFound(id: string): NotFoundError {
  return new NotFoundError(`Self-assessment ${id} was not found.`);
}

export async function authorizeSelfAssessment(
  store: DocumentStore,
  principal: Principal,
  selfAssessmentId: string,
  action: FactoryAction
): Promise<SelfAssessmentRef> {
  const parsed = parseSelfAssessmentId(selfAssessmentId);
  if (!parsed) throw selfAssessmentNotFound(selfAssessmentId);
  const actor = await actorOf(store, principal);
  const fromDirectory: FactoryAccessFacts = {
    factoryId: parsed.factoryId,
    countryCode: parsed.countryCode,
    managerUserIds: actor.scope?.factoryIds.includes(parsed.factoryId) ? [principal.userId] : [],
    advisorUserIds: [],
    subscribedBrandIds: [],
  };
  if (decideFactoryAccess(principal, actor.scope, fromDirectory, action) !== 'allow') {
    try {
      await loadFactoryFor(store, actor, parsed.factoryId, action);
    } catch (error) {
      // A factory the caller may not know about: the self-assessment is not found either.
      if (error instanceof NotFoundError) throw selfAssessmentNotFound(selfAssessmentId);
      throw error;
    }
  }
  return { selfAssessmentId, ...parsed, actor };
}
