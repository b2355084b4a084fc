// What the orchestrations say they wait for (their custom status), as the staff's read endpoint shows it.
// Plain JSON, set by the orchestrators with `setCustomStatus` before each wait. Pure.
import type { CycleMilestone, TimelineAwait } from './cycleTimeline';

export interface MilestoneRun {
  milestone: string;
  /** False when the activity found nothing to do any more (someone else did it, or the facts changed). */
  acted: boolean;
  at: string | null;
}

export interface CycleTimelineStatus {
  /** `waiting` for the clock or an event; `finished` once the timeline is over. */
  phase: 'waiting' | 'finished' | 'cycleNotFound';
  /** Which execution of the instance this is (it continues as new after each wait). */
  execution: number;
  decidedAt: string;
  next: { milestone: CycleMilestone; dueAt: string } | null;
  waitingFor: TimelineAwait[];
  /** When the wait's timer fires (a `CycleChanged` event wakes it earlier). */
  wakeAt: string | null;
  /** What this execution acted on. */
  ran: MilestoneRun[];
  /** Milestones whose activity failed after its retries: retried when the timeline is woken again. */
  failed: string[];
}
