// R10: a Terms & Conditions signature lasts one year (`termsValidity`). The orchestration `termsWatch` reminds
// the factory managers `termsExpiryReminderLead` before it expires, and tells them when it has expired that
// the profile is no longer 100 % complete (so "Connect with SLCP" is refused, R9) until they sign again. A
// new signature restarts the watch with its date; each step is recorded per signature in the factory's
// `milestones`, so a retried activity sends nothing twice. Pure.
import { subtractRuleDuration } from '../durations';
import type { FactoryDocument } from '../factory/factory';
import { termsValidUntil } from '../factory/profile';
import { wakeAt } from './waits';

export const termsSteps = ['expiryReminder', 'expired'] as const;
export type TermsStep = (typeof termsSteps)[number];

export interface TermsWatchFacts {
  factoryId: string;
  /** The current signature, if any. */
  signedAt: string | null;
  milestones: Record<string, string>;
}

export function termsWatchFacts(factory: FactoryDocument): TermsWatchFacts {
  return {
    factoryId: factory.factoryId,
    signedAt: factory.terms?.signedAt ?? null,
    milestones: { ...(factory.milestones ?? {}) },
  };
}

/** The marker of a step for one signature, in the factory's `milestones`. */
export function termsStepKey(step: TermsStep, signedAt: string): string {
  return step === 'expiryReminder' ? `termsExpiryReminder:${signedAt}` : `termsExpired:${signedAt}`;
}

/** R10: when a signature made at `signedAt` expires. */
export function termsExpiresAt(signedAt: string): Date {
  return termsValidUntil({ signedAt, signedBy: '' });
}

/** R10: when the managers are reminded that the signature made at `signedAt` expires. */
export function termsReminderAt(signedAt: string): Date {
  return subtractRuleDuration(termsExpiresAt(signedAt), 'termsExpiryReminderLead');
}

export interface TermsWatchDecision {
  /** The signature watched: the stored one (the facts win over what the orchestration was started with). */
  signedAt: string | null;
  due: TermsStep[];
  next: { step: TermsStep; dueAt: string } | null;
  /** Nothing remains for this signature once the due steps are done. */
  finished: boolean;
  wakeAt: string | null;
}

export function decideTermsWatch(facts: TermsWatchFacts, now: Date): TermsWatchDecision {
  const signedAt = facts.signedAt;
  if (signedAt === null) return { signedAt, due: [], next: null, finished: true, wakeAt: null };
  const done = (step: TermsStep) => facts.milestones[termsStepKey(step, signedAt)] !== undefined;
  const expiresAt = termsExpiresAt(signedAt);
  const reminderAt = termsReminderAt(signedAt);
  const expired = now.getTime() >= expiresAt.getTime();
  const due: TermsStep[] = [];
  // Once the signature has expired, a reminder that did not go out is not sent late: the notice says it all.
  if (!expired && !done('expiryReminder') && now.getTime() >= reminderAt.getTime()) due.push('expiryReminder');
  if (expired && !done('expired')) due.push('expired');
  const next: TermsWatchDecision['next'] =
    !done('expiryReminder') && now.getTime() < reminderAt.getTime()
      ? { step: 'expiryReminder', dueAt: reminderAt.toISOString() }
      : !expired && !done('expired')
        ? { step: 'expired', dueAt: expiresAt.toISOString() }
        : null;
  const finished = expired;
  return { signedAt, due, next, finished, wakeAt: finished ? null : wakeAt(now, [next?.dueAt]).toISOString() };
}

/** Whether `step` of the signature `signedAt` is due at `now`: what the activities check before they act. */
export function termsStepDue(facts: TermsWatchFacts, signedAt: string, step: TermsStep, now: Date): boolean {
  if (facts.signedAt !== signedAt) return false;
  return decideTermsWatch(facts, now).due.includes(step);
}
