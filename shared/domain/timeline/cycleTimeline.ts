// The per-cycle timeline (../shared/spec/domain.md, "The per-cycle timeline"): given a cycle's facts and the
// time, which milestones are done, due now, scheduled for later, waiting for something to happen elsewhere,
// missed or not applicable; what is due next; and whether the timeline is over. Pure: the orchestration
// `cycleTimeline` decides with it on the facts an activity loaded, the activities check it again on what
// they read before they act, the reconciliation and the staff's read endpoint use it too.
//
// The milestones, in the order they are acted on:
// - R3  preferenceReminder:  the factory managers are invited to state their preference, from the cycle's
//       last day minus two calendar months (not before the cycle starts) until the cycle ends;
// - R16 releaseReminder:     staff are reminded `releaseReminderLead` before the release deadline, which is the
//       assessment's last day plus `releaseDeadline` (the report is on time when released on that day or before);
// - R16 releaseEscalation:   staff are told when the deadline day has passed without a release;
// - R17 readyToTransmit:     after release, when the factory completed the steps (sharing effective for the
//       cycle, Gateway connected, self-assessment submitted), the transmission to the Gateway is queued;
// - R18 sharingEnabled:      once SLCP has validated the data (the Gateway's callback), sharing via the Gateway
//       is enabled and the factory is told. Without a validation `validationDelay` after the release (after the
//       hand-off, when it came later) it falls due anyway: its activity asks the Gateway for the submission's
//       status, and either enables sharing (validated, the callback was lost) or chases staff once (the
//       `validationCheck` marker) and waits for the validation;
// - R25 progressReportReminder: the factory is reminded `progressReportReminderLead` before Progress Report 1
//       is due (`progressReportDue` after the release).
// The timeline is over when the cycle has ended and nothing is scheduled or awaited any more. A compliance
// assessment recorded without a released report keeps it open after the cycle's end (the release is awaited).
import { utcDay } from '../countryProgrammes';
import { addRuleDuration, subtractRuleDuration } from '../durations';
import type { CycleEntry, FactoryDocument } from '../factory/factory';
import {
  preferenceReminderBlock,
  preferenceReminderBlockReasons,
  preferenceReminderOpensOn,
  type PreferenceReminderBlock,
} from './preferenceReminder';
import { endOfDay, later, startOfDay, wakeAt } from './waits';

export const cycleMilestones = [
  'preferenceReminder',
  'releaseReminder',
  'releaseEscalation',
  'readyToTransmit',
  'sharingEnabled',
  'progressReportReminder',
] as const;
export type CycleMilestone = (typeof cycleMilestones)[number];

export const cycleMilestoneRules: Record<CycleMilestone, string> = {
  preferenceReminder: 'R3',
  releaseReminder: 'R16',
  releaseEscalation: 'R16',
  readyToTransmit: 'R17',
  sharingEnabled: 'R18',
  progressReportReminder: 'R25',
};

/**
 * R18: the `milestones` marker of the one status check and staff chase when SLCP has not validated the data
 * `validationDelay` after the release (the `sharingEnabled` activity records it).
 */
export const validationCheckMarker = 'validationCheck';

/** What the timeline may wait for besides the clock: facts other parts of the platform record. */
export const timelineAwaits = [
  'assessmentCompleted',
  'reportReleased',
  'gatewayConnected',
  'selfAssessmentSubmitted',
  'transmissionValidated',
] as const;
export type TimelineAwait = (typeof timelineAwaits)[number];

/** The facts of one cycle the timeline decides on: small, plain JSON (they travel through the history). */
export interface CycleTimelineFacts {
  factoryId: string;
  countryCode: string;
  cycleId: string;
  startsOn: string;
  endsOn: string;
  activatedAt: string | null;
  /** R23: sharing via SLCP applies to this cycle. */
  sharingEffective: boolean;
  preferenceReminderSentAt: string | null;
  /** R3: what stops the preference reminder whatever the date (null: nothing). */
  preferenceReminderBlockedBy: PreferenceReminderBlock | null;
  /** R15: the compliance assessment's last day (YYYY-MM-DD), once completed. */
  assessmentLastDay: string | null;
  /** R16: when the report was released. */
  releasedAt: string | null;
  readyToTransmitAt: string | null;
  /** R18: when SLCP validated the transmitted data (the Gateway's callback, or its status when asked). */
  transmissionValidatedAt: string | null;
  sharingEnabledAt: string | null;
  /** The cycle's `milestones` markers (name → when the timeline acted). */
  milestones: Record<string, string>;
  /** R9: the factory is connected to the SLCP Gateway. */
  gatewayConnected: boolean;
  /** R13: the cycle's self-assessment is submitted. */
  selfAssessmentSubmitted: boolean;
}

