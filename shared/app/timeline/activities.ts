// The activities the timeline orchestrations call: their names (one function each in functions/activities),
// their inputs (validated where they arrive) and their outcomes, and the retry options of every call.
import { z } from 'zod';
import type { CycleMilestone } from '../../domain/timeline/cycleTimeline';

export const timelineActivities = {
  loadCycleTimelineFacts: 'loadCycleTimelineFacts',
  sendPreferenceReminder: 'sendPreferenceReminder',
  remindReleaseDeadline: 'remindReleaseDeadline',
  escalateReleaseDeadline: 'escalateReleaseDeadline',
  markReadyToTransmit: 'markReadyToTransmit',
  enableSharing: 'enableSharing',
  remindProgressReport: 'remindProgressReport',
  loadGatewayApprovalFacts: 'loadGatewayApprovalFacts',
  chaseGatewayApproval: 'chaseGatewayApproval',
  loadTermsWatchFacts: 'loadTermsWatchFacts',
  remindTermsExpiry: 'remindTermsExpiry',
  noticeTermsExpired: 'noticeTermsExpired',
  completePersonalDataErasure: 'completePersonalDataErasure',
} as const;

/** The activity that acts on each milestone of the cycle timeline. */
export const milestoneActivity: Record<CycleMilestone, string> = {
  preferenceReminder: timelineActivities.sendPreferenceReminder,
  releaseReminder: timelineActivities.remindReleaseDeadline,
  releaseEscalation: timelineActivities.escalateReleaseDeadline,
  readyToTransmit: timelineActivities.markReadyToTransmit,
  sharingEnabled: timelineActivities.enableSharing,
  progressReportReminder: timelineActivities.remindProgressReport,
};

/**
 * Every activity call retries transient failures (Cosmos throttling, a lost connection): three attempts, the
 * second after 5 s, the third after 10 s. An activity is idempotent, so a retry after a write that landed
 * sends nothing twice.
 */
export const activityRetry = {
  firstRetryIntervalInMilliseconds: 5_000,
  maxNumberOfAttempts: 3,
  backoffCoefficient: 2,
  maxRetryIntervalInMilliseconds: 60_000,
} as const;

const factoryId = z.string().regex(/^[A-Z]{2}-[0-9A-Z]{8}$/);
const instant = z.iso.datetime({ offset: true });

export const cycleRefSchema = z.object({ factoryId, cycleId: z.string().min(1).max(64) });
export type CycleRef = z.infer<typeof cycleRefSchema>;

/** A milestone activity's input: the cycle, and when the orchestration decided it was due. */
export const milestoneInputSchema = cycleRefSchema.extend({ asOf: instant });
export type MilestoneInput = z.infer<typeof milestoneInputSchema>;

export const factoryRefSchema = z.object({ factoryId });

/** The person whose personal-data erasure the `personalDataErasure` orchestration completes. */
export const userRefSchema = z.object({ userId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/) });
export type UserRef = z.infer<typeof userRefSchema>;

export const gatewayChaseInputSchema = z.object({
  factoryId,
  handOff: z.string().min(1).max(100),
  since: instant,
  step: z.union([
    z.object({ kind: z.literal('chase'), number: z.number().int().min(1) }),
    z.object({ kind: z.literal('escalation') }),
  ]),
  asOf: instant,
});
export type GatewayChaseInput = z.infer<typeof gatewayChaseInputSchema>;

export const termsStepInputSchema = z.object({ factoryId, signedAt: instant, asOf: instant });
export type TermsStepInput = z.infer<typeof termsStepInputSchema>;

/** What a milestone activity did: `acted` false when it found nothing to do (already done, or no longer due). */
export interface ActivityOutcome {
  milestone: string;
  acted: boolean;
  /** When it acted, or when it had been done. */
  at: string | null;
  reason: string | null;
}
