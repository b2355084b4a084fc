// Pure parts of the `timeline` benchmark: what each of its cycles does when (the plan), the documents it
// seeds (the app's own constructors), what the cycle's timeline must then have done, and the exactly-once
// check over what the factories container holds at the end (milestone markers, audit events, outbox).
import type { UserDocument } from '../shared/app/users/userDirectory';
import { preferenceReminderSubject, sharingEnabledSubject } from '../shared/app/timeline/cycleMilestones';
import { utcDay } from '../shared/domain/countryProgrammes';
import { registerFirstCycle, registerNextCycle } from '../shared/domain/factory/cycles';
import { newFactoryDocument, type CycleEntry, type FactoryDocument } from '../shared/domain/factory/factory';
import {
  cycleMilestones,
  progressReportReminderAt,
  releaseEscalationAt,
  releaseReminderAt,
  validationAt,
  type CycleMilestone,
} from '../shared/domain/timeline/cycleTimeline';
import { preferenceReminderOpensOn } from '../shared/domain/timeline/preferenceReminder';
import { later, startOfDay } from '../shared/domain/timeline/waits';
import { benchFactoryId, benchFactoryName } from './benchFactories';

const dayMs = 86_400_000;

/** When the report of a cycle is released, against the R16 reminder (deadline − 7 days) and deadline. */
export type ReleaseTiming = 'beforeReminder' | 'afterReminder' | 'late';

/** What one cycle of the benchmark does, in days after the start of the run (day 0: the cycle starts). */
export interface CyclePlan {
  index: number;
  factoryId: string;
  cycleId: string;
  /** The day the assessment is created (a visit of that day and the day before), its findings recorded and completed. */
  assessmentDay: number;
  /** The day staff release the report. */
  releaseDay: number;
  release: ReleaseTiming;
  /**
   * R17: sharing via SLCP applies to the cycle, but the factory never connects to the Gateway: the hand-off
   * waits for the connection all year and lapses when the cycle ends (the other factories do not share). The
   * transmission itself needs a facility the Gateway knows, which this benchmark does not register.
   */
  sharingWithoutGateway: boolean;
  /** R3: the factory already asked to share from its next cycle, so it gets no preference reminder. */
  askedForNextCycle: boolean;
}

/** The days of the release after the assessment's last day: before the reminder (day 21), between it and the deadline (day 28), after the deadline. */
export const releaseAfterAssessment: Record<ReleaseTiming, number> = {
  beforeReminder: 12,
  afterReminder: 25,
  late: 33,
};

/** Assessments are spread over this many consecutive days, from `firstAssessmentDay`. */
export const assessmentSpreadDays = 120;
export const firstAssessmentDay = 30;
/** The cycle runs from day 0 for a year: its last day is day 364. */
export const cycleLengthDays = 365;

/**
 * Cycle `index`: 6 in 10 reports released before the reminder, 2 after it but on time, 2 late (the
 * escalation fires); 1 in 5 factories share via SLCP without connecting to the Gateway; 1 in 7 already asked
 * to share from the next cycle (no preference reminder).
 */
export function cyclePlan(index: number): CyclePlan {
  const factoryId = benchFactoryId('BD', index);
  const assessmentDay = firstAssessmentDay + (index % assessmentSpreadDays);
  const decile = index % 10;
  const release: ReleaseTiming = decile < 6 ? 'beforeReminder' : decile < 8 ? 'afterReminder' : 'late';
  return {
    index,
    factoryId,
    cycleId: `${factoryId}-C2`,
    assessmentDay,
    releaseDay: assessmentDay + releaseAfterAssessment[release],
    release,
    sharingWithoutGateway: index % 5 === 4,
    askedForNextCycle: index % 7 === 3,
  };
}

/**
 * The days the benchmark moves the clock to, in order: every day something is done through the API, and at
 * least every `maxStepDays`, up to the day after the cycles' last day.
 */