export type MilestoneState =
  | { state: 'done'; at: string }
  | { state: 'due'; dueAt: string }
  | { state: 'scheduled'; dueAt: string }
  | { state: 'waiting'; for: TimelineAwait }
  | { state: 'missed'; dueAt: string; reason: string }
  | { state: 'notApplicable'; reason: string };

export interface CycleTimelineDecision {
  states: Record<CycleMilestone, MilestoneState>;
  /** Due now, in the order to act on them. */
  due: CycleMilestone[];
  /** The earliest milestone scheduled after now. */
  next: { milestone: CycleMilestone; dueAt: string } | null;
  /** What the timeline waits for besides the clock. */
  waitingFor: TimelineAwait[];
  /** When the cycle is over (the start of the day after its last day). */
  cycleOverAt: string;
  /** The cycle is over and, once the due milestones are acted on, nothing remains. */
  finished: boolean;
  /** When to look again at the latest: the next milestone, the cycle's end, or the longest wait. */
  wakeAt: string;
}

/** The facts of `cycleId` of a factory, or undefined when the factory has no such cycle. */
export function cycleTimelineFacts(
  factory: FactoryDocument,
  cycleId: string,
  context: { selfAssessmentSubmitted: boolean; slcpLaunched: boolean }
): CycleTimelineFacts | undefined {
  const cycle = factory.cycles.find((c) => c.cycleId === cycleId);
  if (!cycle) return undefined;
  return {
    factoryId: factory.factoryId,
    countryCode: factory.countryCode,
    cycleId,
    startsOn: cycle.startsOn,
    endsOn: cycle.endsOn,
    activatedAt: cycle.activatedAt ?? null,
    sharingEffective: cycle.sharingEffective,
    preferenceReminderSentAt: cycle.preferenceReminderSentAt ?? null,
    preferenceReminderBlockedBy: preferenceReminderBlock(factory, cycle, context.slcpLaunched) ?? null,
    assessmentLastDay: cycle.assessment?.lastDay ?? null,
    releasedAt: cycle.report?.releasedAt ?? null,
    readyToTransmitAt: cycle.readyToTransmitAt ?? null,
    transmissionValidatedAt: cycle.transmission?.validatedAt ?? null,
    sharingEnabledAt: cycle.sharingEnabledAt ?? null,
    milestones: { ...(cycle.milestones ?? {}) },
    gatewayConnected: factory.gateway.status === 'connected',
    selfAssessmentSubmitted: context.selfAssessmentSubmitted,
  };
}

/**
 * Whether the self-assessment's submission can change the decision for this cycle (R17: only once the report
 * is released, sharing applies and the Gateway is connected, before the hand-off): callers that decide for
 * many cycles read the self-assessment only then.
 */
export function needsSelfAssessmentFact(factory: FactoryDocument, cycle: CycleEntry): boolean {
  return (
    cycle.report !== undefined &&
    cycle.readyToTransmitAt === undefined &&
    cycle.sharingEffective &&
    factory.gateway.status === 'connected'
  );
}

/** R16: the last day on which the report of an assessment ending on `assessmentLastDay` is released on time. */
export function releaseDeadlineDay(assessmentLastDay: string): string {
  return utcDay(addRuleDuration(startOfDay(assessmentLastDay), 'releaseDeadline'));
}

/** R16: when staff are reminded of the release deadline. */
export function releaseReminderAt(assessmentLastDay: string): Date {
  return subtractRuleDuration(startOfDay(releaseDeadlineDay(assessmentLastDay)), 'releaseReminderLead');
}

