// The activities that act on the milestones of a cycle's timeline (R3, R16, R17, R18, R25). Each one reads
// the factory, decides again with the timeline's own rule on what it read (at the later of its clock and the
// orchestration's decision time), and acts only when its milestone is due: it records the milestone and
// queues its emails and notifications in ONE audited batch, conditional on the ETag it read. A retried
// activity (the batch landed, the answer got lost) finds the milestone done and sends nothing twice; a change
// that raced it fails the batch (412), and the retry decides again on what is stored then.
import { utcDay } from '../../domain/countryProgrammes';
import type { CycleEntry, FactoryDocument } from '../../domain/factory/factory';
import {
  milestoneStates,
  progressReportDueAt,
  releaseDeadlineDay,
  type CycleMilestone,
  type CycleTimelineFacts,
  type MilestoneState,
} from '../../domain/timeline/cycleTimeline';
import { markPreferenceReminderSent } from '../../domain/timeline/preferenceReminder';
import { later } from '../../domain/timeline/waits';
import type { Versioned } from '../../ports/documentStore';
import { saveFactoryChange, type OutboxDraft } from '../factories/factoryStore';
import { managerContacts, managerDeliveries, slcpPageLink, slcpRequestPageLink } from '../sharing/managerContacts';
import type { ActivityOutcome, MilestoneInput } from './activities';
import { portalLinks, schedulerActor, sentenceEnd, staffContacts, staffDeliveries } from './contacts';
import { factsOfCycle, readFactory, type TimelineDeps } from './cycleFacts';

interface MilestoneAct {
  /** The audit event's action. */
  action: string;
  after: FactoryDocument;
  deliver: OutboxDraft[];
}

function describeState(state: MilestoneState): string {
  switch (state.state) {
    case 'done':
      return `already done at ${state.at}`;
    case 'scheduled':
      return `not due before ${state.dueAt}`;
    case 'waiting':
      return `waiting for ${state.for}`;
    case 'missed':
    case 'notApplicable':
      return state.reason;
    case 'due':
      return 'due';
  }
}

/** The factory with one of its cycles changed. */
function withCycle(
  factory: FactoryDocument,
  cycleId: string,
  change: (cycle: CycleEntry) => CycleEntry
): FactoryDocument {
  return { ...factory, cycles: factory.cycles.map((cycle) => (cycle.cycleId === cycleId ? change(cycle) : cycle)) };
}

/** The factory with the cycle's `milestones` marker `name` recorded at `at`. */
function withMilestone(factory: FactoryDocument, cycleId: string, name: CycleMilestone, at: string): FactoryDocument {
  return withCycle(factory, cycleId, (cycle) => ({
    ...cycle,
    milestones: { ...(cycle.milestones ?? {}), [name]: at },
  }));
}

async function actOnMilestone(
  deps: TimelineDeps,
  input: MilestoneInput,
  milestone: CycleMilestone,
  act: (loaded: Versioned<FactoryDocument>, facts: CycleTimelineFacts, at: string) => Promise<MilestoneAct>
): Promise<ActivityOutcome> {
  const skip = (reason: string, at: string | null = null): ActivityOutcome => ({ milestone, acted: false, at, reason });
  const loaded = await readFactory(deps.store, input.factoryId);
  if (!loaded) return skip('the factory is not found');
  const now = deps.clock.now();
  const decidedAt = later(now, new Date(input.asOf));
  const facts = await factsOfCycle(deps.store, loaded.doc, input.cycleId, decidedAt);
  if (!facts) return skip('the cycle is not found');
  const state = milestoneStates(facts, decidedAt)[milestone];
  if (state.state !== 'due') return skip(describeState(state), state.state === 'done' ? state.at : null);
  const at = now.toISOString();
  const change = await act(loaded, facts, at);
  await saveFactoryChange(deps.store, deps.clock, {
    actor: schedulerActor,
    action: change.action,
    before: loaded,
    after: change.after,
    ifMatch: loaded.etag,
    deliver: change.deliver,
  });
  return { milestone, acted: true, at, reason: null };
}

// ---------------------------------------------------------------------------------------------------
// R3: the preference reminder
// ---------------------------------------------------------------------------------------------------

export const preferenceReminderSubject = 'Do you want to share your data via SLCP from your next cycle?';

export function preferenceReminderText(factory: FactoryDocument, cycle: Pick<CycleEntry, 'endsOn'>): string {
  return (
    `The current Better Work cycle of ${factory.name} ends on ${cycle.endsOn}. Do you want to share its ` +
    'assessment data with your buyers via the SLCP Gateway from the next cycle? Sharing via SLCP is voluntary ' +
    'and stays off unless you ask for it. To ask, tick "Request for data sharing via SLCP" on the request page; ' +
    'the request takes effect from your next cycle, and your current cycle stays as it is. ' +
    'If you do not want to share, there is nothing to do.'
  );
}

/**
 * R3: invites the factory managers (a portal notification and an email each) to state whether they want to
 * share via SLCP from the next cycle, with a link to the request page; not when the factory already asked.
 * The marker is the cycle's `preferenceReminderSentAt`.
 */
