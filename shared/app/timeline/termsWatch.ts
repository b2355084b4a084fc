// R10: the activities of the Terms & Conditions watch: read the facts, remind the factory managers before the
// signature expires, and tell them when it has expired that the profile is below 100 %. Each step is recorded
// per signature in the factory's `milestones`, in the same audited batch as its messages.
import { utcDay } from '../../domain/countryProgrammes';
import {
  termsExpiresAt,
  termsStepDue,
  termsStepKey,
  termsWatchFacts,
  type TermsStep,
  type TermsWatchFacts,
} from '../../domain/timeline/termsWatch';
import { later } from '../../domain/timeline/waits';
import { metricNames } from '../../ports/metrics';
import { saveFactoryChange } from '../factories/factoryStore';
import { managerContacts, managerDeliveries } from '../sharing/managerContacts';
import type { ActivityOutcome, TermsStepInput } from './activities';
import { portalLinks, schedulerActor } from './contacts';
import { readFactory, type TimelineDeps } from './cycleFacts';

export type LoadedTermsFacts = { found: true; facts: TermsWatchFacts } | { found: false };

export async function loadTermsWatchFacts(
  deps: Pick<TimelineDeps, 'store'>,
  ref: { factoryId: string }
): Promise<LoadedTermsFacts> {
  const loaded = await readFactory(deps.store, ref.factoryId);
  return loaded ? { found: true, facts: termsWatchFacts(loaded.doc) } : { found: false };
}

export const termsExpiryReminderSubject = 'Your Terms & Conditions signature expires soon';
export const termsExpiredSubject = 'Your factory profile is no longer 100 % complete';

async function actOnTermsStep(deps: TimelineDeps, input: TermsStepInput, step: TermsStep): Promise<ActivityOutcome> {
  const key = termsStepKey(step, input.signedAt);
  const skip = (reason: string, at: string | null = null): ActivityOutcome => ({
    milestone: key,
    acted: false,
    at,
    reason,
  });
  const loaded = await readFactory(deps.store, input.factoryId);
  if (!loaded) return skip('the factory is not found');
  const facts = termsWatchFacts(loaded.doc);
  const done = facts.milestones[key];
  if (done) return skip('already done', done);
  const now = deps.clock.now();
  if (!termsStepDue(facts, input.signedAt, step, later(now, new Date(input.asOf)))) {
    return skip(facts.signedAt === input.signedAt ? 'not due' : 'the Terms & Conditions were signed again');
  }
  const at = now.toISOString();
  const expiresOn = utcDay(termsExpiresAt(input.signedAt));
  const contacts = await managerContacts(deps.store, loaded.doc);
  const link = portalLinks.profile(deps.settings.portalBaseUrl, loaded.doc.factoryId);
  const message =
    step === 'expiryReminder'
      ? {
          subject: termsExpiryReminderSubject,
          text:
            `The Terms & Conditions signature of ${loaded.doc.name} expires on ${expiresOn}: a signature lasts one year ` +
            '(R10). Sign them again on the profile page before then to keep the profile 100 % complete.',
        }
      : {
          subject: termsExpiredSubject,
          text:
            `The Terms & Conditions signature of ${loaded.doc.name} expired on ${expiresOn} (R10). The profile shows ` +
            'less than 100 % complete until they are signed again on the profile page; connecting with SLCP needs a ' +
            'complete profile (R9).',
        };
  await saveFactoryChange(deps.store, deps.clock, {
    actor: schedulerActor,
    action: step === 'expiryReminder' ? 'terms.expiryReminderSent' : 'terms.expiredNoticeSent',
    before: loaded,
    after: { ...loaded.doc, milestones: { ...(loaded.doc.milestones ?? {}), [key]: at } },
    ifMatch: loaded.etag,
    deliver: managerDeliveries(contacts, { ...message, link, email: true }),
  });
  if (step === 'expiryReminder') {
    deps.metrics?.add(metricNames.remindersSent, { country: loaded.doc.countryCode, kind: 'termsExpiryReminder' });
  }
  return { milestone: key, acted: true, at, reason: null };
}

/** R10: reminds the factory managers `termsExpiryReminderLead` before the signature expires. */
export function remindTermsExpiry(deps: TimelineDeps, input: TermsStepInput): Promise<ActivityOutcome> {
  return actOnTermsStep(deps, input, 'expiryReminder');
}

/** R10: tells the factory managers the signature has expired and the profile is below 100 %. */
export function noticeTermsExpired(deps: TimelineDeps, input: TermsStepInput): Promise<ActivityOutcome> {
  return actOnTermsStep(deps, input, 'expired');
}
