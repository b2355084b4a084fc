// Types for the parts of the durable-functions package (3.5.0) the orchestration tests use that it ships
// without declarations: its own testing utilities and history event classes (lib/src). Only what the tests
// touch is declared.

declare module 'durable-functions/lib/src/util/testingUtils' {
  /** The orchestration trigger's input as the Durable extension sends it (the binding's data). */
  export class DurableOrchestrationInput {
    constructor(
      instanceId?: string,
      history?: unknown[],
      input?: unknown,
      longRunningTimerIntervalDuration?: string,
      maximumShortTimerDuration?: string,
      defaultHttpAsyncRequestSleepTimeMillseconds?: number,
      schemaVersion?: number,
      isReplaying?: boolean,
      parentInstanceId?: string
    );
    history: unknown[];
    input: unknown;
    instanceId: string;
  }
}

declare module 'durable-functions/lib/src/orchestrations/ReplaySchema' {
  export enum ReplaySchema {
    V1 = 0,
    V2 = 1,
    V3 = 2,
    V4 = 3,
  }
}

declare module 'durable-functions/lib/src/history/HistoryEventOptions' {
  export class HistoryEventOptions {
    constructor(eventId: number, timestamp: Date, isPlayed?: boolean);
    eventId: number;
    timestamp: Date;
    isPlayed: boolean;
    name?: string;
    input?: string;
    result?: string;
    reason?: string;
    details?: string;
    fireAt?: Date;
    timerId?: number;
    taskScheduledId?: number;
    version?: string;
  }
}

declare module 'durable-functions/lib/src/history/HistoryEvent' {
  export class HistoryEvent {
    EventType: number;
    EventId: number;
    IsPlayed: boolean;
    Timestamp: Date;
  }
}

declare module 'durable-functions/lib/src/history/OrchestratorStartedEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class OrchestratorStartedEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}
declare module 'durable-functions/lib/src/history/OrchestratorCompletedEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class OrchestratorCompletedEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}
declare module 'durable-functions/lib/src/history/ExecutionStartedEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class ExecutionStartedEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}
declare module 'durable-functions/lib/src/history/TaskScheduledEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class TaskScheduledEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}
declare module 'durable-functions/lib/src/history/TaskCompletedEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class TaskCompletedEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}
declare module 'durable-functions/lib/src/history/TaskFailedEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class TaskFailedEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}
declare module 'durable-functions/lib/src/history/TimerCreatedEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class TimerCreatedEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}
declare module 'durable-functions/lib/src/history/TimerFiredEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class TimerFiredEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}
declare module 'durable-functions/lib/src/history/EventRaisedEvent' {
  import { HistoryEvent } from 'durable-functions/lib/src/history/HistoryEvent';
  import type { HistoryEventOptions } from 'durable-functions/lib/src/history/HistoryEventOptions';
  export class EventRaisedEvent extends HistoryEvent {
    constructor(options: HistoryEventOptions);
  }
}
