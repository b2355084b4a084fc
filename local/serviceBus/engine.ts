// The local Service Bus queue: the contract of a Service Bus queue, without Azure.
//
// Each message is one document (local/serviceBus/model.ts) kept in memory and written through to the store
// before the queue acts on it: a send is acknowledged only once its messages are written (all of a send in
// one transactional batch), and a delivery's peek-lock (with the delivery count raised) is written before
// the function runs. So after kill -9 nothing acknowledged is lost, and a message that was locked when the
// host died is delivered again after restart with its delivery count one higher.
//
// Semantics, as Service Bus has them:
// - peek-lock deliveries: the delivery count rises with each delivery; complete removes the message;
//   abandon (the function threw) makes it available again at once; when a delivery fails (abandoned or its
//   lock expired) and the count has reached the queue's maxDeliveryCount, the message moves to the dead-
//   letter queue (`<queue>/$DeadLetterQueue`) with DeadLetterReason `MaxDeliveryCountExceeded` and the
//   description Service Bus gives, both also as application properties;
// - a delivery whose function outlives its lock (the lock duration, or host.json's
//   maxAutoLockRenewalDuration when the trigger renews it) loses the lock: the message is delivered again
//   and the late outcome is ignored (MessageLockLost);
// - scheduled messages (scheduledEnqueueTime) are delivered from that time on the project clock;
// - duplicate detection: a MessageId accepted within the queue's duplicateDetectionWindow (on the project
//   clock) is dropped silently; a completed message's document is kept, without its body, until then;
// - the dead-letter queue has no maximum delivery count (as in Service Bus); locally a failed dead-letter
//   delivery is retried after a growing delay (1 s doubling to 60 s) instead of at once, so a failing
//   dead-letter function cannot spin.
//
// The queue is a WakeupSource of the host's scheduler (scheduled messages, lock expiry) and `settle()`
// resolves when no delivery, send or write is in flight, so a virtual-clock jump lets every delivery due at
// an instant finish there.

import { InflightWork } from '../processes/inflightWork';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../shared/ports/clock';
import {
  estimateMessageBytes,
  maxMessageBytes,
  maxMessageIdLength,
  maxMessagesPerSend,
} from '../../shared/adapters/serviceBus/limits';
import { MinHeap } from '../durable/concurrency';
import type { WakeupSource } from '../timers/scheduler';
import {
  durationMs,
  entityPathText,
  maxDeliveryDeadLetter,
  parseEntityPath,
  type EntityPath,
  type MessageDoc,
  type MessageState,
  type PropertyValue,
  type QueueDeclaration,
  type SubQueue,
} from './model';
import type { ServiceBusHostSettings } from './settings';
import { MessageStoreConflictError, type MessageStore } from './store';

export type ServiceBusLogLevel = 'debug' | 'information' | 'warning' | 'error';

export interface LocalServiceBusOptions {
  queues: readonly QueueDeclaration[];
  store: MessageStore;
  clock: Clock;
  settings: ServiceBusHostSettings;
  log: (level: ServiceBusLogLevel, message: string) => void;
  /** Called when a scheduled message or a lock deadline is added, so the scheduler looks at nextDue() again. */
  onDueChanged?: () => void;
  /** Service Bus Standard's limit by default. */
  maxMessageBytes?: number;
}

/** A message as a sender gives it. */
export interface IncomingMessage {
  messageId: string;
  body: unknown;
  contentType?: string | undefined;
  subject?: string | undefined;
  correlationId?: string | undefined;
  applicationProperties?: Record<string, PropertyValue> | undefined;
  scheduledEnqueueTime?: Date | undefined;
}

export interface SendResult {
  accepted: { messageId: string; sequenceNumber: number }[];
  /** Dropped by duplicate detection (Service Bus drops them silently; the local API says which). */
  duplicates: string[];
}

/** A message delivered under a peek-lock. */
export interface ReceivedMessage {
  queue: string;
  subQueue: SubQueue;
  sequenceNumber: number;
  messageId: string;
  /** JSON text, as the SDK sends a body. */
  body: string;
  contentType?: string | undefined;
  subject?: string | undefined;
  correlationId?: string | undefined;
  applicationProperties: Record<string, PropertyValue>;
  enqueuedTime: Date;
  deliveryCount: number;
  lockToken: string;
  lockedUntil: Date;
  deadLetterReason?: string | undefined;
  deadLetterErrorDescription?: string | undefined;
}

/** A message as peek shows it. */
export interface MessageView {
  sequenceNumber: number;
  messageId: string;
  /** The effective state: `scheduled` only until its time has come. */
  state: MessageState;
  body: unknown;
  contentType?: string | undefined;
  subject?: string | undefined;
  correlationId?: string | undefined;
  applicationProperties: Record<string, PropertyValue>;
  enqueuedTimeUtc: string;
  scheduledEnqueueTimeUtc?: string | undefined;
  deliveryCount: number;
  lockedUntilUtc?: string | undefined;
  deadLetterReason?: string | undefined;
  deadLetterErrorDescription?: string | undefined;
  deadLetteredAt?: string | undefined;
  /** Local only: the last failure of a delivery. */
  lastError?: string | undefined;
  resubmittedFrom?: number | undefined;
}

export interface QueueCounts {
  active: number;
  scheduled: number;
  locked: number;
  deadLettered: number;
  /** Completed messages whose MessageId is still in the duplicate-detection window. */
  completedInWindow: number;
}

