// The per-cycle timeline (and the other durable waits) as the use cases see them. The facts always live
// in Cosmos first; a signal only wakes the orchestration to re-read them, so a signal that is lost (the
// engine was down) delays nothing past the daily reconciliation.

/** Why a timeline is woken; informational, the orchestration re-reads the cycle's facts either way. */
export type TimelineSignal =
  | 'assessmentCompleted'
  | 'reportReleased'
  | 'sharingRequested'
  | 'gatewayConnected'
  | 'transmissionValidated'
  | 'cycleChanged';

export type TimelineRuntimeStatus =
  'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated' | 'Suspended';

export interface DurableInstanceStatus {
  instanceId: string;
  runtimeStatus: TimelineRuntimeStatus;
  createdTime: string | undefined;
  lastUpdatedTime: string | undefined;
  /** What the orchestration last said it waits for (its custom status), as it set it. */
  customStatus: unknown;
  output: unknown;
}

export interface CycleTimelineStart {
  factoryId: string;
  cycleId: string;
}

export interface DurableTimelines {
  /** Starts the cycle's timeline unless it already runs (starting twice is harmless). */
  ensureCycleTimeline(start: CycleTimelineStart): Promise<{ instanceId: string; started: boolean }>;
  /** Wakes the cycle's timeline so it re-reads the cycle's facts now rather than at its next timer. */
  signalCycle(cycleId: string, signal: TimelineSignal): Promise<void>;
  /** Starts (or restarts) the wait for the Gateway's approval after "Connect with SLCP" (R9). */
  ensureGatewayApproval(factoryId: string): Promise<{ instanceId: string; started: boolean }>;
  /** Tells the approval wait the Gateway approved (R9). */
  signalGatewayApproved(factoryId: string): Promise<void>;
  /** (Re)starts the Terms & Conditions expiry watch after a signature (R10). */
  restartTermsWatch(factoryId: string, signedAt: string): Promise<void>;
  /**
   * Starts the background part of a person's personal-data erasure (`erasure-{userId}`); starting it while it
   * runs does nothing, and starting it after it stopped runs it again (it resumes).
   */
  startPersonalDataErasure(userId: string): Promise<{ instanceId: string; started: boolean }>;
  status(instanceId: string): Promise<DurableInstanceStatus | undefined>;
  /** The ids of every live instance (Pending, Running, Suspended), in as few calls as the API pages allow. */
  liveInstanceIds(): Promise<ReadonlySet<string>>;
}

export const instanceIds = {
  cycle: (cycleId: string) => `cycle-${cycleId}`,
  gatewayApproval: (factoryId: string) => `gateway-${factoryId}`,
  terms: (factoryId: string) => `terms-${factoryId}`,
  erasure: (userId: string) => `erasure-${userId}`,
} as const;