export function clockStops(plans: readonly CyclePlan[], maxStepDays: number): number[] {
  const actions = new Set(plans.flatMap((p) => [p.assessmentDay, p.releaseDay]));
  const stops: number[] = [];
  let last = 0;
  for (let day = 1; day <= cycleLengthDays + 1; day++) {
    if (actions.has(day) || day - last >= maxStepDays || day === cycleLengthDays + 1) {
      stops.push(day);
      last = day;
    }
  }
  return stops;
}

/** Which milestones the cycle's timeline must act on (exactly once each), and which never. */
export function expectedMilestones(plan: CyclePlan): Record<CycleMilestone, boolean> {
  return {
    preferenceReminder: !plan.askedForNextCycle,
    releaseReminder: plan.release !== 'beforeReminder',
    releaseEscalation: plan.release === 'late',
    // Never: no bench factory is connected to the Gateway (R17), so nothing is handed off or validated (R18).
    readyToTransmit: false,
    sharingEnabled: false,
    progressReportReminder: true,
  };
}

// ---------------------------------------------------------------------------------------------------
// Seeded documents
// ---------------------------------------------------------------------------------------------------

/** The manager of bench factory `index`: their own user, with an address on the example.com domain. */
export function benchManager(index: number, now: Date): UserDocument {
  const userId = `bench-manager-${index.toString(36).padStart(6, '0')}`;
  return {
    id: userId,
    type: 'user',
    userId,
    name: `Manager ${index}`,
    email: `manager@${benchFactoryId('BD', index).toLowerCase()}.example.com`,
    countryCodes: [],
    factoryIds: [benchFactoryId('BD', index)],
    advisedFactoryIds: [],
    brandId: undefined,
    updatedAt: now.toISOString(),
  };
}

/**
 * The factory of a cycle of the plan, in its second cycle (from `start`'s day for a year; not activated:
 * staff activate it through the API). Its first cycle ended the day before; a factory that shares asked for
 * it during the first cycle (R2, R23: sharing applies to the second); one that `askedForNextCycle` asked
 * again, for its third.
 */
export function timelineFactoryDocument(
  plan: CyclePlan,
  people: { managerUserId: string; advisorUserId: string },
  start: Date
): FactoryDocument {
  const day = (offset: number) => utcDay(new Date(start.getTime() + offset * dayMs));
  const enrolled = new Date(start.getTime() - 400 * dayMs);
  let doc = newFactoryDocument({
    factoryId: plan.factoryId,
    name: benchFactoryName(plan.index),
    address: `Plot ${1 + (plan.index % 400)}, Road ${1 + (plan.index % 37)}, Export Processing Zone`,
    osHubId: undefined,
    now: enrolled.toISOString(),
  });
  doc = registerFirstCycle(doc, { startsOn: day(-365), endsOn: day(-1) }, enrolled);
  doc = {
    ...doc,
    status: 'registered',
    managerUserIds: [people.managerUserId],
    advisorUserIds: [people.advisorUserId],
  };
  const asked = new Date(start.getTime() - 100 * dayMs).toISOString();
  if (plan.sharingWithoutGateway) {
    doc = {
      ...doc,
      sharing: { ...doc.sharing, pendingForNextCycle: true, requestedAt: asked, requestedBy: people.managerUserId },
    };
  }
  doc = registerNextCycle(
    doc,
    { startsOn: day(0), endsOn: day(cycleLengthDays - 1) },
    new Date(start.getTime() - 30 * dayMs)
  );
  if (plan.askedForNextCycle) {
    doc = {
      ...doc,
      sharing: { ...doc.sharing, pendingForNextCycle: true, requestedAt: asked, requestedBy: people.managerUserId },
    };
  }
  return { ...doc, updatedAt: start.toISOString() };
}

// ---------------------------------------------------------------------------------------------------
// What the timeline left in the factories container
// ---------------------------------------------------------------------------------------------------

/** The audit action each milestone activity writes (shared/app/timeline/cycleMilestones.ts). */
export const milestoneAuditActions: Record<CycleMilestone, string> = {
  preferenceReminder: 'slcp.preferenceReminderSent',
  releaseReminder: 'timeline.releaseReminderSent',
  releaseEscalation: 'timeline.releaseEscalated',
  readyToTransmit: 'timeline.readyToTransmit',
  sharingEnabled: 'timeline.sharingEnabled',
  progressReportReminder: 'timeline.progressReportReminderSent',
};