/** R16: when the release deadline has passed (the start of the day after the deadline day). */
export function releaseEscalationAt(assessmentLastDay: string): Date {
  return endOfDay(releaseDeadlineDay(assessmentLastDay));
}

/**
 * R18: by when SLCP validates the data: `validationDelay` after the release, or after a later hand-off. No
 * validation by then: the timeline asks the Gateway and chases staff.
 */
export function validationAt(releasedAt: string, readyToTransmitAt: string): Date {
  return addRuleDuration(later(new Date(releasedAt), new Date(readyToTransmitAt)), 'validationDelay');
}

/** R25: when Progress Report 1 is due. */
export function progressReportDueAt(releasedAt: string): Date {
  return addRuleDuration(new Date(releasedAt), 'progressReportDue');
}

/** R25: when the factory is reminded of Progress Report 1. */
export function progressReportReminderAt(releasedAt: string): Date {
  return subtractRuleDuration(progressReportDueAt(releasedAt), 'progressReportReminderLead');
}

const iso = (date: Date) => date.toISOString();

function onTheClock(now: Date, dueAt: Date): MilestoneState {
  return now.getTime() >= dueAt.getTime()
    ? { state: 'due', dueAt: iso(dueAt) }
    : { state: 'scheduled', dueAt: iso(dueAt) };
}

/** The state of every milestone of the cycle at `now`. */
export function milestoneStates(facts: CycleTimelineFacts, now: Date): Record<CycleMilestone, MilestoneState> {
  const cycleOver = now.getTime() >= endOfDay(facts.endsOn).getTime();
  const marker = (name: CycleMilestone | typeof validationCheckMarker) => facts.milestones[name];

  // R3
  const preferenceReminder = ((): MilestoneState => {
    if (facts.preferenceReminderSentAt) return { state: 'done', at: facts.preferenceReminderSentAt };
    if (facts.preferenceReminderBlockedBy) {
      return { state: 'notApplicable', reason: preferenceReminderBlockReasons[facts.preferenceReminderBlockedBy] };
    }
    const opens = later(startOfDay(preferenceReminderOpensOn(facts)), startOfDay(facts.startsOn));
    if (cycleOver)
      return { state: 'missed', dueAt: iso(opens), reason: 'the cycle ended before the reminder went out' };
    return onTheClock(now, opens);
  })();

  // Before the release: the chain waits for the assessment, then for the release.
  const upstream = (): MilestoneState => {
    if (facts.assessmentLastDay === null) {
      return cycleOver
        ? { state: 'notApplicable', reason: 'no compliance assessment was recorded for the cycle' }
        : { state: 'waiting', for: 'assessmentCompleted' };
    }
    return { state: 'waiting', for: 'reportReleased' };
  };

  // R16
  const releaseReminder = ((): MilestoneState => {
    const done = marker('releaseReminder');
    if (done) return { state: 'done', at: done };
    if (facts.releasedAt) return { state: 'notApplicable', reason: 'the report was released before the reminder' };
    if (facts.assessmentLastDay === null) return upstream();
    const remindAt = releaseReminderAt(facts.assessmentLastDay);
    if (now.getTime() >= releaseEscalationAt(facts.assessmentLastDay).getTime()) {
      return { state: 'missed', dueAt: iso(remindAt), reason: 'the deadline passed before the reminder went out' };
    }
    return onTheClock(now, remindAt);
  })();
  const releaseEscalation = ((): MilestoneState => {
    const done = marker('releaseEscalation');
    if (done) return { state: 'done', at: done };
    if (facts.releasedAt) return { state: 'notApplicable', reason: 'the report was released' };
    if (facts.assessmentLastDay === null) return upstream();
    return onTheClock(now, releaseEscalationAt(facts.assessmentLastDay));
  })();

  // R17
  const readyToTransmit = ((): MilestoneState => {
    if (facts.readyToTransmitAt) return { state: 'done', at: facts.readyToTransmitAt };
    if (!facts.releasedAt) return upstream();
    if (!facts.sharingEffective) {
      return { state: 'notApplicable', reason: 'sharing via SLCP does not apply to this cycle (R2, R23)' };
    }
    if (!facts.gatewayConnected) {
      return cycleOver
        ? { state: 'notApplicable', reason: 'the factory did not connect to the SLCP Gateway during the cycle' }
        : { state: 'waiting', for: 'gatewayConnected' };
    }
    if (!facts.selfAssessmentSubmitted) {
      return cycleOver
        ? { state: 'notApplicable', reason: 'the self-assessment was not submitted during the cycle' }
        : { state: 'waiting', for: 'selfAssessmentSubmitted' };
    }
    return { state: 'due', dueAt: facts.releasedAt };
  })();

  // R18: SLCP validates within `validationDelay` of the release (of the hand-off, when it came later): sharing
  // is enabled once the validation is known. Without one by then it falls due all the same: its activity asks
  // the Gateway, and when the Gateway has not validated either it chases staff once (`validationCheck`) and
  // the milestone waits for the validation.
  const sharingEnabled = ((): MilestoneState => {
    if (facts.sharingEnabledAt) return { state: 'done', at: facts.sharingEnabledAt };
    const handedOffAt = facts.readyToTransmitAt ?? (readyToTransmit.state === 'due' ? iso(now) : null);
    if (handedOffAt === null || !facts.releasedAt) {
      return readyToTransmit.state === 'notApplicable'
        ? { state: 'notApplicable', reason: 'nothing was handed to the Gateway (R17)' }
        : readyToTransmit.state === 'waiting'
          ? readyToTransmit
          : upstream();
    }
    if (facts.transmissionValidatedAt) return { state: 'due', dueAt: facts.transmissionValidatedAt };
    if (!marker(validationCheckMarker)) return onTheClock(now, validationAt(facts.releasedAt, handedOffAt));
    if (cycleOver) {
      return {
        state: 'notApplicable',
        reason: 'SLCP had not validated the data when the cycle ended (a later validation still enables sharing)',
      };
    }
    return { state: 'waiting', for: 'transmissionValidated' };
  })();

  // R25
  const progressReportReminder = ((): MilestoneState => {
    const done = marker('progressReportReminder');
    if (done) return { state: 'done', at: done };
    if (!facts.releasedAt) return upstream();
    const remindAt = progressReportReminderAt(facts.releasedAt);
    if (now.getTime() >= progressReportDueAt(facts.releasedAt).getTime()) {
      return {
        state: 'missed',
        dueAt: iso(remindAt),
        reason: 'Progress Report 1 was due before the reminder went out',
      };
    }
    return onTheClock(now, remindAt);
  })();

  return {
    preferenceReminder,
    releaseReminder,
    releaseEscalation,
    readyToTransmit,
    sharingEnabled,
    progressReportReminder,
  };
}

