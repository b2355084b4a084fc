// Who may do what to which factory: the one place where object-level access is decided (OWASP API1/API5).
import type { Principal, Role } from './roles';

/** The user directory's record of a person: what they are bound to beyond their token's roles. */
export interface UserScope {
  userId: string;
  /** Country programmes of BW staff (registration staff, advisors, assessors). */
  countryCodes: string[];
  /** Factories a factory manager manages (bound by accepting an invitation). */
  factoryIds: string[];
  /** Factories assigned to an enterprise advisor. */
  advisedFactoryIds: string[];
  /** The brand a brand user acts for. */
  brandId: string | undefined;
}

/** The facts about a factory that access depends on. */
export interface FactoryAccessFacts {
  factoryId: string;
  countryCode: string;
  managerUserIds: readonly string[];
  advisorUserIds: readonly string[];
  subscribedBrandIds: readonly string[];
}

export const factoryActions = [
  'read', // the factory, its profile and dashboard
  'readSlcp', // SLCP participation: request, opt-out, Gateway connection (never brands: R21)
  'editProfile',
  'signTerms',
  'requestSharing',
  'connectGateway',
  'registerCycle',
  'invite',
  'optOut',
  'linkGateway',
  'manageSubscriptions',
  'readAudit',
  'readReports',
  'readSelfAssessment', // R12: a factory's SLCP self-assessment and its progress (never brands)
  'answerSelfAssessment', // R11-R13: start it, answer, submit (the factory's own managers)
  'assess', // R15: create the compliance assessment, record findings, complete it (assessors of the country)
  'readAssessment', // R15, R14: the assessment in progress and its timing facts (Better Work staff only)
  'releaseReport', // R16: release the assessment report (staff of the country programme: registration staff, assessors)
  'readImprovementPlan', // R25: the factory's improvement plan (the factory and Better Work; not brands)
  'manageImprovementPlan', // R25: add advisory items, mark items done (the factory's enterprise advisors)
  'readTransmissions', // R17, R18: a cycle's transmission to the Gateway, why it failed (registration staff)
  'replayTransmission', // R17: send a failed or dead-lettered transmission again once fixed (registration staff)
] as const;
export type FactoryAction = (typeof factoryActions)[number];

const allowedActions: Record<Role, readonly FactoryAction[]> = {
  FactoryManager: [
    'read',
    'readSlcp',
    'editProfile',
    'signTerms',
    'requestSharing',
    'connectGateway',
    'readReports',
    'readSelfAssessment',
    'answerSelfAssessment',
    'readImprovementPlan',
  ],
  RegistrationStaff: [
    'read',
    'readSlcp',
    'registerCycle',
    'invite',
    'optOut',
    'linkGateway',
    'manageSubscriptions',
    'readAudit',
    'readReports',
    'readSelfAssessment',
    'readAssessment',
    'releaseReport',
    'readImprovementPlan',
    'readTransmissions',
    'replayTransmission',
  ],
  EnterpriseAdvisor: [
    'read',
    'readSlcp',
    'readReports',
    'readSelfAssessment',
    'readAssessment',
    'readImprovementPlan',
    'manageImprovementPlan',
  ],
  Assessor: [
    'read',
    'readSlcp',
    'readReports',
    'readSelfAssessment',
    'assess',
    'readAssessment',
    'releaseReport',
    'readImprovementPlan',
  ],
  Admin: factoryActions,
  Brand: ['read', 'readReports'],
  Gateway: [],
};

/** Does this role relate the caller to this factory at all? */
function relates(role: Role, scope: UserScope | undefined, factory: FactoryAccessFacts, principal: Principal): boolean {
  switch (role) {
    case 'Admin':
      return true;
    case 'FactoryManager':
      return factory.managerUserIds.includes(principal.userId);
    case 'RegistrationStaff':
    case 'Assessor':
      return scope?.countryCodes.includes(factory.countryCode) ?? false;
    case 'EnterpriseAdvisor':
      return (
        factory.advisorUserIds.includes(principal.userId) ||
        (scope?.advisedFactoryIds.includes(factory.factoryId) ?? false)
      );
    case 'Brand':
      return scope?.brandId !== undefined && factory.subscribedBrandIds.includes(scope.brandId);
    case 'Gateway':
      return false;
  }
}

export type AccessDecision = 'allow' | 'forbidden' | 'hidden';

/**
 * `hidden` when none of the caller's roles relates them to the factory (answer 404: do not reveal that it
 * exists), `forbidden` when they may see it but not do this (403), else `allow`.
 */
export function decideFactoryAccess(
  principal: Principal,
  scope: UserScope | undefined,
  factory: FactoryAccessFacts,
  action: FactoryAction
): AccessDecision {
  const related = principal.roles.filter((role) => relates(role, scope, factory, principal));
  if (related.length === 0) return 'hidden';
  return related.some((role) => allowedActions[role].includes(action)) ? 'allow' : 'forbidden';
}

/** Staff may act on a whole country programme (list its factories, register a new one) only if it is theirs. */
export function mayActInCountry(
  principal: Principal,
  scope: UserScope | undefined,
  countryCode: string,
  roles: readonly Role[]
): boolean {
  if (principal.roles.includes('Admin')) return true;
  return principal.roles.some((role) => roles.includes(role)) && (scope?.countryCodes.includes(countryCode) ?? false);
}