export type ServiceBusErrorCode =
  | 'MessagingEntityNotFound'
  | 'MessageSizeExceeded'
  | 'InvalidMessage'
  | 'MessageLockLost'
  | 'MessageNotFound'
  | 'DuplicateMessage'
  | 'MessageBusy'
  | 'ServiceUnavailable';

export class LocalServiceBusError extends Error {
  override name = 'LocalServiceBusError';
  constructor(
    readonly code: ServiceBusErrorCode,
    message: string
  ) {
    super(message);
  }
}

/** A function (or test) consuming an entity with the Functions extension's behaviour. */
export interface ServiceBusListener {
  readonly name: string;
  readonly maxConcurrentCalls: number;
  /** Resolves: the message is completed; rejects: it is abandoned. */
  handle(message: ReceivedMessage): Promise<void>;
}

interface LiveListener extends ServiceBusListener {
  running: number;
}

interface Live {
  doc: MessageDoc;
  etag: string;
  /** Raised by every change; heap entries of an older version are stale. */
  version: number;
  writes: Promise<void>;
  lock?: { token: string; deadline: number } | undefined;
  /** A resubmit of this dead letter is being written. */
  busy?: boolean;
  deleted?: boolean;
}

interface QueueState {
  declaration: QueueDeclaration;
  key: string;
  lockMs: number;
  windowMs: number;
  messages: Map<number, Live>;
  ready: Record<SubQueue, MinHeap<ReadyEntry>>;
  /** MessageId → when it was last accepted (ms on the project clock). */
  accepted: Map<string, number>;
  /** MessageIds whose send is being written. */
  pending: Map<string, Promise<unknown>>;
  listeners: Record<SubQueue, LiveListener[]>;
  turn: Record<SubQueue, number>;
}

interface ReadyEntry {
  /** The sequence number: ready messages go out in order. */
  due: number;
  seq: number;
  version: number;
}

interface WaitingEntry {
  due: number;
  queue: string;
  seq: number;
  version: number;
}

interface LockEntry {
  due: number;
  since: number;
  queue: string;
  seq: number;
  token: string;
}

const deadLetterRetryMs = { first: 1_000, max: 60_000 };
const sweepEveryMs = 60_000;
const settleReportMs = 10_000;
const drainOnStopMs = 10_000;
const maxErrorText = 2_000;

const iso = (ms: number) => new Date(ms).toISOString();

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > maxErrorText ? `${text.slice(0, maxErrorText)}…` : text;
}

function withoutLock(doc: MessageDoc): MessageDoc {
  const copy = { ...doc };
  delete copy.lockToken;
  delete copy.lockedUntil;
  return copy;
}

export interface ServiceBusMetrics {
  messages: number;
  sent: number;
  duplicatesDropped: number;
  deliveries: number;
  completed: number;
  abandoned: number;
  deadLettered: number;
  locksExpired: number;
  lateOutcomesIgnored: number;
  resubmitted: number;
  writes: number;
}

export class LocalServiceBus implements WakeupSource {
  readonly name = 'service bus';
  private readonly queues = new Map<string, QueueState>();
  private readonly waiting = new MinHeap<WaitingEntry>();
  private readonly locks = new MinHeap<LockEntry>();
  private readonly byToken = new Map<string, { queue: string; seq: number }>();
  private lastSequence = 0;
  private lastSweep = Number.NEGATIVE_INFINITY;
  private running = false;
  private stopping = false;
  private started: Promise<void> | undefined;
  private readonly inflight = new InflightWork((message) => this.options.log('warning', message), settleReportMs);
  private readonly maxBytes: number;
  private readonly counters = {
    sent: 0,
    duplicatesDropped: 0,
    deliveries: 0,
    completed: 0,
    abandoned: 0,
    deadLettered: 0,
    locksExpired: 0,
    lateOutcomesIgnored: 0,
    resubmitted: 0,
    writes: 0,
  };

  constructor(private readonly options: LocalServiceBusOptions) {
    this.maxBytes = options.maxMessageBytes ?? maxMessageBytes;
    for (const declaration of options.queues) {
      const key = declaration.name.toLowerCase();
      if (this.queues.has(key)) throw new Error(`queue "${declaration.name}" is declared twice`);
      this.queues.set(key, {
        declaration,
        key,
        lockMs: durationMs(declaration.lockDuration),
        windowMs: durationMs(declaration.duplicateDetectionWindow),
        messages: new Map(),
        ready: { active: new MinHeap(), deadLetter: new MinHeap() },
        accepted: new Map(),
        pending: new Map(),
        listeners: { active: [], deadLetter: [] },
        turn: { active: 0, deadLetter: 0 },
      });
    }
  }

  get storeDescription(): string {
    return this.options.store.description;
  }

  get declarations(): QueueDeclaration[] {
    return [...this.queues.values()].map((q) => q.declaration);
  }

  metrics(): ServiceBusMetrics {
    let messages = 0;
    for (const q of this.queues.values()) messages += q.messages.size;
    return { messages, ...this.counters };
  }

  private now(): number {
    return this.options.clock.now().getTime();
  }

  // ---------------------------------------------------------------------------------------------- lifecycle