export function milestoneOfAction(action: string): CycleMilestone | undefined {
  return cycleMilestones.find((m) => milestoneAuditActions[m] === action);
}

/** The milestone an outbox entry (email or notification) was queued for, from its subject; undefined for others. */
export function milestoneOfSubject(subject: string): CycleMilestone | undefined {
  if (subject === preferenceReminderSubject) return 'preferenceReminder';
  if (subject.startsWith('Assessment report due by ')) return 'releaseReminder';
  if (subject.startsWith('Overdue: the assessment report of ')) return 'releaseEscalation';
  if (subject === sharingEnabledSubject) return 'sharingEnabled';
  if (subject.startsWith('Progress Report 1 is due on ')) return 'progressReportReminder';
  return undefined;
}

/** The markers a stored cycle carries for its milestones (when the timeline acted on each). */
export function milestoneMarkers(cycle: CycleEntry): Partial<Record<CycleMilestone, string>> {
  const markers: Partial<Record<CycleMilestone, string>> = {};
  const set = (name: CycleMilestone, at: string | undefined) => {
    if (at !== undefined) markers[name] = at;
  };
  set('preferenceReminder', cycle.preferenceReminderSentAt);
  set('releaseReminder', cycle.milestones?.releaseReminder);
  set('releaseEscalation', cycle.milestones?.releaseEscalation);
  set('readyToTransmit', cycle.readyToTransmitAt);
  set('sharingEnabled', cycle.sharingEnabledAt);
  set('progressReportReminder', cycle.milestones?.progressReportReminder);
  return markers;
}

/** When each milestone fell due by the rules, from the stored cycle (absent: it never fell due). */
export function milestoneDueTimes(cycle: CycleEntry): Partial<Record<CycleMilestone, string>> {
  const due: Partial<Record<CycleMilestone, string>> = {
    preferenceReminder: later(startOfDay(preferenceReminderOpensOn(cycle)), startOfDay(cycle.startsOn)).toISOString(),
  };
  if (cycle.assessment) {
    due.releaseReminder = releaseReminderAt(cycle.assessment.lastDay).toISOString();
    due.releaseEscalation = releaseEscalationAt(cycle.assessment.lastDay).toISOString();
  }
  if (cycle.report) {
    due.readyToTransmit = cycle.report.releasedAt;
    due.progressReportReminder = progressReportReminderAt(cycle.report.releasedAt).toISOString();
    if (cycle.readyToTransmitAt) {
      due.sharingEnabled = validationAt(cycle.report.releasedAt, cycle.readyToTransmitAt).toISOString();
    }
  }
  return due;
}

export interface AuditRecord {
  factoryId: string;
  action: string;
}

export interface OutboxRecord {
  factoryId: string;
  kind: string;
  to: string;
  subject: string;
}

export interface ExactlyOnceInput {
  plans: readonly CyclePlan[];
  /** The stored factories (each with the plan's cycle). */
  factories: readonly FactoryDocument[];
  audits: readonly AuditRecord[];
  outbox: readonly OutboxRecord[];
  /** How many outbox entries (emails + notifications) one firing of each milestone queues. */
  recipients: Record<CycleMilestone, number>;
  /** How long after its due time a milestone may be acted on (the virtual clock runs at real speed). */
  toleranceMs: number;
}

export interface ExactlyOnceReport {
  ok: boolean;
  /** Cycles × milestones checked. */
  checks: number;
  /** Firings seen per milestone (audit events). */
  fired: Record<CycleMilestone, number>;
  /** The latest any milestone was acted on after it fell due. */
  maxLagMs: number;
  /** What went wrong, one line each. */
  problems: string[];
}

const zeroPerMilestone = (): Record<CycleMilestone, number> =>
  Object.fromEntries(cycleMilestones.map((m) => [m, 0])) as Record<CycleMilestone, number>;