export function sendPreferenceReminder(deps: TimelineDeps, input: MilestoneInput): Promise<ActivityOutcome> {
  return actOnMilestone(deps, input, 'preferenceReminder', async (loaded, facts, at) => {
    const contacts = await managerContacts(deps.store, loaded.doc);
    return {
      action: 'slcp.preferenceReminderSent',
      after: markPreferenceReminderSent(loaded.doc, facts.cycleId, new Date(at)),
      deliver: managerDeliveries(contacts, {
        subject: preferenceReminderSubject,
        text: preferenceReminderText(loaded.doc, facts),
        link: slcpRequestPageLink(deps.settings.portalBaseUrl, loaded.doc.factoryId),
        email: true,
      }),
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// R16: the release deadline
// ---------------------------------------------------------------------------------------------------

/** R16: reminds Better Work staff of the country that the report is due within `releaseReminderLead`. */
export function remindReleaseDeadline(deps: TimelineDeps, input: MilestoneInput): Promise<ActivityOutcome> {
  return actOnMilestone(deps, input, 'releaseReminder', async (loaded, facts, at) => {
    const deadline = releaseDeadlineDay(facts.assessmentLastDay!);
    const staff = await staffContacts(deps.store, loaded.doc.countryCode);
    return {
      action: 'timeline.releaseReminderSent',
      after: withMilestone(loaded.doc, facts.cycleId, 'releaseReminder', at),
      deliver: staffDeliveries(staff, {
        subject: `Assessment report due by ${deadline}: ${loaded.doc.name}`,
        text:
          `The compliance assessment of ${loaded.doc.name} (cycle ${facts.cycleId}) ended on ${facts.assessmentLastDay}. ` +
          `Its report must be released by ${deadline} (R16: within 28 days after the assessment); it is not released yet.`,
        link: portalLinks.cycle(deps.settings.portalBaseUrl, loaded.doc.factoryId, facts.cycleId),
      }),
    };
  });
}

/** R16: tells Better Work staff of the country that the release deadline has passed without a release. */
export function escalateReleaseDeadline(deps: TimelineDeps, input: MilestoneInput): Promise<ActivityOutcome> {
  return actOnMilestone(deps, input, 'releaseEscalation', async (loaded, facts, at) => {
    const deadline = releaseDeadlineDay(facts.assessmentLastDay!);
    const staff = await staffContacts(deps.store, loaded.doc.countryCode);
    return {
      action: 'timeline.releaseEscalated',
      after: withMilestone(loaded.doc, facts.cycleId, 'releaseEscalation', at),
      deliver: staffDeliveries(staff, {
        subject: `Overdue: the assessment report of ${loaded.doc.name} was due by ${deadline}`,
        text:
          `The report of the compliance assessment of ${loaded.doc.name} (cycle ${facts.cycleId}, assessment ended on ` +
          `${facts.assessmentLastDay}) was due by ${deadline} (R16) and is not released. Please release it as soon as possible.`,
        link: portalLinks.cycle(deps.settings.portalBaseUrl, loaded.doc.factoryId, facts.cycleId),
      }),
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// R17: the hand-off to the transmission step
// ---------------------------------------------------------------------------------------------------

/**
 * R17: records that the cycle is ready to transmit (report released; sharing effective for the cycle, Gateway
 * connected, self-assessment submitted). The transmission itself (the Gateway issue) starts from this mark.
 */
export function markReadyToTransmit(deps: TimelineDeps, input: MilestoneInput): Promise<ActivityOutcome> {
  return actOnMilestone(deps, input, 'readyToTransmit', async (loaded, facts, at) => ({
    action: 'timeline.readyToTransmit',
    after: withCycle(loaded.doc, facts.cycleId, (cycle) => ({ ...cycle, readyToTransmitAt: at })),
    deliver: [],
  }));
}

// ---------------------------------------------------------------------------------------------------
// R18: validation, sharing enabled
// ---------------------------------------------------------------------------------------------------

export const sharingEnabledSubject = 'Sharing via the SLCP Gateway is enabled';

/** R18: `validationDelay` after the release SLCP has validated the data: sharing is enabled, the factory told. */
export function enableSharing(deps: TimelineDeps, input: MilestoneInput): Promise<ActivityOutcome> {
  return actOnMilestone(deps, input, 'sharingEnabled', async (loaded, facts, at) => {
    const contacts = await managerContacts(deps.store, loaded.doc);
    return {
      action: 'timeline.sharingEnabled',
      after: withCycle(loaded.doc, facts.cycleId, (cycle) => ({ ...cycle, sharingEnabledAt: at })),
      deliver: managerDeliveries(contacts, {
        subject: sharingEnabledSubject,
        text:
          `SLCP has validated the assessment data of ${loaded.doc.name} for cycle ${facts.cycleId}. ` +
          'Sharing via the SLCP Gateway is now enabled: the buyers you share with can see it there.',
        link: slcpPageLink(deps.settings.portalBaseUrl, loaded.doc.factoryId),
        email: true,
      }),
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// R25: Progress Report 1
// ---------------------------------------------------------------------------------------------------

/** R25: reminds the factory managers (and tells the factory's advisors) that Progress Report 1 is due soon. */
export function remindProgressReport(deps: TimelineDeps, input: MilestoneInput): Promise<ActivityOutcome> {
  return actOnMilestone(deps, input, 'progressReportReminder', async (loaded, facts, at) => {
    const dueOn = utcDay(progressReportDueAt(facts.releasedAt!));
    const subject = `Progress Report 1 is due on ${dueOn}`;
    const text =
      `The assessment report of ${sentenceEnd(loaded.doc.name)} was released on ${utcDay(new Date(facts.releasedAt!))}. ` +
      `Progress Report 1, the update of the improvement plan, is due on ${dueOn}.`;
    const link = portalLinks.improvementPlan(deps.settings.portalBaseUrl, loaded.doc.factoryId);
    const contacts = await managerContacts(deps.store, loaded.doc);
    const advisors = [...new Set(loaded.doc.advisorUserIds)].map((userId): OutboxDraft => ({
      kind: 'notification',
      to: userId,
      subject,
      text,
      link,
    }));
    return {
      action: 'timeline.progressReportReminderSent',
      after: withMilestone(loaded.doc, facts.cycleId, 'progressReportReminder', at),
      deliver: [...managerDeliveries(contacts, { subject, text, link, email: true }), ...advisors],
    };
  });
}