  /** The declared queue an entity path names; throws MessagingEntityNotFound otherwise. */
  entity(path: string): { queue: QueueState; entity: EntityPath } {
    const entity = parseEntityPath(path);
    const queue = entity ? this.queues.get(entity.queue.toLowerCase()) : undefined;
    if (!entity || !queue) {
      throw new LocalServiceBusError(
        'MessagingEntityNotFound',
        `The messaging entity '${path}' could not be found (declared queues: ${this.declarations.map((d) => d.name).join(', ') || 'none'}; ` +
          `declare queues in shared/config/queues.ts).`
      );
    }
    return { queue, entity: { queue: queue.declaration.name, subQueue: entity.subQueue } };
  }

  /** Registers a consumer of `<queue>` or `<queue>/$DeadLetterQueue`, served from start() on. */
  listen(entityPath: string, listener: ServiceBusListener): void {
    const { queue, entity } = this.entity(entityPath);
    queue.listeners[entity.subQueue].push({ ...listener, handle: listener.handle, running: 0 });
    if (this.running) this.pump(queue);
  }

  /** Loads every message; a lock held when the host stopped is released (the delivery counted). */
  start(): Promise<void> {
    this.started ??= this.recover();
    return this.started;
  }

  private async recover(): Promise<void> {
    const { store } = this.options;
    await store.init();
    const loaded = await store.loadAll();
    const now = this.now();
    let released = 0;
    let unknown = 0;
    for (const { doc, etag } of loaded) {
      const q = this.queues.get(doc.queue.toLowerCase());
      if (!q) {
        unknown++;
        continue;
      }
      this.lastSequence = Math.max(this.lastSequence, doc.sequenceNumber);
      const live: Live = { doc, etag, version: 0, writes: Promise.resolve() };
      q.messages.set(doc.sequenceNumber, live);
      const acceptedAt = Date.parse(doc.acceptedAt);
      if (acceptedAt + q.windowMs > now) {
        q.accepted.set(doc.messageId, Math.max(q.accepted.get(doc.messageId) ?? 0, acceptedAt));
      }
      if (doc.state === 'locked') {
        released++;
        this.failDelivery(q, live, now, 'the host stopped while the message was locked (lock released at restart)');
        void this.persist(q, live).catch(() => undefined);
      } else if (doc.state === 'completed') {
        if (Date.parse(doc.expiresAt ?? doc.acceptedAt) <= now) void this.remove(q, live).catch(() => undefined);
      } else {
        this.makeAvailable(q, live, now);
      }
    }
    this.lastSweep = now;
    const counts = this.totalCounts();
    this.running = true;
    for (const q of this.queues.values()) this.pump(q);
    this.options.onDueChanged?.();
    if (loaded.length > 0) {
      this.options.log(
        'information',
        `${loaded.length} messages loaded (${counts.active} active, ${counts.scheduled} scheduled, ` +
          `${counts.deadLettered} dead-lettered); ${released} locks of the previous run released` +
          (unknown > 0 ? `; ${unknown} messages of queues no longer declared left alone` : '')
      );
    }
  }

  /** Stops delivering, lets running deliveries finish (up to 10 s), then closes the store. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.running = false;
    await Promise.race([this.settle(), new Promise((resolve) => setTimeout(resolve, drainOnStopMs).unref())]);
    this.stopping = true;
    await this.options.store.close();
    this.inflight.close();
  }

  // ------------------------------------------------------------------------------------------ settle/track

  private track<T>(what: string, work: Promise<T>): Promise<T> {
    return this.inflight.track(what, work);
  }

  /** Resolves when no delivery, send or write is in flight: what is left waits for its time or a consumer. */
  settle(): Promise<void> {
    return this.inflight.settle();
  }

  // ------------------------------------------------------------------------------------------------- send

  /** Sends messages to a queue, all or none; a MessageId accepted within the window is dropped. */
  send(queueName: string, messages: readonly IncomingMessage[]): Promise<SendResult> {
    return this.track('send', this.sendNow(queueName, messages));
  }

  private validate(messages: readonly IncomingMessage[]): void {
    if (messages.length > maxMessagesPerSend) {
      throw new LocalServiceBusError(
        'MessageSizeExceeded',
        `A send holds at most ${maxMessagesPerSend} messages here (got ${messages.length}); split it.`
      );
    }
    let total = 0;
    for (const [i, m] of messages.entries()) {
      if (typeof m.messageId !== 'string' || m.messageId.length === 0 || m.messageId.length > maxMessageIdLength) {
        throw new LocalServiceBusError(
          'InvalidMessage',
          `messages[${i}]: a MessageId of 1 to ${maxMessageIdLength} characters is required.`
        );
      }
      const size = estimateMessageBytes(m);
      total += size;
      if (size > this.maxBytes) {
        throw new LocalServiceBusError(
          'MessageSizeExceeded',
          `Message ${m.messageId} is ${size} bytes; Service Bus Standard takes at most ${this.maxBytes}. ` +
            'Keep a large payload in Cosmos DB or blob storage and send its reference.'
        );
      }
    }
    if (total > this.maxBytes) {
      throw new LocalServiceBusError(
        'MessageSizeExceeded',
        `The ${messages.length} messages are ${total} bytes together; one send (a batch) takes at most ${this.maxBytes}.`
      );
    }
  }