/** What the cycle's timeline does at `now`: act on the due milestones, then wait for the next or for a fact. */
export function decideCycleTimeline(facts: CycleTimelineFacts, now: Date): CycleTimelineDecision {
  const states = milestoneStates(facts, now);
  const due = cycleMilestones.filter((m) => states[m].state === 'due');
  let next: CycleTimelineDecision['next'] = null;
  for (const milestone of cycleMilestones) {
    const state = states[milestone];
    if (state.state === 'scheduled' && (next === null || state.dueAt < next.dueAt)) {
      next = { milestone, dueAt: state.dueAt };
    }
  }
  const waitingFor = [
    ...new Set(
      cycleMilestones.flatMap((m) => {
        const state = states[m];
        return state.state === 'waiting' ? [state.for] : [];
      })
    ),
  ];
  const cycleOverAt = endOfDay(facts.endsOn);
  const cycleOver = now.getTime() >= cycleOverAt.getTime();
  const finished = cycleOver && next === null && waitingFor.length === 0;
  return {
    states,
    due,
    next,
    waitingFor,
    cycleOverAt: iso(cycleOverAt),
    finished,
    wakeAt: iso(wakeAt(now, [next?.dueAt, cycleOver ? null : cycleOverAt])),
  };
}

/** The milestones due at `now` that the timeline should already have acted on: what the reconciliation wakes. */
export function overdueMilestones(facts: CycleTimelineFacts, now: Date): CycleMilestone[] {
  return decideCycleTimeline(facts, now).due;
}
