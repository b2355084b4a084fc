// The local durable engine: runs the app's Durable Functions orchestrations without Azure.
//
// Each instance is one document (local/durable/instance.ts) kept in memory and written through to the
// store. An episode takes the instance's next messages (an ExecutionStarted, a raised event, activity
// results, fired timers), replays the orchestrator function over the history plus those messages through
// the app's own `durable-functions` package, reads the actions it returns, and numbers the new ones as the
// SDK's replay does (local/durable/model.ts). The episode's history and the work it schedules are written
// in one conditional write BEFORE any activity or sub-orchestration starts, or a parent hears of the end
// (write-ahead); an episode that only arms timers is written behind (within a second, coalesced: the
// timers are the engine's own and recovery would re-create them from the written state; timerWrites:
// 'ahead' writes first there too). An activity's result is written (in the instance's inbox) before the
// episode that delivers it. After a crash, start() loads every instance, re-runs the activities that have
// no recorded result (at least once, as in Azure: activities must be idempotent), re-arms the timers and
// delivers what waits in the inboxes.
//
// Timers follow the project clock: the engine is a WakeupSource of the host's scheduler, and with the
// virtual clock the scheduler awaits `settle()` (no episode, activity or write-ahead in flight) before it
// moves the clock on, so everything caused at an instant happens at that instant.

import { InflightWork } from '../processes/inflightWork';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../shared/ports/clock';
import type { WakeupSource } from '../timers/scheduler';
import type { ActionJson } from './actions';
import { MinHeap, Semaphore } from './concurrency';
import { EventType, historyEvent, type HistoryEvent } from './history';
import {
  emptyPending,
  isTerminal,
  runtimeStatusOf,
  type InboxMessage,
  type InstanceDoc,
  type ParentLink,
  type RuntimeStatus,
  type StoredStatus,
} from './instance';
import type { DurableFunctions, OrchestrationTriggerInput } from './invoker';
import { replaySchemaV2, replaySchemaV3 } from './invoker';
import {
  applyEvent,
  cancelledTimerActions,
  emptyModel,
  needsOwnEpisode,
  planNewActions,
  type Allocation,
  type TaskEntry,
  type TimerDurations,
} from './model';
import { timeSpanMs, type DurableTaskSettings } from './settings';
import { StoreConflictError, type InstanceStore } from './store';

export type DurableLogLevel = 'debug' | 'information' | 'warning' | 'error';

export interface DurableEngineOptions {
  store: InstanceStore;
  functions: DurableFunctions;
  clock: Clock;
  settings: DurableTaskSettings;
  log: (level: DurableLogLevel, message: string) => void;
  /** Called when a timer is armed, so the scheduler looks at nextDue() again. */
  onTimersChanged?: () => void;
  /**
   * 'behind' (default): an episode that only arms timers is written in the background; 'ahead': it is
   * written before its timers are armed, like everything else.
   */
  timerWrites?: 'ahead' | 'behind';
}

/** A request the Durable HTTP API refuses: the status and the reason. */
export class DurableRequestError extends Error {
  override name = 'DurableRequestError';
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

interface LiveInstance {
  doc: InstanceDoc;
  etag: string | undefined;
  /** Bumped by every change that must reach the store; persistedVersion is what the store has. */
  version: number;
  persistedVersion: number;
  writes: Promise<void>;
  /** An episode loop is queued or running for it. */
  scheduled: boolean;
  purged: boolean;
  /** A pending write-behind (see writeBehind). */
  writeBehind?: NodeJS.Timeout;
}

interface ArmedTimer {
  due: number;
  instanceId: string;
  executionId: string;
  taskId: number;
}

/** The work an episode scheduled, started once its write is durable. */
interface Dispatch {
  doc: InstanceDoc;
  activities: { taskId: number; name: string; input?: string }[];
  timers: { taskId: number; fireAt: string }[];
  children: { taskId: number; instanceId: string; name: string; input?: string }[];
  notifyParent: boolean;
}

export interface InstanceQuery {
  runtimeStatus?: RuntimeStatus[];
  createdTimeFrom?: Date;
  createdTimeTo?: Date;
  instanceIdPrefix?: string;
}

export interface DurableMetrics {
  instances: number;
  episodes: number;
  writes: number;
  activityRuns: number;
  activityFailures: number;
  timersFired: number;
  continuedAsNew: number;
  /** The longest history an execution reached (events, OrchestratorStarted/Completed included). */
  largestExecutionHistory: number;
}

const maxBatch = 50;
/** Timers due within this long after the earliest fire together with it (see nextDue): at most this late. */
export const timerBatchMs = 1_000;
const writeBehindMs = 1_000;
const settleReportMs = 10_000;

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).slice(0, 300);
}

