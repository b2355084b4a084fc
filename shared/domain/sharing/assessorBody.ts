// R20 (FAQ 7): who assesses a factory for SLCP. SLCP-approved verifiers do not operate in Better Work
// factories: the Better Work assessment replaces any other verification there.

export type AssessingBody = 'BetterWork' | 'VerifierBody';

export interface AssessorFacts {
  /** The factory is enrolled in Better Work (it has a service cycle or a BW platform account). */
  enrolled: boolean;
  /** It is within Better Work's scope (country, sector, eligibility) and could be enrolled. */
  inScope: boolean;
  /** The country programme can take it on; unknown counts as able (staff decide at enrolment). */
  bwHasCapacity: boolean;
}

export interface AssessorDecision {
  assessedBy: AssessingBody;
  reason: string;
  /** Better Work takes the factory on only from its next cycle (not yet enrolled). */
  fromNextCycle: boolean;
}

export function whoAssesses(facts: AssessorFacts): AssessorDecision {
  if (facts.enrolled) {
    return {
      assessedBy: 'BetterWork',
      reason: 'The factory is enrolled in Better Work: the Better Work assessment replaces any other verification.',
      fromNextCycle: false,
    };
  }
  if (facts.inScope && facts.bwHasCapacity) {
    return {
      assessedBy: 'BetterWork',
      reason: 'The factory is in Better Work scope: it registers with Better Work for the next cycle.',
      fromNextCycle: true,
    };
  }
  if (facts.inScope) {
    return {
      assessedBy: 'VerifierBody',
      reason:
        'The factory is in Better Work scope but the country programme cannot take it on: it can obtain ' +
        'verification from an SLCP Verifier Body.',
      fromNextCycle: false,
    };
  }
  return {
    assessedBy: 'VerifierBody',
    reason: 'The factory is not in Better Work scope: an SLCP Verifier Body verifies it.',
    fromNextCycle: false,
  };
}