  private async sendNow(queueName: string, messages: readonly IncomingMessage[]): Promise<SendResult> {
    const { queue: q, entity } = this.entity(queueName);
    if (entity.subQueue !== 'active') {
      throw new LocalServiceBusError('InvalidMessage', 'Messages cannot be sent to a dead-letter queue.');
    }
    this.validate(messages);
    // A send that shares a MessageId with a send being written waits for its outcome first.
    for (;;) {
      const waits = messages.map((m) => q.pending.get(m.messageId)).filter((p) => p !== undefined);
      if (waits.length === 0) break;
      await Promise.allSettled(waits);
    }
    const nowMs = this.now();
    this.sweep(nowMs);
    const result: SendResult = { accepted: [], duplicates: [] };
    const docs: MessageDoc[] = [];
    const ids = new Set<string>();
    for (const m of messages) {
      if (ids.has(m.messageId) || this.isDuplicate(q, m.messageId, nowMs)) {
        result.duplicates.push(m.messageId);
        continue;
      }
      ids.add(m.messageId);
      const scheduled = m.scheduledEnqueueTime?.getTime();
      const enqueuedAt = scheduled !== undefined && scheduled > nowMs ? scheduled : nowMs;
      const sequenceNumber = ++this.lastSequence;
      docs.push({
        id: String(sequenceNumber),
        queue: q.declaration.name,
        type: 'serviceBusMessage',
        sequenceNumber,
        messageId: m.messageId,
        subQueue: 'active',
        state: scheduled !== undefined ? 'scheduled' : 'active',
        body: JSON.stringify(m.body ?? null),
        ...(m.contentType !== undefined ? { contentType: m.contentType } : {}),
        ...(m.subject !== undefined ? { subject: m.subject } : {}),
        ...(m.correlationId !== undefined ? { correlationId: m.correlationId } : {}),
        applicationProperties: { ...(m.applicationProperties ?? {}) },
        acceptedAt: iso(nowMs),
        enqueuedAt: iso(enqueuedAt),
        ...(scheduled !== undefined ? { scheduledEnqueueTime: iso(scheduled) } : {}),
        availableAt: iso(enqueuedAt),
        deliveryCount: 0,
      });
    }
    this.counters.duplicatesDropped += result.duplicates.length;
    if (docs.length === 0) return result;
    const write = this.options.store.apply(
      q.declaration.name,
      docs.map((doc) => ({ kind: 'create' as const, doc }))
    );
    for (const doc of docs) q.pending.set(doc.messageId, write);
    let etags: (string | undefined)[];
    try {
      etags = await write;
    } catch (error) {
      throw new LocalServiceBusError(
        'ServiceUnavailable',
        `The send to ${q.declaration.name} was not stored, so nothing of it was accepted: ${describe(error)}`
      );
    } finally {
      for (const doc of docs) if (q.pending.get(doc.messageId) === write) q.pending.delete(doc.messageId);
    }
    this.counters.writes++;
    const now = this.now();
    for (const [i, doc] of docs.entries()) {
      q.accepted.set(doc.messageId, Date.parse(doc.acceptedAt));
      const live: Live = { doc, etag: etags[i]!, version: 0, writes: Promise.resolve() };
      q.messages.set(doc.sequenceNumber, live);
      this.makeAvailable(q, live, now);
      result.accepted.push({ messageId: doc.messageId, sequenceNumber: doc.sequenceNumber });
    }
    this.counters.sent += docs.length;
    this.pump(q);
    return result;
  }

  private isDuplicate(q: QueueState, messageId: string, nowMs: number): boolean {
    const acceptedAt = q.accepted.get(messageId);
    return acceptedAt !== undefined && acceptedAt + q.windowMs > nowMs;
  }

  // -------------------------------------------------------------------------------------- availability

  private deliverable(live: Live, subQueue: SubQueue, nowMs: number): boolean {
    const { doc } = live;
    if (live.busy || live.deleted || doc.subQueue !== subQueue) return false;
    const waitingState =
      subQueue === 'active' ? doc.state === 'active' || doc.state === 'scheduled' : doc.state === 'deadLettered';
    return waitingState && Date.parse(doc.availableAt) <= nowMs;
  }

  private makeAvailable(q: QueueState, live: Live, nowMs: number): void {
    const at = Date.parse(live.doc.availableAt);
    const seq = live.doc.sequenceNumber;
    if (at <= nowMs) {
      q.ready[live.doc.subQueue].push({ due: seq, seq, version: live.version });
    } else {
      this.waiting.push({ due: at, queue: q.key, seq, version: live.version });
      this.options.onDueChanged?.();
    }
  }

  private takeNext(q: QueueState, subQueue: SubQueue, nowMs: number): Live | undefined {
    const heap = q.ready[subQueue];
    for (;;) {
      const top = heap.pop();
      if (!top) return undefined;
      const live = q.messages.get(top.seq);
      if (live && live.version === top.version && this.deliverable(live, subQueue, nowMs)) return live;
    }
  }

  // --------------------------------------------------------------------------------------------- receive

  /**
   * A peek-lock receive as a plain SDK receiver does it (no lock renewal): the next message of the entity,
   * locked for the queue's lock duration, or undefined when there is none.
   */
  receive(entityPath: string): Promise<ReceivedMessage | undefined> {
    return this.track('receive', this.receiveNow(entityPath));
  }

  private async receiveNow(entityPath: string): Promise<ReceivedMessage | undefined> {
    const { queue: q, entity } = this.entity(entityPath);
    const nowMs = this.now();
    this.promoteWaiting(nowMs);
    const live = this.takeNext(q, entity.subQueue, nowMs);
    if (!live) return undefined;
    const token = this.lock(q, live, nowMs, false);
    await this.persist(q, live);
    if (live.lock?.token !== token) return undefined;
    return this.received(q, live, token);
  }

