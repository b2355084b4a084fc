// One orchestration instance as the local durable engine persists it: one document per instance, holding
// the current execution's history, the messages not yet delivered to it (its inbox), the work it has
// scheduled and not yet seen complete, and the numbering model of its execution.

import type { HistoryEvent } from './history';
import type { ExecutionModel } from './model';

/** What the status API reports. ContinuedAsNew never shows: the new execution starts at once. */
export type RuntimeStatus =
  'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated' | 'Suspended';

export type StoredStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated';

export const terminalStatuses: readonly StoredStatus[] = ['Completed', 'Failed', 'Terminated'];

export function isTerminal(status: StoredStatus): boolean {
  return terminalStatuses.includes(status);
}

export type InboxMessage =
  | { kind: 'start'; executionId: string; input?: string; at: string }
  | { kind: 'event'; name: string; input?: string; at: string }
  /** A result for the execution that scheduled it: TaskCompleted/Failed, TimerFired, SubOrchestrationInstance*. */
  | { kind: 'completion'; executionId: string; event: HistoryEvent }
  | { kind: 'terminate'; reason?: string; at: string };

export interface PendingWork {
  /** Scheduled activities without a recorded result: run again after a crash (at least once, as in Azure). */
  activities: { taskId: number; name: string; input?: string }[];
  /** Armed timers that have not fired. */
  timers: { taskId: number; fireAt: string }[];
  /** Sub-orchestrations whose completion has not come back. */
  subOrchestrations: { taskId: number; instanceId: string; name: string; input?: string }[];
}

export interface ParentLink {
  instanceId: string;
  executionId: string;
  name: string;
  taskId: number;
}

export interface InstanceDoc {
  id: string;
  instanceId: string;
  type: 'durableInstance';
  taskHub: string;
  name: string;
  executionId: string;
  status: StoredStatus;
  suspended: boolean;
  /** JSON texts. */
  input?: string;
  output?: string;
  customStatus?: string;
  createdTime: string;
  lastUpdatedTime: string;
  parent?: ParentLink;
  history: HistoryEvent[];
  inbox: InboxMessage[];
  model: ExecutionModel;
  pending: PendingWork;
  /** How many executions the instance has had (continueAsNew starts the next one). */
  executions?: number;
  /** The most history events one of its executions reached (OrchestratorStarted/Completed included). */
  largestHistory?: number;
}

export function emptyPending(): PendingWork {
  return { activities: [], timers: [], subOrchestrations: [] };
}

export function runtimeStatusOf(doc: InstanceDoc): RuntimeStatus {
  if (doc.suspended && !isTerminal(doc.status)) return 'Suspended';
  return doc.status;
}
