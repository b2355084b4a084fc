// The orchestration history the local durable engine keeps and hands to the app's orchestrator functions,
// in the shape the Durable Functions extension sends them (DurableTask.Core's history events, serialised
// with their .NET property names). The `durable-functions` replay reads EventType, EventId, IsPlayed,
// Timestamp (the OrchestratorStarted one is the orchestration's current time), Name, Input, Result,
// TaskScheduledId, TimerId, Reason and Details; the rest is there for people reading a history.

export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  GenericEvent: 17,
  HistoryState: 18,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

export type EventTypeCode = (typeof EventType)[keyof typeof EventType];

const eventTypeNames = new Map<number, string>(Object.entries(EventType).map(([name, code]) => [code, name]));

export function eventTypeName(code: number): string {
  return eventTypeNames.get(code) ?? `Unknown(${code})`;
}

export interface OrchestrationInstanceRef {
  InstanceId: string;
  ExecutionId: string;
}

export interface HistoryEvent {
  EventType: EventTypeCode;
  /** The sequence number of a scheduled task, timer or sub-orchestration; -1 for every other event. */
  EventId: number;
  IsPlayed: boolean;
  /** ISO 8601, from the project clock. */
  Timestamp: string;
  Name?: string;
  Version?: string;
  /** JSON text. */
  Input?: string;
  /** JSON text. */
  Result?: string;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  Reason?: string;
  Details?: string;
  InstanceId?: string;
  OrchestrationInstance?: OrchestrationInstanceRef;
  ParentInstance?: { Name: string; OrchestrationInstance: OrchestrationInstanceRef; TaskScheduleId: number } | null;
  OrchestrationStatus?: string;
}

type Fields = Omit<HistoryEvent, 'EventType' | 'EventId' | 'IsPlayed' | 'Timestamp'>;

export function historyEvent(type: EventTypeCode, at: Date | string, fields: Fields = {}, eventId = -1): HistoryEvent {
  return {
    EventType: type,
    EventId: eventId,
    IsPlayed: false,
    Timestamp: typeof at === 'string' ? at : at.toISOString(),
    ...withoutUndefined(fields),
  };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The events that deliver a result to the orchestration (a completion, a failure, a timer, an event). */
export function isMessageEvent(event: HistoryEvent): boolean {
  return (
    event.EventType === EventType.TaskCompleted ||
    event.EventType === EventType.TaskFailed ||
    event.EventType === EventType.TimerFired ||
    event.EventType === EventType.SubOrchestrationInstanceCompleted ||
    event.EventType === EventType.SubOrchestrationInstanceFailed ||
    event.EventType === EventType.EventRaised
  );
}

/** The history as the status API shows it: event type names, and inputs/results only when asked. */
export function presentHistory(history: readonly HistoryEvent[], withOutput: boolean): Record<string, unknown>[] {
  return history.map((event) => {
    const { EventType: type, IsPlayed: _played, Input, Result, ...rest } = event;
    const shown: Record<string, unknown> = { EventType: eventTypeName(type), ...rest };
    if (withOutput) {
      if (Input !== undefined) shown['Input'] = parseJsonText(Input);
      if (Result !== undefined) shown['Result'] = parseJsonText(Result);
    }
    return shown;
  });
}

/** JSON text to a value; text that is not JSON stays text (as the extension shows it). */
export function parseJsonText(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