function jsonText(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

export class DurableEngine implements WakeupSource {
  readonly name = 'durable timers';
  private readonly instances = new Map<string, LiveInstance>();
  private readonly timers = new MinHeap<ArmedTimer>();
  private readonly orchestrations: Semaphore;
  private readonly activities: Semaphore;
  private readonly durations: TimerDurations;
  private readonly inflight = new InflightWork((message) => this.options.log('warning', message), settleReportMs);
  private started: Promise<void> | undefined;
  private stopping = false;
  private readonly counters = {
    episodes: 0,
    writes: 0,
    activityRuns: 0,
    activityFailures: 0,
    timersFired: 0,
    continuedAsNew: 0,
    largestExecutionHistory: 0,
  };

  constructor(private readonly options: DurableEngineOptions) {
    this.orchestrations = new Semaphore(options.settings.maxConcurrentOrchestratorFunctions);
    this.activities = new Semaphore(options.settings.maxConcurrentActivityFunctions);
    this.durations = {
      maxShortTimerMs: timeSpanMs(options.settings.maximumShortTimerDuration),
      longTimerIntervalMs: timeSpanMs(options.settings.longRunningTimerIntervalDuration),
    };
  }

  get taskHub(): string {
    return this.options.settings.hubName;
  }

  get storeDescription(): string {
    return this.options.store.description;
  }

  metrics(): DurableMetrics {
    return { instances: this.instances.size, ...this.counters };
  }

  // ---------------------------------------------------------------------------------------------- lifecycle

  /** Loads every instance and resumes the ones that were not finished (recovery after a crash). */
  start(): Promise<void> {
    this.started ??= this.recover();
    return this.started;
  }

  private async recover(): Promise<void> {
    const { store } = this.options;
    await store.init();
    const loaded = await store.loadAll(this.taskHub);
    for (const { doc, etag } of loaded) {
      this.instances.set(doc.instanceId, {
        doc,
        etag,
        version: 0,
        persistedVersion: 0,
        writes: Promise.resolve(),
        scheduled: false,
        purged: false,
      });
    }
    let activities = 0;
    let timers = 0;
    let resumed = 0;
    for (const inst of this.instances.values()) {
      const { doc } = inst;
      if (isTerminal(doc.status)) continue;
      resumed++;
      for (const timer of doc.pending.timers) {
        this.arm(doc, timer.taskId, timer.fireAt);
        timers++;
      }
      for (const work of doc.pending.activities) {
        this.track(`activity ${work.name}`, this.runActivity(inst, doc.executionId, work));
        activities++;
      }
      for (const child of doc.pending.subOrchestrations) {
        const existing = this.instances.get(child.instanceId);
        const link = existing?.doc.parent;
        const ours =
          link?.instanceId === doc.instanceId && link.executionId === doc.executionId && link.taskId === child.taskId;
        if (!existing || !ours) this.track('sub-orchestration start', this.startChild(doc, child));
        else if (isTerminal(existing.doc.status))
          this.track('sub-orchestration result', this.notifyParent(existing.doc));
      }
      this.kick(inst);
    }
    this.options.onTimersChanged?.();
    if (loaded.length > 0) {
      this.options.log(
        'information',
        `task hub ${this.taskHub}: ${loaded.length} instances loaded, ${resumed} resumed ` +
          `(${activities} activities run again, ${timers} timers re-armed)`
      );
    }
  }

  async stop(): Promise<void> {
    const writes = this.writeAll();
    this.stopping = true;
    this.inflight.close(); // nothing waits for the engine to settle once it stops
    await Promise.race([writes, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    await this.options.store.close();
  }

  // ------------------------------------------------------------------------------------------ settle/track

  private track<T>(what: string, work: Promise<T>): Promise<T> {
    return this.inflight.track(what, work);
  }

  /**
   * Resolves when nothing runs or waits to run: no episode, activity, sub-orchestration start or write.
   * What is left are timers and events the instances wait for.
   */
  settle(): Promise<void> {
    return this.inflight.settle();
  }

  // --------------------------------------------------------------------------------------------- timers

  /**
   * When the next timer is due; timers due within `timerBatchMs` after it fire with it, at the last of them
   * (but not after `until` when that comes first). Work started over HTTP while the clock ran puts its timers
   * milliseconds apart; without this, a virtual-clock jump would stop at each of them, one by one.
   */
  nextDue(until?: Date): Date | undefined {
    let first: ArmedTimer | undefined;
    for (;;) {
      const top = this.timers.peek();
      if (!top) return undefined;
      if (this.isArmed(top)) {
        first = top;
        break;
      }
      this.timers.pop();
    }
    let last = first.due;
    this.timers.forEachUpTo(first.due + timerBatchMs, (timer) => {
      if (timer.due > last && this.isArmed(timer)) last = timer.due;
    });
    return new Date(until === undefined ? last : Math.min(last, Math.max(first.due, until.getTime())));
  }

  async fireDue(now: Date): Promise<void> {
    for (;;) {
      const top = this.timers.peek();
      if (!top || top.due > now.getTime()) return;
      this.timers.pop();
      if (!this.isArmed(top)) continue;
      this.fireTimer(top);
    }
  }

  private isArmed(timer: ArmedTimer): boolean {
    const inst = this.instances.get(timer.instanceId);
    if (!inst || inst.purged || inst.doc.executionId !== timer.executionId || isTerminal(inst.doc.status)) return false;
    return inst.doc.pending.timers.some((t) => t.taskId === timer.taskId);
  }

  private arm(doc: InstanceDoc, taskId: number, fireAt: string): void {
    this.timers.push({ due: Date.parse(fireAt), instanceId: doc.instanceId, executionId: doc.executionId, taskId });
  }

  private fireTimer(timer: ArmedTimer): void {
    const inst = this.instances.get(timer.instanceId);
    if (!inst) return;
    const { doc } = inst;
    const pending = doc.pending.timers.find((t) => t.taskId === timer.taskId);
    if (!pending) return;
    doc.pending.timers = doc.pending.timers.filter((t) => t !== pending);
    doc.inbox.push({
      kind: 'completion',
      executionId: doc.executionId,
      event: historyEvent(EventType.TimerFired, this.options.clock.now(), {
        TimerId: timer.taskId,
        FireAt: pending.fireAt,
      }),
    });
    this.counters.timersFired++;
    // Not written here: a timer that fired before a crash fires again when it is re-armed.
    this.kick(inst);
  }

  // ------------------------------------------------------------------------------------------ episodes

  private runnable(inst: LiveInstance): boolean {
    const { doc } = inst;
    if (inst.purged || doc.inbox.length === 0 || isTerminal(doc.status)) return false;
    if (doc.suspended) return doc.inbox.some((m) => m.kind === 'terminate');
    return true;
  }

  private kick(inst: LiveInstance): void {
    if (inst.scheduled || this.stopping || !this.runnable(inst)) return;
    inst.scheduled = true;
    const run = this.orchestrations
      .run(() => this.drain(inst))
      .catch((error: unknown) => {
        this.options.log('error', `instance ${inst.doc.instanceId}: ${(error as Error).stack ?? String(error)}`);
      })
      .finally(() => {
        inst.scheduled = false;
        this.kick(inst);
      });
    this.track('orchestrator episode', run);
  }

  /** Runs episodes while the instance has messages, writing before it dispatches any work. */
  private async drain(inst: LiveInstance): Promise<void> {
    while (!this.stopping && this.runnable(inst)) {
      const dispatch = await this.step(inst);
      if (!dispatch) continue;
      // Write-ahead before anything leaves the engine: an activity, a sub-orchestration, a parent's
      // notification, or the end of the instance. A timer is the engine's own: it is armed at once and
      // written behind (unless timerWrites is 'ahead'); if that write were lost, recovery would create the
      // timer again from the written state, deterministically, before anything outside had seen it.
      const external =
        dispatch.activities.length > 0 ||
        dispatch.children.length > 0 ||
        dispatch.notifyParent ||
        isTerminal(dispatch.doc.status) ||
        this.options.timerWrites === 'ahead';
      if (external) await this.persist(inst);
      this.dispatch(inst, dispatch);
    }
    if (inst.version > inst.persistedVersion) this.writeBehind(inst);
  }

  /**
   * Writes the instance a moment later (a virtual-clock jump runs many timer-only episodes of an instance
   * in that moment: one write covers them), unless a write-ahead comes first.
   */
  private writeBehind(inst: LiveInstance): void {
    if (inst.writeBehind || this.stopping) return;
    inst.writeBehind = setTimeout(() => {
      inst.writeBehind = undefined;
      if (inst.version > inst.persistedVersion) void this.persist(inst, true).catch(() => undefined);
    }, writeBehindMs);
    inst.writeBehind.unref();
  }

  private isStale(doc: InstanceDoc, message: InboxMessage): boolean {
    return (message.kind === 'completion' || message.kind === 'start') && message.executionId !== doc.executionId;
  }

  /** One episode (or a termination); returns the work to start once written, if any. */
  private async step(inst: LiveInstance): Promise<Dispatch | undefined> {
    const doc = inst.doc;
    const terminate = doc.inbox.findIndex((m) => m.kind === 'terminate');
    if (terminate >= 0) {
      const [message] = doc.inbox.splice(terminate, 1);
      const reason = message?.kind === 'terminate' ? message.reason : undefined;
      const now = this.options.clock.now();
      const events = [
        historyEvent(EventType.OrchestratorStarted, now),
        historyEvent(EventType.ExecutionTerminated, now, { Input: jsonText(reason ?? '') }),
      ];
      return this.finish(inst, doc, events, 'Terminated', jsonText(reason ?? ''));
    }
    while (doc.inbox[0] && this.isStale(doc, doc.inbox[0])) doc.inbox.shift();
    const first = doc.inbox.shift();
    if (!first) return undefined;
    const batch: InboxMessage[] = [first];
    while (batch.length < maxBatch && doc.inbox[0]) {
      const next = doc.inbox[0];
      if (next.kind !== 'completion') break;
      if (next.executionId !== doc.executionId) {
        doc.inbox.shift();
        continue;
      }
      if (needsOwnEpisode(doc.model, next.event)) break;
      batch.push(next);
      doc.inbox.shift();
    }
    inst.version++;
    return this.episode(inst, doc, batch);
  }

  private toEvent(doc: InstanceDoc, message: InboxMessage): HistoryEvent {
    switch (message.kind) {
      case 'start':
        return historyEvent(EventType.ExecutionStarted, message.at, {
          Name: doc.name,
          Version: '',
          Input: message.input,
          OrchestrationInstance: { InstanceId: doc.instanceId, ExecutionId: doc.executionId },
          ParentInstance: doc.parent
            ? {
                Name: doc.parent.name,
                OrchestrationInstance: { InstanceId: doc.parent.instanceId, ExecutionId: doc.parent.executionId },
                TaskScheduleId: doc.parent.taskId,
              }
            : null,
        });
      case 'event':
        return historyEvent(EventType.EventRaised, message.at, { Name: message.name, Input: message.input });
      case 'completion':
        return message.event;
      case 'terminate':
        return historyEvent(EventType.ExecutionTerminated, message.at, { Input: jsonText(message.reason ?? '') });
    }
  }

  private async episode(inst: LiveInstance, doc: InstanceDoc, batch: InboxMessage[]): Promise<Dispatch | undefined> {
    const { settings, functions, clock } = this.options;
    const now = clock.now();
    const newEvents = batch.map((message) => this.toEvent(doc, message));
    const started = historyEvent(EventType.OrchestratorStarted, now);
    const trigger: OrchestrationTriggerInput = {
      history: [
        ...doc.history.map((event) => ({ ...event, IsPlayed: true })),
        started,
        ...newEvents.map((event) => ({ ...event, IsPlayed: false })),
      ],
      input: doc.input === undefined ? null : (JSON.parse(doc.input) as unknown),
      instanceId: doc.instanceId,
      isReplaying: doc.history.length > 0,
      parentInstanceId: doc.parent?.instanceId ?? null,
      upperSchemaVersion: replaySchemaV2,
      upperSchemaVersionNew: replaySchemaV3,
      longRunningTimerIntervalDuration: settings.longRunningTimerIntervalDuration,
      maximumShortTimerDuration: settings.maximumShortTimerDuration,
      defaultHttpAsyncRequestSleepTimeMillseconds: settings.defaultHttpAsyncRequestSleepTimeMilliseconds,
    };
    if (doc.status === 'Pending') doc.status = 'Running';
    const outcome = await functions.runOrchestrator(doc.name, trigger);
    this.counters.episodes++;
    if (inst.doc !== doc || inst.purged) return undefined; // restarted or purged meanwhile
    const events = [started, ...newEvents];

    if (outcome.kind === 'failed') {
      if (outcome.state?.customStatus !== undefined) doc.customStatus = jsonText(outcome.state.customStatus);
      const message = `Orchestrator function '${doc.name}' failed: ${outcome.message}`;
      return this.finish(inst, doc, events, 'Failed', jsonText(message), outcome.details);
    }
    const state = outcome.state;
    doc.customStatus = jsonText(state.customStatus);
    const ctx = { now, instanceId: doc.instanceId, durations: this.durations };
    const allocations: Allocation[] = [];
    for (const event of newEvents) allocations.push(...applyEvent(doc.model, event, ctx));

    const plan = planNewActions(doc.model, state.actions, ctx);
    const problem = plan.nondeterministic ?? (state.isDone ? undefined : plan.unsupported);
    if (problem) {
      return this.finish(
        inst,
        doc,
        events,
        'Failed',
        jsonText(`Orchestrator function '${doc.name}' failed: ${problem}`),
        problem
      );
    }
    if (state.isDone) {
      if (plan.continueAsNew) return this.continueAsNew(inst, doc, events, plan.continueAsNew.input);
      return this.finish(inst, doc, events, 'Completed', jsonText(state.output ?? null));
    }
    allocations.push(...plan.allocations);

    const dispatch: Dispatch = { doc, activities: [], timers: [], children: [], notifyParent: false };
    const scheduled: HistoryEvent[] = [];
    for (const allocation of allocations) {
      scheduled.push(this.scheduledEvent(allocation, now));
      const { id, entry } = allocation;
      if (entry.kind === 'activity') {
        const work = { taskId: id, name: entry.name, ...(entry.input !== undefined ? { input: entry.input } : {}) };
        doc.pending.activities.push(work);
        dispatch.activities.push(work);
      } else if (entry.kind === 'subOrchestration') {
        const child = {
          taskId: id,
          instanceId: entry.instanceId,
          name: entry.name,
          ...(entry.input !== undefined ? { input: entry.input } : {}),
        };
        doc.pending.subOrchestrations.push(child);
        dispatch.children.push(child);
      } else if (allocation.armed) {
        const timer = { taskId: id, fireAt: entry.fireAt };
        doc.pending.timers.push(timer);
        dispatch.timers.push(timer);
      }
    }
    this.disarmCancelled(doc, state.actions);
    doc.history = [...doc.history, ...events, ...scheduled, historyEvent(EventType.OrchestratorCompleted, clock.now())];
    doc.lastUpdatedTime = clock.now().toISOString();
    this.noteHistory(doc, doc.history.length);
    const hasWork = dispatch.activities.length + dispatch.timers.length + dispatch.children.length > 0;
    return hasWork ? dispatch : undefined;
  }

  private scheduledEvent(allocation: Allocation, at: Date): HistoryEvent {
    const { id, entry } = allocation;
    switch (entry.kind) {
      case 'activity':
        return historyEvent(EventType.TaskScheduled, at, { Name: entry.name, Version: '', Input: entry.input }, id);
      case 'subOrchestration':
        return historyEvent(
          EventType.SubOrchestrationInstanceCreated,
          at,
          { Name: entry.name, Version: '', InstanceId: entry.instanceId, Input: entry.input },
          id
        );
      case 'timer':
        return historyEvent(EventType.TimerCreated, at, { FireAt: entry.fireAt }, id);
    }
  }

  /** Timers of actions the orchestrator has cancelled never fire (a Task.any loser it called cancel() on). */
  private disarmCancelled(doc: InstanceDoc, actions: readonly ActionJson[]): void {
    const cancelled = cancelledTimerActions(actions);
    if (cancelled.size === 0) return;
    doc.pending.timers = doc.pending.timers.filter((timer) => {
      const entry: TaskEntry | undefined = doc.model.tasks[String(timer.taskId)];
      return !(entry?.kind === 'timer' && entry.action !== undefined && cancelled.has(entry.action));
    });
  }

  private noteHistory(doc: InstanceDoc, length: number): void {
    if (length > (doc.largestHistory ?? 0)) doc.largestHistory = length;
    if (length > this.counters.largestExecutionHistory) this.counters.largestExecutionHistory = length;
  }

  private finish(
    inst: LiveInstance,
    doc: InstanceDoc,
    events: HistoryEvent[],
    status: Extract<StoredStatus, 'Completed' | 'Failed' | 'Terminated'>,
    output: string | undefined,
    details?: string
  ): Dispatch {
    const now = this.options.clock.now();
    doc.history = [
      ...doc.history,
      ...events,
      historyEvent(EventType.ExecutionCompleted, now, {
        OrchestrationStatus: status,
        Result: output,
        ...(details ? { Details: details } : {}),
      }),
      historyEvent(EventType.OrchestratorCompleted, now),
    ];
    this.noteHistory(doc, doc.history.length);
    doc.status = status;
    doc.suspended = false;
    doc.output = output;
    doc.pending = emptyPending();
    // Like the extension, messages for a finished instance are dropped.
    doc.inbox = [];
    doc.lastUpdatedTime = now.toISOString();
    inst.version++;
    if (status === 'Failed') {
      this.options.log(
        'error',
        `orchestration ${doc.name} (${doc.instanceId}) failed: ${firstLine(details ?? output ?? '')}`
      );
    }
    return { doc, activities: [], timers: [], children: [], notifyParent: doc.parent !== undefined };
  }

  private continueAsNew(
    inst: LiveInstance,
    doc: InstanceDoc,
    events: HistoryEvent[],
    input: string | undefined
  ): Dispatch | undefined {
    const now = this.options.clock.now();
    this.noteHistory(doc, doc.history.length + events.length + 2);
    const executionId = randomUUID();
    // The next execution starts at once; events that arrived meanwhile wait for it in the inbox.
    doc.inbox = [
      { kind: 'start', executionId, ...(input !== undefined ? { input } : {}), at: now.toISOString() },
      ...doc.inbox.filter((message) => message.kind === 'event' || message.kind === 'terminate'),
    ];
    doc.executionId = executionId;
    doc.input = input;
    doc.output = undefined;
    doc.history = [];
    doc.model = emptyModel();
    doc.pending = emptyPending();
    doc.status = 'Running';
    doc.executions = (doc.executions ?? 1) + 1;
    doc.lastUpdatedTime = now.toISOString();
    inst.version++;
    this.counters.continuedAsNew++;
    return undefined;
  }

  private dispatch(inst: LiveInstance, work: Dispatch): void {
    if (inst.doc !== work.doc || this.stopping) return;
    const { doc } = work;
    for (const activity of work.activities) {
      this.track(`activity ${activity.name}`, this.runActivity(inst, doc.executionId, activity));
    }
    for (const child of work.children) this.track('sub-orchestration start', this.startChild(doc, child));
    if (work.timers.length > 0) {
      for (const timer of work.timers) this.arm(doc, timer.taskId, timer.fireAt);
      const now = this.options.clock.now();
      if (work.timers.some((timer) => Date.parse(timer.fireAt) <= now.getTime())) void this.fireDue(now);
      this.options.onTimersChanged?.();
    }
    if (work.notifyParent) this.track('sub-orchestration result', this.notifyParent(doc));
  }

  // ---------------------------------------------------------------------------------------- activities

  private async runActivity(
    inst: LiveInstance,
    executionId: string,
    work: { taskId: number; name: string; input?: string }
  ): Promise<void> {
    const current = () =>
      !this.stopping && !inst.purged && inst.doc.executionId === executionId && !isTerminal(inst.doc.status);
    const outcome = await this.activities.run(async () => {
      if (!current()) return undefined;
      this.counters.activityRuns++;
      return this.options.functions.runActivity(work.name, work.input);
    });
    if (!outcome || !current()) return;
    const { doc } = inst;
    if (!doc.pending.activities.some((a) => a.taskId === work.taskId)) return; // already recorded
    doc.pending.activities = doc.pending.activities.filter((a) => a.taskId !== work.taskId);
    const now = this.options.clock.now();
    let event: HistoryEvent;
    if (outcome.kind === 'completed') {
      event = historyEvent(EventType.TaskCompleted, now, { TaskScheduledId: work.taskId, Result: outcome.result });
    } else {
      this.counters.activityFailures++;
      this.options.log(
        'warning',
        `activity ${work.name} of ${doc.instanceId} (task ${work.taskId}) failed: ${firstLine(outcome.message)}`
      );
      event = historyEvent(EventType.TaskFailed, now, {
        TaskScheduledId: work.taskId,
        Reason: `Activity function '${work.name}' failed: ${outcome.message}`,
        Details: outcome.details,
      });
    }
    doc.inbox.push({ kind: 'completion', executionId, event });
    await this.persist(inst);
    this.kick(inst);
  }

  // ---------------------------------------------------------------------------------- sub-orchestrations

  private async startChild(
    parentDoc: InstanceDoc,
    child: { taskId: number; instanceId: string; name: string; input?: string }
  ): Promise<void> {
    const link: ParentLink = {
      instanceId: parentDoc.instanceId,
      executionId: parentDoc.executionId,
      name: parentDoc.name,
      taskId: child.taskId,
    };
    const name = this.options.functions.orchestratorName(child.name);
    const existing = this.instances.get(child.instanceId);
    let refusal: string | undefined;
    if (!name) refusal = `The orchestrator function '${child.name}' doesn't exist.`;
    else if (child.instanceId === parentDoc.instanceId || child.instanceId === parentDoc.parent?.instanceId) {
      refusal =
        'The instance ID of a sub-orchestration must be different than the instance ID of a parent orchestration.';
    } else if (existing && !isTerminal(existing.doc.status)) {
      refusal = `An orchestration with instance ID '${child.instanceId}' is already running.`;
    }
    if (refusal || !name) {
      await this.deliverChildResult(link, {
        failed: true,
        reason: refusal ?? 'unknown orchestrator',
        details: refusal ?? '',
      });
      return;
    }
    await this.createInstance(name, child.instanceId, child.input, link);
  }

  private async notifyParent(childDoc: InstanceDoc): Promise<void> {
    const link = childDoc.parent;
    if (!link) return;
    if (childDoc.status === 'Completed') {
      await this.deliverChildResult(link, { failed: false, result: childDoc.output ?? 'null' });
    } else {
      const output = childDoc.output ? JSON.parse(childDoc.output) : '';
      const text = typeof output === 'string' ? output : JSON.stringify(output);
      const reason =
        childDoc.status === 'Terminated'
          ? `Sub-orchestration '${childDoc.name}' (${childDoc.instanceId}) was terminated: ${text}`
          : text;
      const completed = childDoc.history.find((event) => event.EventType === EventType.ExecutionCompleted);
      await this.deliverChildResult(link, { failed: true, reason, details: completed?.Details ?? reason });
    }
  }

  private async deliverChildResult(
    link: ParentLink,
    result: { failed: false; result: string } | { failed: true; reason: string; details: string }
  ): Promise<void> {
    const parent = this.instances.get(link.instanceId);
    if (!parent || parent.purged || this.stopping) return;
    const { doc } = parent;
    if (doc.executionId !== link.executionId || isTerminal(doc.status)) return;
    if (!doc.pending.subOrchestrations.some((s) => s.taskId === link.taskId)) return;
    doc.pending.subOrchestrations = doc.pending.subOrchestrations.filter((s) => s.taskId !== link.taskId);
    const now = this.options.clock.now();
    const event = result.failed
      ? historyEvent(EventType.SubOrchestrationInstanceFailed, now, {
          TaskScheduledId: link.taskId,
          Reason: result.reason,
          Details: result.details,
        })
      : historyEvent(EventType.SubOrchestrationInstanceCompleted, now, {
          TaskScheduledId: link.taskId,
          Result: result.result,
        });
    doc.inbox.push({ kind: 'completion', executionId: link.executionId, event });
    await this.persist(parent);
    this.kick(parent);
  }

  // ------------------------------------------------------------------------------------------ persistence

  /**
   * Writes the instance (coalescing: one write covers every change made before it starts). A background
   * write is not waited for by settle(); flush() waits for it.
   */
  private persist(inst: LiveInstance, background = false): Promise<void> {
    const wanted = ++inst.version;
    const run = inst.writes.then(() => this.write(inst, wanted));
    inst.writes = run.catch(() => undefined);
    return background ? run : this.track('write', run);
  }

  /** Resolves once settled and every change has reached the store. */
  async flush(): Promise<void> {
    await this.settle();
    await this.writeAll();
  }

  private async writeAll(): Promise<void> {
    for (const inst of this.instances.values()) {
      if (inst.writeBehind) clearTimeout(inst.writeBehind);
      inst.writeBehind = undefined;
      if (inst.version > inst.persistedVersion && !inst.purged) void this.persist(inst, true).catch(() => undefined);
    }
    await Promise.all([...this.instances.values()].map((inst) => inst.writes));
  }

  private async write(inst: LiveInstance, wanted: number): Promise<void> {
    if (inst.persistedVersion >= wanted || inst.purged) return;
    const version = inst.version;
    const snapshot = structuredClone(inst.doc);
    for (let attempt = 1; ; attempt++) {
      if (this.stopping && attempt > 1) return;
      try {
        inst.etag = await this.options.store.write(snapshot, inst.etag);
        this.counters.writes++;
        break;
      } catch (error) {
        if (error instanceof StoreConflictError) {
          // Only this engine writes its task hub; a conflict means the store lost or changed our last
          // write (e.g. it was restored). Our in-memory state is the truth: take the current ETag and write.
          this.options.log('warning', `${error.message}; writing the engine's state over it`);
          inst.etag = (await this.options.store.read(inst.doc.instanceId))?.etag;
          continue;
        }
        const wait = Math.min(5_000, 100 * 2 ** Math.min(attempt, 6));
        this.options.log(
          'error',
          `cannot write instance ${inst.doc.instanceId} (attempt ${attempt}, next in ${wait} ms): ${firstLine((error as Error).message)}`
        );
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
    if (version > inst.persistedVersion) inst.persistedVersion = version;
  }

  // ------------------------------------------------------------------------------------ client operations

  private async ready(): Promise<void> {
    if (!this.started) throw new DurableRequestError(503, 'The durable engine has not started yet.');
    await this.started;
    if (this.stopping) throw new DurableRequestError(503, 'The durable engine is stopping.');
  }

  private live(instanceId: string): LiveInstance {
    const inst = this.instances.get(instanceId);
    if (!inst || inst.purged) throw new DurableRequestError(404, `No instance with ID '${instanceId}' found.`);
    return inst;
  }

  private liveRunning(instanceId: string): LiveInstance {
    const inst = this.live(instanceId);
    if (isTerminal(inst.doc.status)) {
      throw new DurableRequestError(410, `The instance '${instanceId}' is ${inst.doc.status}.`);
    }
    return inst;
  }

  /** Starts an orchestration; answers its instance id. */
  async startNew(orchestrator: string, instanceId: string | undefined, input: string | undefined): Promise<string> {
    await this.ready();
    const name = this.options.functions.orchestratorName(orchestrator);
    if (!name) {
      throw new DurableRequestError(
        400,
        `The function '${orchestrator}' doesn't exist, is disabled, or is not an orchestrator function.`
      );
    }
    const id = instanceId ?? randomUUID().replace(/-/g, '');
    validateInstanceId(id);
    const existing = this.instances.get(id);
    if (
      existing &&
      !existing.purged &&
      !isTerminal(existing.doc.status) &&
      this.options.settings.overridableExistingInstanceStates === 'NonRunningStates'
    ) {
      throw new DurableRequestError(
        409,
        `An instance with ID '${id}' already exists and is ${runtimeStatusOf(existing.doc)}; ` +
          'only a completed, failed or terminated instance can be started again (overridableExistingInstanceStates: NonRunningStates).'
      );
    }
    await this.createInstance(name, id, input, undefined);
    return id;
  }

  private async createInstance(
    name: string,
    instanceId: string,
    input: string | undefined,
    parent: ParentLink | undefined
  ): Promise<void> {
    const now = this.options.clock.now().toISOString();
    const executionId = randomUUID();
    const doc: InstanceDoc = {
      id: instanceId,
      instanceId,
      type: 'durableInstance',
      taskHub: this.taskHub,
      name,
      executionId,
      status: 'Pending',
      suspended: false,
      ...(input !== undefined ? { input } : {}),
      createdTime: now,
      lastUpdatedTime: now,
      ...(parent ? { parent } : {}),
      history: [],
      inbox: [{ kind: 'start', executionId, ...(input !== undefined ? { input } : {}), at: now }],
      model: emptyModel(),
      pending: emptyPending(),
    };
    let inst = this.instances.get(instanceId);
    if (inst && !inst.purged) {
      inst.doc = doc; // a new execution of a finished instance (or AnyState): the same document
    } else {
      inst = {
        doc,
        etag: undefined,
        version: 0,
        persistedVersion: 0,
        writes: Promise.resolve(),
        scheduled: false,
        purged: false,
      };
      this.instances.set(instanceId, inst);
    }
    await this.persist(inst);
    this.kick(inst);
  }

  async raiseEvent(instanceId: string, eventName: string, input: string | undefined): Promise<void> {
    await this.ready();
    const inst = this.liveRunning(instanceId);
    const at = this.options.clock.now().toISOString();
    inst.doc.inbox.push({ kind: 'event', name: eventName, ...(input !== undefined ? { input } : {}), at });
    await this.persist(inst);
    this.kick(inst);
  }

  async terminate(instanceId: string, reason: string | undefined): Promise<void> {
    await this.ready();
    const inst = this.liveRunning(instanceId);
    const at = this.options.clock.now().toISOString();
    inst.doc.inbox.push({ kind: 'terminate', ...(reason !== undefined ? { reason } : {}), at });
    await this.persist(inst);
    this.kick(inst);
  }

  async suspend(instanceId: string): Promise<void> {
    await this.ready();
    const inst = this.liveRunning(instanceId);
    if (inst.doc.suspended) return;
    inst.doc.suspended = true;
    inst.doc.lastUpdatedTime = this.options.clock.now().toISOString();
    await this.persist(inst);
  }

  async resume(instanceId: string): Promise<void> {
    await this.ready();
    const inst = this.liveRunning(instanceId);
    if (!inst.doc.suspended) return;
    inst.doc.suspended = false;
    inst.doc.lastUpdatedTime = this.options.clock.now().toISOString();
    await this.persist(inst);
    this.kick(inst);
  }

  /** A copy of the instance as stored, or undefined. */
  async get(instanceId: string): Promise<InstanceDoc | undefined> {
    await this.ready();
    const inst = this.instances.get(instanceId);
    return inst && !inst.purged ? inst.doc : undefined;
  }

  async query(filter: InstanceQuery): Promise<InstanceDoc[]> {
    await this.ready();
    const from = filter.createdTimeFrom?.getTime();
    const to = filter.createdTimeTo?.getTime();
    return [...this.instances.values()]
      .filter((inst) => !inst.purged)
      .map((inst) => inst.doc)
      .filter((doc) => {
        const created = Date.parse(doc.createdTime);
        if (from !== undefined && created < from) return false;
        if (to !== undefined && created > to) return false;
        if (filter.instanceIdPrefix && !doc.instanceId.startsWith(filter.instanceIdPrefix)) return false;
        if (filter.runtimeStatus?.length && !filter.runtimeStatus.includes(runtimeStatusOf(doc))) return false;
        return true;
      })
      .sort((a, b) => a.createdTime.localeCompare(b.createdTime) || a.instanceId.localeCompare(b.instanceId));
  }

  /** Deletes a finished instance and its history. */
  async purge(instanceId: string): Promise<number> {
    await this.ready();
    const inst = this.live(instanceId);
    if (!isTerminal(inst.doc.status)) {
      throw new DurableRequestError(
        412,
        `Only orchestrations in a terminal state can be purged, but the orchestration with instance ID ${instanceId} has status ${runtimeStatusOf(inst.doc)}.`
      );
    }
    inst.purged = true;
    this.instances.delete(instanceId);
    await inst.writes;
    await this.track('purge', this.options.store.remove(instanceId));
    return 1;
  }

  /** Deletes the finished instances the filter selects (running ones are never purged). */
  async purgeWhere(filter: InstanceQuery): Promise<number> {
    const docs = await this.query(filter);
    let deleted = 0;
    for (const doc of docs) {
      if (!isTerminal(doc.status)) continue;
      deleted += await this.purge(doc.instanceId);
    }
    return deleted;
  }
}

/** Instance ids: what Azure Storage accepts as a table key, and no leading '@' (reserved for entities). */
export function validateInstanceId(id: string): void {
  // eslint-disable-next-line no-control-regex
  if (id.length === 0 || id.length > 256 || /[/\\#?\u0000-\u001f\u007f]/.test(id) || id.startsWith('@')) {
    throw new DurableRequestError(
      400,
      `The instance ID '${id.slice(0, 80)}' is not valid: 1 to 256 characters, no /, \\, #, ? or control characters, not starting with @.`
    );
  }
}