  private lock(q: QueueState, live: Live, nowMs: number, renewed: boolean): string {
    const token = randomUUID();
    const hold = renewed ? Math.max(q.lockMs, this.options.settings.maxAutoLockRenewalMs) : q.lockMs;
    live.doc = {
      ...live.doc,
      state: 'locked',
      deliveryCount: live.doc.deliveryCount + 1,
      lockToken: token,
      lockedUntil: iso(nowMs + q.lockMs),
    };
    live.version++;
    live.lock = { token, deadline: nowMs + hold };
    this.byToken.set(token, { queue: q.key, seq: live.doc.sequenceNumber });
    this.locks.push({ due: nowMs + hold, since: nowMs, queue: q.key, seq: live.doc.sequenceNumber, token });
    this.counters.deliveries++;
    this.options.onDueChanged?.();
    return token;
  }

  private received(q: QueueState, live: Live, token: string): ReceivedMessage {
    const { doc } = live;
    return {
      queue: q.declaration.name,
      subQueue: doc.subQueue,
      sequenceNumber: doc.sequenceNumber,
      messageId: doc.messageId,
      body: doc.body ?? 'null',
      contentType: doc.contentType,
      subject: doc.subject,
      correlationId: doc.correlationId,
      applicationProperties: { ...doc.applicationProperties },
      enqueuedTime: new Date(doc.enqueuedAt),
      deliveryCount: doc.deliveryCount,
      lockToken: token,
      lockedUntil: new Date(doc.lockedUntil ?? doc.availableAt),
      deadLetterReason: doc.deadLetterReason,
      deadLetterErrorDescription: doc.deadLetterErrorDescription,
    };
  }

  private locked(lockToken: string): { q: QueueState; live: Live } {
    const ref = this.byToken.get(lockToken);
    const q = ref ? this.queues.get(ref.queue) : undefined;
    const live = ref ? q?.messages.get(ref.seq) : undefined;
    if (!q || !live || live.lock?.token !== lockToken) {
      throw new LocalServiceBusError(
        'MessageLockLost',
        'The lock supplied is invalid: it expired, or the message was already settled or delivered again.'
      );
    }
    this.byToken.delete(lockToken);
    live.lock = undefined;
    return { q, live };
  }

  // --------------------------------------------------------------------------------------------- settle

  /** Completes a locked message: it leaves the queue (its MessageId stays known for the window). */
  async complete(lockToken: string): Promise<void> {
    const { q, live } = this.locked(lockToken);
    const nowMs = this.now();
    const expiresAt = Date.parse(live.doc.acceptedAt) + q.windowMs;
    live.doc = {
      ...withoutLock(live.doc),
      state: 'completed',
      body: null,
      completedAt: iso(nowMs),
      expiresAt: iso(expiresAt),
    };
    live.version++;
    this.counters.completed++;
    return expiresAt <= nowMs ? this.remove(q, live) : this.persist(q, live);
  }

  /** Abandons a locked message: available again, or dead-lettered when its deliveries are used up. */
  async abandon(lockToken: string, error?: string): Promise<void> {
    const { q, live } = this.locked(lockToken);
    this.counters.abandoned++;
    this.failDelivery(q, live, this.now(), error);
    const written = this.persist(q, live);
    this.pump(q);
    return written;
  }

  /** Moves a locked message to the dead-letter queue with the given reason (what a receiver may do). */
  async deadLetter(lockToken: string, reason: string, description: string): Promise<void> {
    const ref = this.byToken.get(lockToken);
    const current = ref ? this.queues.get(ref.queue)?.messages.get(ref.seq) : undefined;
    if (current?.doc.subQueue === 'deadLetter') {
      throw new LocalServiceBusError('InvalidMessage', 'A message in the dead-letter queue cannot be dead-lettered.');
    }
    const { q, live } = this.locked(lockToken);
    this.moveToDeadLetter(q, live, this.now(), reason, description);
    const written = this.persist(q, live);
    this.pump(q);
    return written;
  }

  /** After an abandon, a lock expiry or a restart: the delivery counted; available again or dead-lettered. */
  private failDelivery(q: QueueState, live: Live, nowMs: number, error: string | undefined): void {
    const doc = withoutLock(live.doc);
    if (error !== undefined) doc.lastError = error.length > maxErrorText ? `${error.slice(0, maxErrorText)}…` : error;
    live.lock = undefined;
    if (doc.subQueue === 'active' && doc.deliveryCount >= q.declaration.maxDeliveryCount) {
      live.doc = doc;
      const { reason, description } = maxDeliveryDeadLetter(q.declaration.maxDeliveryCount);
      this.moveToDeadLetter(q, live, nowMs, reason, description);
      return;
    }
    if (doc.subQueue === 'active') {
      live.doc = { ...doc, state: 'active', availableAt: iso(nowMs) };
    } else {
      const failures = Math.max(1, doc.deliveryCount - (doc.deadLetterDeliveryCount ?? 0));
      const delay = Math.min(deadLetterRetryMs.first * 2 ** (failures - 1), deadLetterRetryMs.max);
      live.doc = { ...doc, state: 'deadLettered', availableAt: iso(nowMs + delay) };
    }
    live.version++;
    this.makeAvailable(q, live, nowMs);
  }