/**
 * Every milestone the plan expects fired exactly once per cycle, at or (within `toleranceMs`) after its due
 * time: one audit event, its marker on the cycle, one outbox entry per recipient and no recipient twice; and
 * every milestone it does not expect left no audit event, marker or outbox entry.
 */
export function checkExactlyOnce(input: ExactlyOnceInput): ExactlyOnceReport {
  const problems: string[] = [];
  const fired = zeroPerMilestone();
  let checks = 0;
  let maxLagMs = 0;
  const key = (factoryId: string, milestone: CycleMilestone) => `${factoryId} ${milestone}`;
  const audits = new Map<string, number>();
  for (const audit of input.audits) {
    const milestone = milestoneOfAction(audit.action);
    if (!milestone) {
      if (audit.action.startsWith('timeline.')) problems.push(`${audit.factoryId}: unexpected ${audit.action}`);
      continue;
    }
    fired[milestone]++;
    const k = key(audit.factoryId, milestone);
    audits.set(k, (audits.get(k) ?? 0) + 1);
  }
  const outbox = new Map<string, Map<string, number>>();
  for (const entry of input.outbox) {
    const milestone = milestoneOfSubject(entry.subject);
    if (!milestone) continue;
    const k = key(entry.factoryId, milestone);
    const byRecipient = outbox.get(k) ?? new Map<string, number>();
    const recipient = `${entry.kind} ${entry.to}`;
    byRecipient.set(recipient, (byRecipient.get(recipient) ?? 0) + 1);
    outbox.set(k, byRecipient);
  }
  const factories = new Map(input.factories.map((f) => [f.factoryId, f]));
  for (const plan of input.plans) {
    const cycle = factories.get(plan.factoryId)?.cycles.find((c) => c.cycleId === plan.cycleId);
    if (!cycle) {
      problems.push(`${plan.cycleId}: the cycle is not stored`);
      continue;
    }
    const expected = expectedMilestones(plan);
    const markers = milestoneMarkers(cycle);
    const due = milestoneDueTimes(cycle);
    for (const milestone of cycleMilestones) {
      checks++;
      const k = key(plan.factoryId, milestone);
      const auditCount = audits.get(k) ?? 0;
      const byRecipient = outbox.get(k) ?? new Map<string, number>();
      const entries = [...byRecipient.values()].reduce((sum, n) => sum + n, 0);
      const twice = [...byRecipient.entries()].filter(([, n]) => n > 1).map(([recipient]) => recipient.split(' ')[0]);
      const marker = markers[milestone];
      const where = `${plan.cycleId} ${milestone}`;
      if (!expected[milestone]) {
        if (auditCount > 0 || marker !== undefined || entries > 0) {
          problems.push(
            `${where}: should not have fired, but has ${auditCount} audit event(s), ${entries} outbox entr(ies)` +
              (marker ? `, marker ${marker}` : '')
          );
        }
        continue;
      }
      if (auditCount !== 1) problems.push(`${where}: ${auditCount} audit events (expected 1)`);
      if (entries !== input.recipients[milestone]) {
        problems.push(`${where}: ${entries} outbox entries (expected ${input.recipients[milestone]})`);
      }
      if (twice.length > 0) problems.push(`${where}: sent twice to ${twice.length} recipient(s) (${twice.join(', ')})`);
      if (marker === undefined) {
        problems.push(`${where}: no marker on the cycle`);
        continue;
      }
      const dueAt = due[milestone];
      if (dueAt === undefined) {
        problems.push(`${where}: acted on at ${marker}, but it never fell due`);
        continue;
      }
      const lag = Date.parse(marker) - Date.parse(dueAt);
      if (lag < 0) problems.push(`${where}: acted on at ${marker}, before it fell due at ${dueAt}`);
      else if (lag > input.toleranceMs)
        problems.push(`${where}: acted on at ${marker}, ${Math.round(lag / 1000)} s after it fell due at ${dueAt}`);
      else maxLagMs = Math.max(maxLagMs, lag);
    }
  }
  return { ok: problems.length === 0, checks, fired, maxLagMs, problems };
}
