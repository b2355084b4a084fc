// The activities that act on the milestones of a cycle's timeline (R3, R16, R17, R18, R25). Each one reads
// the factory, decides again with the timeline's own rule on what it read (at the later of its clock and the
// orchestration's decision time), and acts only when its milestone is due: it records the milestone and
// queues its emails and notifications in ONE audited batch, conditional on the ETag it read. A retried
// activity (the batch landed, the answer got lost) finds the milestone done and sends nothing twice; a change
// that raced it fails the batch (412), and the retry decides again on what is stored then.
import type { CommonSettings } from '../../config/settings';
import { utcDay } from '../../domain/countryProgrammes';
import type { CycleEntry, FactoryDocument } from '../../domain/factory/factory';
import {
  milestoneStates,
  progressReportDueAt,
  releaseDeadlineDay,
  validationCheckMarker,
  type CycleMilestone,
  type CycleTimelineFacts,
  type MilestoneState,
} from '../../domain/timeline/cycleTimeline';
import { markPreferenceReminderSent } from '../../domain/timeline/preferenceReminder';
import { later } from '../../domain/timeline/waits';
import type { Versioned, WriteOperation } from '../../ports/documentStore';
import { metricNames, type MetricName } from '../../ports/metrics';
import { saveFactoryChange, type OutboxDraft } from '../factories/factoryStore';
import type { TransmissionDeps } from '../transmission/deps';
import { queueTransmissionOnTimeline } from '../transmission/queue';
import { checkValidationAtGateway, type ValidationDeps } from '../transmission/validation';
import { managerContacts, managerDeliveries, slcpPageLink, slcpRequestPageLink } from '../sharing/managerContacts';
import type { ActivityOutcome, MilestoneInput } from './activities';
import { portalLinks, schedulerActor, sentenceEnd, staffContacts, staffDeliveries } from './contacts';
import { factsOfCycle, readFactory, type TimelineDeps } from './cycleFacts';

interface MilestoneAct {
  /** The audit event's action. */
  action: string;
  after: FactoryDocument;
  deliver: OutboxDraft[];
  /** More documents of the factory's partition written in the same batch (a transmission record, say). */
  alsoWrite?: WriteOperation[];
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
function withMilestone(
  factory: FactoryDocument,
  cycleId: string,
  name: CycleMilestone | typeof validationCheckMarker,
  at: string
): FactoryDocument {
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
    ...(change.alsoWrite ? { alsoWrite: change.alsoWrite } : {}),
  });
  const metric = milestoneMetrics[milestone];
  if (metric) deps.metrics?.add(metric, { country: loaded.doc.countryCode, kind: milestone });
  return { milestone, acted: true, at, reason: null };
}

/** The custom metric a milestone counts when it acts: the reminders, and the overdue release (R16). */
const milestoneMetrics: Partial<Record<CycleMilestone, MetricName>> = {
  preferenceReminder: metricNames.remindersSent,
  releaseReminder: metricNames.remindersSent,
  progressReportReminder: metricNames.remindersSent,
  releaseEscalation: metricNames.releasesOverdue,
};

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
// R17: the transmission to the Gateway
// ---------------------------------------------------------------------------------------------------

/**
 * R17: queues the cycle's transmission to the Gateway when the report is released and the factory completed
 * the steps (sharing effective for the cycle, Gateway connected, self-assessment submitted): the record and
 * the hand-off (`readyToTransmitAt`) in one batch, then the Service Bus message (shared/app/transmission/queue.ts).
 * A re-run after the batch sends the message if it did not go.
 */
export async function markReadyToTransmit(deps: TransmissionDeps, input: MilestoneInput): Promise<ActivityOutcome> {
  const queued = await queueTransmissionOnTimeline(deps, input, schedulerActor);
  return { milestone: 'readyToTransmit', acted: queued.acted, at: queued.at, reason: queued.reason };
}

// ---------------------------------------------------------------------------------------------------
// R18: validation, sharing enabled
// ---------------------------------------------------------------------------------------------------

export const sharingEnabledSubject = 'Sharing via the SLCP Gateway is enabled';

export type SharingDeps = TimelineDeps &
  ValidationDeps & { settings: Pick<CommonSettings, 'portalBaseUrl' | 'gateway'> };

/**
 * R18: once SLCP has validated the data, sharing via the Gateway is enabled and the factory is told. When no
 * validation came by `validationDelay` after the release, the Gateway is asked for the submission's status: a
 * validation there (its callback was lost) enables sharing all the same; otherwise staff are chased, once
 * (the `validationCheck` marker), and the milestone waits for the validation.
 */
export function enableSharing(deps: SharingDeps, input: MilestoneInput): Promise<ActivityOutcome> {
  return actOnMilestone(deps, input, 'sharingEnabled', async (loaded, facts, at) => {
    const enable = async (validatedAt: string | null, alsoWrite: WriteOperation[] = []): Promise<MilestoneAct> => {
      const contacts = await managerContacts(deps.store, loaded.doc);
      return {
        action: 'timeline.sharingEnabled',
        after: withCycle(loaded.doc, facts.cycleId, (cycle) => ({
          ...cycle,
          sharingEnabledAt: at,
          ...(validatedAt && cycle.transmission
            ? { transmission: { ...cycle.transmission, validatedAt: cycle.transmission.validatedAt ?? validatedAt } }
            : {}),
        })),
        deliver: managerDeliveries(contacts, {
          subject: sharingEnabledSubject,
          text:
            `SLCP has validated the assessment data of ${loaded.doc.name} for cycle ${facts.cycleId}. ` +
            'Sharing via the SLCP Gateway is now enabled: the buyers you share with can see it there.',
          link: slcpPageLink(deps.settings.portalBaseUrl, loaded.doc.factoryId),
          email: true,
        }),
        alsoWrite,
      };
    };
    if (facts.transmissionValidatedAt) return enable(null);
    const check = await checkValidationAtGateway(deps, loaded.doc, facts, at);
    if (check.validated) return enable(check.at, check.alsoWrite);
    return {
      action: 'timeline.validationChased',
      after: withMilestone(loaded.doc, facts.cycleId, validationCheckMarker, at),
      deliver: check.deliver,
      alsoWrite: check.alsoWrite,
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