  private moveToDeadLetter(q: QueueState, live: Live, nowMs: number, reason: string, description: string): void {
    live.doc = {
      ...withoutLock(live.doc),
      subQueue: 'deadLetter',
      state: 'deadLettered',
      deadLetterReason: reason,
      deadLetterErrorDescription: description,
      deadLetteredAt: iso(nowMs),
      deadLetterDeliveryCount: live.doc.deliveryCount,
      availableAt: iso(nowMs),
      applicationProperties: {
        ...live.doc.applicationProperties,
        DeadLetterReason: reason,
        DeadLetterErrorDescription: description,
      },
    };
    live.version++;
    this.counters.deadLettered++;
    this.options.log(
      'warning',
      `message ${live.doc.messageId} (#${live.doc.sequenceNumber}) moved to ${q.declaration.name}/$DeadLetterQueue: ` +
        `${reason}${live.doc.lastError ? ` (last error: ${live.doc.lastError.split('\n')[0]})` : ''}`
    );
    this.makeAvailable(q, live, nowMs);
  }

  // ------------------------------------------------------------------------------------------- resubmit

  /**
   * Moves a dead letter back to its queue as a new message (a new sequence number, delivery count 0), with
   * its MessageId or the one given. Like a send, it goes through duplicate detection: a MessageId accepted
   * within the window is refused here (Service Bus would drop the copy silently, and the dead letter would
   * be gone), so the caller resubmits under a new MessageId or after the window.
   */
  resubmit(queueName: string, sequenceNumber: number, messageId?: string): Promise<SendResult['accepted'][number]> {
    return this.track('resubmit', this.resubmitNow(queueName, sequenceNumber, messageId));
  }

  private async resubmitNow(
    queueName: string,
    sequenceNumber: number,
    newMessageId: string | undefined
  ): Promise<SendResult['accepted'][number]> {
    const { queue: q } = this.entity(queueName);
    const live = q.messages.get(sequenceNumber);
    if (!live || live.doc.subQueue !== 'deadLetter' || live.doc.state === 'completed' || live.deleted) {
      throw new LocalServiceBusError(
        'MessageNotFound',
        `There is no dead letter #${sequenceNumber} in ${q.declaration.name}/$DeadLetterQueue.`
      );
    }
    if (live.doc.state === 'locked' || live.busy) {
      throw new LocalServiceBusError(
        'MessageBusy',
        `Dead letter #${sequenceNumber} is being delivered or resubmitted right now; try again.`
      );
    }
    const messageId = newMessageId ?? live.doc.messageId;
    if (messageId.length === 0 || messageId.length > maxMessageIdLength) {
      throw new LocalServiceBusError('InvalidMessage', `A MessageId has 1 to ${maxMessageIdLength} characters.`);
    }
    live.busy = true;
    try {
      for (;;) {
        const pending = q.pending.get(messageId);
        if (!pending) break;
        await Promise.allSettled([pending]);
      }
      await live.writes;
      const nowMs = this.now();
      if (this.isDuplicate(q, messageId, nowMs)) {
        const until = iso(q.accepted.get(messageId)! + q.windowMs);
        throw new LocalServiceBusError(
          'DuplicateMessage',
          `MessageId ${messageId} was accepted within the duplicate-detection window (${q.declaration.duplicateDetectionWindow}, ` +
            `until ${until}): Service Bus would drop the copy. Resubmit with another messageId, or after the window.`
        );
      }
      const seq = ++this.lastSequence;
      const properties = { ...live.doc.applicationProperties };
      delete properties['DeadLetterReason'];
      delete properties['DeadLetterErrorDescription'];
      const doc: MessageDoc = {
        id: String(seq),
        queue: q.declaration.name,
        type: 'serviceBusMessage',
        sequenceNumber: seq,
        messageId,
        subQueue: 'active',
        state: 'active',
        body: live.doc.body,
        ...(live.doc.contentType !== undefined ? { contentType: live.doc.contentType } : {}),
        ...(live.doc.subject !== undefined ? { subject: live.doc.subject } : {}),
        ...(live.doc.correlationId !== undefined ? { correlationId: live.doc.correlationId } : {}),
        applicationProperties: properties,
        acceptedAt: iso(nowMs),
        enqueuedAt: iso(nowMs),
        availableAt: iso(nowMs),
        deliveryCount: 0,
        resubmittedFrom: live.doc.sequenceNumber,
      };
      const write = this.options.store.apply(q.declaration.name, [
        { kind: 'create', doc },
        { kind: 'delete', id: live.doc.id, etag: live.etag },
      ]);
      q.pending.set(messageId, write);
      let etags: (string | undefined)[];
      try {
        etags = await write;
      } catch (error) {
        throw new LocalServiceBusError('ServiceUnavailable', `The resubmit was not stored: ${describe(error)}`);
      } finally {
        if (q.pending.get(messageId) === write) q.pending.delete(messageId);
      }
      this.counters.writes++;
      live.deleted = true;
      q.messages.delete(live.doc.sequenceNumber);
      q.accepted.set(messageId, nowMs);
      const fresh: Live = { doc, etag: etags[0]!, version: 0, writes: Promise.resolve() };
      q.messages.set(seq, fresh);
      this.makeAvailable(q, fresh, this.now());
      this.counters.resubmitted++;
      this.pump(q);
      return { messageId, sequenceNumber: seq };
    } finally {
      live.busy = false;
    }
  }

  // ------------------------------------------------------------------------------------------- delivery

