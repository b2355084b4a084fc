// R9: the activities of the wait for the Gateway's approval: read the facts, and chase a late approval (the
// factory managers and Better Work staff), then escalate to staff. Each step is recorded per hand-off in the
// factory's `milestones`, in the same audited batch as its messages, so a retried activity sends nothing twice.
import {
  gatewayApprovalFacts,
  gatewayApprovalStepDue,
  gatewayApprovalStepKey,
  type GatewayApprovalFacts,
} from '../../domain/timeline/gatewayApproval';
import { later } from '../../domain/timeline/waits';
import { metricNames } from '../../ports/metrics';
import { saveFactoryChange, type OutboxDraft } from '../factories/factoryStore';
import { managerContacts, managerDeliveries, slcpPageLink } from '../sharing/managerContacts';
import type { ActivityOutcome, GatewayChaseInput } from './activities';
import { schedulerActor, sentenceEnd, staffContacts, staffDeliveries } from './contacts';
import { readFactory, type TimelineDeps } from './cycleFacts';

export type LoadedGatewayFacts = { found: true; facts: GatewayApprovalFacts } | { found: false };

export async function loadGatewayApprovalFacts(
  deps: Pick<TimelineDeps, 'store'>,
  ref: { factoryId: string }
): Promise<LoadedGatewayFacts> {
  const loaded = await readFactory(deps.store, ref.factoryId);
  return loaded ? { found: true, facts: gatewayApprovalFacts(loaded.doc) } : { found: false };
}

export const gatewayChaseSubject = 'Your SLCP Gateway registration is waiting';
export const gatewayEscalationSubject = 'SLCP Gateway approval overdue';

/** R9: chases a late approval (the managers and staff), or escalates it to staff after the last chase. */
export async function chaseGatewayApproval(deps: TimelineDeps, input: GatewayChaseInput): Promise<ActivityOutcome> {
  const key = gatewayApprovalStepKey(input.step, input.handOff);
  const skip = (reason: string, at: string | null = null): ActivityOutcome => ({
    milestone: key,
    acted: false,
    at,
    reason,
  });
  const loaded = await readFactory(deps.store, input.factoryId);
  if (!loaded) return skip('the factory is not found');
  const factory = loaded.doc;
  const facts = gatewayApprovalFacts(factory);
  const done = facts.milestones[key];
  if (done) return skip('already done', done);
  const now = deps.clock.now();
  const wait = { handOff: input.handOff, since: input.since };
  if (!gatewayApprovalStepDue(facts, wait, input.step, later(now, new Date(input.asOf)))) {
    return skip(`not due: the Gateway connection is ${facts.status}`);
  }
  const at = now.toISOString();
  const link = slcpPageLink(deps.settings.portalBaseUrl, factory.factoryId);
  const staff = await staffContacts(deps.store, factory.countryCode);
  const submitted = factory.gateway.status === 'registered';
  let deliver: OutboxDraft[];
  if (input.step.kind === 'chase') {
    const managers = await managerContacts(deps.store, factory);
    deliver = [
      ...managerDeliveries(managers, {
        subject: gatewayChaseSubject,
        text: submitted
          ? `SLCP has not approved the Gateway registration of ${factory.name} yet; approval usually takes up to 3 days. ` +
            'Better Work staff have been told and follow it up. Check the email you registered with for questions from SLCP.'
          : `The Gateway registration of ${factory.name} is not complete: the Facility Information Form has not been ` +
            'submitted. Open "Connect with SLCP" on the Better Work platform again to finish it.',
        link,
        email: true,
      }),
      ...staffDeliveries(staff, {
        subject: `SLCP Gateway approval late: ${factory.name}`,
        text: submitted
          ? `The Gateway registration of ${factory.name} (${factory.factoryId}) was submitted and is not approved after ` +
            `more than 3 days (R9). The factory manager has been reminded (chase ${input.step.number}).`
          : `${factory.name} (${factory.factoryId}) started "Connect with SLCP" more than 3 days ago and has not ` +
            `submitted the Gateway's form (R9). The factory manager has been reminded (chase ${input.step.number}).`,
        link,
      }),
    ];
  } else {
    deliver = staffDeliveries(staff, {
      subject: `${gatewayEscalationSubject}: ${factory.name}`,
      text:
        `The SLCP Gateway connection of ${sentenceEnd(factory.name)} (${factory.factoryId}) is still not approved, ` +
        `after repeated reminders (R9): the registration is ${submitted ? 'waiting for SLCP approval' : 'not submitted'}. ` +
        'Please contact the factory or SLCP; the platform stops reminding.',
      link,
    });
  }
  await saveFactoryChange(deps.store, deps.clock, {
    actor: schedulerActor,
    action: input.step.kind === 'chase' ? 'gateway.approvalChased' : 'gateway.approvalEscalated',
    before: loaded,
    after: { ...factory, milestones: { ...(factory.milestones ?? {}), [key]: at } },
    ifMatch: loaded.etag,
    deliver,
  });
  if (input.step.kind === 'chase') {
    deps.metrics?.add(metricNames.remindersSent, { country: factory.countryCode, kind: 'gatewayApprovalChase' });
  }
  return { milestone: key, acted: true, at, reason: null };
}