  private pump(q: QueueState): void {
    if (!this.running) return;
    const nowMs = this.now();
    for (const subQueue of ['active', 'deadLetter'] as const) {
      const listeners = q.listeners[subQueue];
      if (listeners.length === 0) continue;
      for (;;) {
        let listener: LiveListener | undefined;
        for (let i = 0; i < listeners.length; i++) {
          const candidate = listeners[(q.turn[subQueue] + i) % listeners.length]!;
          if (candidate.running < candidate.maxConcurrentCalls) {
            listener = candidate;
            q.turn[subQueue] = (q.turn[subQueue] + i + 1) % listeners.length;
            break;
          }
        }
        if (!listener) break;
        const live = this.takeNext(q, subQueue, nowMs);
        if (!live) break;
        this.deliver(q, listener, live, nowMs);
      }
    }
  }

  private deliver(q: QueueState, listener: LiveListener, live: Live, nowMs: number): void {
    const token = this.lock(q, live, nowMs, true);
    listener.running++;
    const work = (async () => {
      // The lock (and the raised delivery count) is durable before the function runs.
      await this.persist(q, live);
      if (live.lock?.token !== token) return;
      let failure: unknown;
      let failed = false;
      try {
        await listener.handle(this.received(q, live, token));
      } catch (error) {
        failed = true;
        failure = error;
      }
      if (live.lock?.token !== token) {
        this.counters.lateOutcomesIgnored++;
        this.options.log(
          'warning',
          `${listener.name}: message ${live.doc.messageId} (#${live.doc.sequenceNumber}) ${failed ? 'failed' : 'finished'} ` +
            'after its lock was lost (MessageLockLost): the outcome is ignored; the message is delivered again'
        );
        return;
      }
      if (failed) await this.abandon(token, describe(failure));
      else await this.complete(token);
    })()
      .catch((error: unknown) => {
        this.options.log(
          'error',
          `${listener.name}: delivery of message ${live.doc.messageId} failed: ${describe(error)}`
        );
      })
      .finally(() => {
        listener.running--;
        this.pump(q);
      });
    void this.track(`delivery to ${listener.name}`, work);
  }

  // -------------------------------------------------------------------------------------------- writes

  /** Writes the message's current document after its earlier writes (retrying while the store is down). */
  private persist(q: QueueState, live: Live): Promise<void> {
    const run = live.writes.then(() =>
      this.withRetry(`message ${live.doc.messageId}`, async () => {
        if (live.deleted) return;
        const [etag] = await this.options.store.apply(q.declaration.name, [
          { kind: 'replace', doc: live.doc, etag: live.etag },
        ]);
        live.etag = etag!;
        this.counters.writes++;
      })
    );
    live.writes = run.catch(() => undefined);
    return this.track('write', run);
  }

  private remove(q: QueueState, live: Live): Promise<void> {
    const run = live.writes.then(() =>
      this.withRetry(`message ${live.doc.messageId}`, async () => {
        if (live.deleted) return;
        await this.options.store.apply(q.declaration.name, [{ kind: 'delete', id: live.doc.id, etag: live.etag }]);
        live.deleted = true;
        this.counters.writes++;
        if (q.messages.get(live.doc.sequenceNumber) === live) q.messages.delete(live.doc.sequenceNumber);
      })
    );
    live.writes = run.catch(() => undefined);
    return this.track('write', run);
  }

  private async withRetry(what: string, work: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await work();
        return;
      } catch (error) {
        if (error instanceof MessageStoreConflictError || this.stopping) {
          this.options.log('error', `${what} could not be written: ${describe(error)}`);
          throw error;
        }
        if (attempt % 10 === 0) {
          this.options.log('warning', `${what} could not be written (trying again): ${describe(error)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 2_000)));
      }
    }
  }

  // --------------------------------------------------------------------------------- WakeupSource (clock)

  nextDue(): Date | undefined {
    let due: number | undefined;
    for (;;) {
      const top = this.waiting.peek();
      if (!top) break;
      if (this.waitingValid(top)) {
        due = top.due;
        break;
      }
      this.waiting.pop();
    }
    for (;;) {
      const top = this.locks.peek();
      if (!top) break;
      if (this.lockValid(top)) {
        due = due === undefined ? top.due : Math.min(due, top.due);
        break;
      }
      this.locks.pop();
    }
    return due === undefined ? undefined : new Date(due);
  }

  private waitingValid(entry: WaitingEntry): boolean {
    const live = this.queues.get(entry.queue)?.messages.get(entry.seq);
    return live !== undefined && live.version === entry.version;
  }

  private lockValid(entry: LockEntry): boolean {
    return this.queues.get(entry.queue)?.messages.get(entry.seq)?.lock?.token === entry.token;
  }

  /** Scheduled messages whose time has come become deliverable; expired locks are lost. */
  async fireDue(now: Date): Promise<void> {
    if (!this.running) return;
    const nowMs = now.getTime();
    this.promoteWaiting(nowMs);
    for (;;) {
      const top = this.locks.peek();
      if (!top || top.due > nowMs) break;
      this.locks.pop();
      if (!this.lockValid(top)) continue;
      const q = this.queues.get(top.queue)!;
      const live = q.messages.get(top.seq)!;
      this.byToken.delete(top.token);
      this.counters.locksExpired++;
      const held = Math.round((top.due - top.since) / 1000);
      this.options.log(
        'warning',
        `the lock on message ${live.doc.messageId} (#${live.doc.sequenceNumber}) of ${entityPathText({
          queue: q.declaration.name,
          subQueue: live.doc.subQueue,
        })} expired after ${held} s while it was being handled: it is delivered again`
      );
      this.failDelivery(q, live, nowMs, `the lock expired after ${held} s (the delivery took too long)`);
      void this.persist(q, live).catch(() => undefined);
    }
    this.sweep(nowMs);
    for (const q of this.queues.values()) this.pump(q);
  }

  private promoteWaiting(nowMs: number): void {
    for (;;) {
      const top = this.waiting.peek();
      if (!top || top.due > nowMs) return;
      this.waiting.pop();
      if (!this.waitingValid(top)) continue;
      const q = this.queues.get(top.queue)!;
      const live = q.messages.get(top.seq)!;
      q.ready[live.doc.subQueue].push({ due: top.seq, seq: top.seq, version: live.version });
    }
  }

  /** Deletes completed messages whose MessageId has left the duplicate-detection window (once a minute). */
  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweep < sweepEveryMs) return;
    this.lastSweep = nowMs;
    for (const q of this.queues.values()) {
      for (const [id, at] of q.accepted) if (at + q.windowMs <= nowMs) q.accepted.delete(id);
      for (const live of q.messages.values()) {
        if (live.doc.state === 'completed' && !live.deleted && Date.parse(live.doc.expiresAt ?? '') <= nowMs) {
          void this.remove(q, live).catch(() => undefined);
        }
      }
    }
  }

  // ----------------------------------------------------------------------------------------------- views

  private effectiveState(live: Live, nowMs: number): MessageState {
    const { doc } = live;
    if (doc.state === 'scheduled' && Date.parse(doc.availableAt) <= nowMs) return 'active';
    return doc.state;
  }

  counts(queueName: string): QueueCounts {
    const { queue: q } = this.entity(queueName);
    const nowMs = this.now();
    const counts: QueueCounts = { active: 0, scheduled: 0, locked: 0, deadLettered: 0, completedInWindow: 0 };
    for (const live of q.messages.values()) {
      if (live.deleted) continue;
      const state = this.effectiveState(live, nowMs);
      if (state === 'completed') counts.completedInWindow++;
      else if (live.doc.subQueue === 'deadLetter') counts.deadLettered++;
      else counts[state === 'deadLettered' ? 'deadLettered' : state]++;
    }
    return counts;
  }

  private totalCounts(): QueueCounts {
    const total: QueueCounts = { active: 0, scheduled: 0, locked: 0, deadLettered: 0, completedInWindow: 0 };
    for (const q of this.queues.values()) {
      const counts = this.counts(q.declaration.name);
      for (const key of Object.keys(total) as (keyof QueueCounts)[]) total[key] += counts[key];
    }
    return total;
  }

  /** The messages of `<queue>` (active, scheduled, locked) or `<queue>/$DeadLetterQueue`, in order. */
  peek(entityPath: string, options: { top?: number; fromSequenceNumber?: number } = {}): MessageView[] {
    const { queue: q, entity } = this.entity(entityPath);
    const nowMs = this.now();
    const top = options.top ?? 100;
    const from = options.fromSequenceNumber ?? 0;
    return [...q.messages.values()]
      .filter(
        (live) =>
          !live.deleted &&
          live.doc.state !== 'completed' &&
          live.doc.subQueue === entity.subQueue &&
          live.doc.sequenceNumber >= from
      )
      .sort((a, b) => a.doc.sequenceNumber - b.doc.sequenceNumber)
      .slice(0, top)
      .map((live) => this.view(live, nowMs));
  }

  private view(live: Live, nowMs: number): MessageView {
    const { doc } = live;
    let body: unknown = doc.body;
    try {
      body = doc.body === null ? null : JSON.parse(doc.body);
    } catch {
      // not JSON: shown as text
    }
    return {
      sequenceNumber: doc.sequenceNumber,
      messageId: doc.messageId,
      state: this.effectiveState(live, nowMs),
      body,
      contentType: doc.contentType,
      subject: doc.subject,
      correlationId: doc.correlationId,
      applicationProperties: doc.applicationProperties,
      enqueuedTimeUtc: doc.enqueuedAt,
      scheduledEnqueueTimeUtc: doc.scheduledEnqueueTime,
      deliveryCount: doc.deliveryCount,
      lockedUntilUtc: doc.lockedUntil,
      deadLetterReason: doc.deadLetterReason,
      deadLetterErrorDescription: doc.deadLetterErrorDescription,
      deadLetteredAt: doc.deadLetteredAt,
      lastError: doc.lastError,
      resubmittedFrom: doc.resubmittedFrom,
    };
  }

  /** Every queue with its settings, counts and consumers (the dev route and the queue API). */
  describeQueues(): {
    name: string;
    maxDeliveryCount: number;
    lockDuration: string;
    duplicateDetectionWindow: string;
    counts: QueueCounts;
    consumers: { entity: string; name: string; maxConcurrentCalls: number; running: number }[];
  }[] {
    return [...this.queues.values()].map((q) => ({
      name: q.declaration.name,
      maxDeliveryCount: q.declaration.maxDeliveryCount,
      lockDuration: q.declaration.lockDuration,
      duplicateDetectionWindow: q.declaration.duplicateDetectionWindow,
      counts: this.counts(q.declaration.name),
      consumers: (['active', 'deadLetter'] as const).flatMap((subQueue) =>
        q.listeners[subQueue].map((l) => ({
          entity: entityPathText({ queue: q.declaration.name, subQueue }),
          name: l.name,
          maxConcurrentCalls: l.maxConcurrentCalls,
          running: l.running,
        }))
      ),
    }));
  }
}
