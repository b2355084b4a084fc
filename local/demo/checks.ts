// What the per-cycle timeline must have done for journeys of local/demo/cycleJourney.ts, and the checks of it
// against a running local platform, over HTTP only: the mail sink's inbox, each recipient's portal
// notifications, the factory's audit trail and the staff's timeline endpoint. Used by `npm run demo` and by the
// end-to-end timeline tests (uncrashed and crashed runs expect the same; test/support/cycleTimelineChecks.ts
// re-exports this module).
//
// Each expected event has the virtual moment it is due (the rule's date, from the plan and what the journey
// recorded), who gets an email and a portal notification, and the audit action the platform records. At a
// check moment `now`: an event due before it happened EXACTLY ONCE (one email per address, one notification per
// recipient, one audit event), its notification and audit event dated within `toleranceMs` after its due
// moment; an event due later has not happened at all; and nothing else was sent about the factory.
import { demoUsers } from '../seed/demoUsers';
import type { CycleJourney, JourneyTime } from './cycleJourney';

const dayMs = 86_400_000;
/** An email leaves on the outbox's next minute: an event due less than this before a check may be in transit. */
const inTransitMs = 90_000;

export const subjects = {
  invitation: (name: string) => `Set up the Better Work account of ${name}`,
  approved: 'Your factory is connected to the SLCP Gateway',
  chase: 'Your SLCP Gateway registration is waiting',
  chaseStaff: (name: string) => `SLCP Gateway approval late: ${name}`,
  releaseReminder: (name: string, deadline: string) => `Assessment report due by ${deadline}: ${name}`,
  releaseEscalation: (name: string, deadline: string) =>
    `Overdue: the assessment report of ${name} was due by ${deadline}`,
  released: 'Your Better Work assessment report is released',
  sharingEnabled: 'Sharing via the SLCP Gateway is enabled',
  progressReport: (dueOn: string) => `Progress Report 1 is due on ${dueOn}`,
  preferenceReminder: 'Do you want to share your data via SLCP from your next cycle?',
  termsReminder: 'Your Terms & Conditions signature expires soon',
  termsExpired: 'Your factory profile is no longer 100 % complete',
};

/** The cycle timeline's milestones as the staff's timeline endpoint names them. */
export type TimelineMilestone =
  | 'preferenceReminder'
  | 'releaseReminder'
  | 'releaseEscalation'
  | 'readyToTransmit'
  | 'sharingEnabled'
  | 'progressReportReminder';

export interface Person {
  key: string;
  userId: string;
  email: string;
}

export interface ExpectedEvent {
  factoryId: string;
  factoryName: string;
  /** e.g. `R16 release reminder`. */
  what: string;
  /** When it is due (ms since the epoch, virtual time); null while it cannot be known yet. */
  dueAt: number | null;
  /** Whether it is to happen at all (false: it must never happen, e.g. no escalation of an on-time release). */
  expected: boolean;
  subject: string | null;
  /** Who gets an email, and who a portal notification. */
  emailed: Person[];
  notified: Person[];
  /** The audit action recorded with it. */
  audit: string | null;
  /** The timeline endpoint's milestone, for the cycle timeline's own milestones. */
  milestone: TimelineMilestone | null;
  /** The due date the timeline endpoint shows while the milestone is scheduled, when not `dueAt`. */
  scheduledAt?: number;
}

/** What the SLCP Gateway (simulator) says of a cycle's transmitted data: when SLCP validates it. */
export interface GatewayFacts {
  /** Cycle id → when SLCP validates (validated) its data. */
  validationAt: ReadonlyMap<string, number>;
}

const iso = (ms: number) => new Date(ms).toISOString();
const day = (ms: number) => iso(ms).slice(0, 10);
const startOfDay = (isoDay: string) => Date.parse(`${isoDay}T00:00:00.000Z`);
const parse = (value: string | null | undefined) => (value ? Date.parse(value) : null);

/** A moment plus calendar months/years on the UTC calendar, clamped to the month's end (31 Jan − 2 months = 30 Nov). */
export function plusMonths(ms: number, months: number): number {
  const date = new Date(ms);
  const target = new Date(
    Date.UTC(
      date.getUTCFullYear(),
      date.getUTCMonth() + months,
      1,
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
      date.getUTCMilliseconds()
    )
  );
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return target.getTime();
}

function person(key: string, userId?: string, email?: string): Person {
  const user = demoUsers.find((u) => u.key === key);
  return { key, userId: userId ?? user?.userId ?? '', email: email ?? user?.email ?? '' };
}

/** Better Work staff of a country programme as the platform's directory has them (staff, advisors, assessors). */
export function staffOf(countryCode: string): Person[] {
  return demoUsers
    .filter((u) => u.countryCode === countryCode && u.roles.some((r) => r !== 'FactoryManager'))
    .map((u) => person(u.key));
}

function durationMs(duration: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(duration);
  if (!match) throw new Error(`unsupported duration ${duration}`);
  return ((Number(match[1] ?? 0) * 24 + Number(match[2] ?? 0)) * 60 + Number(match[3] ?? 0)) * 60_000;
}

/** The R16 release deadline of an assessment ending on `lastDay`: 28 days later. */
export function releaseDeadline(lastDay: string): string {
  return day(startOfDay(lastDay) + 28 * dayMs);
}

/**
 * Everything the platform sends or records for one journey's cycle, with when it is due: R9 (chases of a late
 * approval, the approval), R16 (reminder 7 days before the deadline, escalation the day after it), the release,
 * R17 (ready to transmit at the release), R18 (sharing enabled 15 days after, or when SLCP validates the data the
 * transmission step sent, see `GatewayFacts`), R25 (Progress Report 1 reminder
 * 23 days after: 7 days before it is due), R3 (two months before the cycle ends, unless the factory asked again),
 * R10 (T&C reminder 30 days before the signature's year is up, and its expiry). Durations are written out here,
 * independently of shared/domain/durations.ts.
 */
export function expectedEvents(journey: CycleJourney, gateway?: GatewayFacts): ExpectedEvent[] {
  const { plan, record } = journey;
  if (!record.factoryId) return [];
  const name = record.factoryName;
  const manager = person(plan.manager, record.people.managerUserId, record.people.managerEmail);
  const staff = staffOf(plan.country);
  const event = (e: Omit<ExpectedEvent, 'factoryId' | 'factoryName'>): ExpectedEvent => ({
    factoryId: record.factoryId,
    factoryName: name,
    ...e,
  });
  const events: ExpectedEvent[] = [];
  const base = { expected: true, audit: null, milestone: null } as const;

  events.push(
    event({
      ...base,
      what: 'R7 invitation',
      dueAt: parse(record.dates.enrolledAt),
      subject: subjects.invitation(name),
      emailed: [manager],
      notified: [],
    })
  );

  // R9: the wait for the approval starts at the first "Connect with SLCP"; each 3 days without it, a chase.
  const connectedAt = parse(record.gateway.connects[0]?.at);
  const approvalAfter = durationMs(plan.gatewayFormDelay ?? 'P0D') + 2 * dayMs;
  for (const k of [1, 2]) {
    const late = approvalAfter > 3 * k * dayMs;
    const dueAt = connectedAt === null ? null : connectedAt + 3 * k * dayMs;
    events.push(
      event({
        ...base,
        what: `R9 chase ${k} of a late Gateway approval (factory)`,
        expected: late,
        dueAt,
        subject: subjects.chase,
        emailed: [manager],
        notified: [manager],
        audit: 'gateway.approvalChased',
      }),
      event({
        ...base,
        what: `R9 chase ${k} of a late Gateway approval (staff)`,
        expected: late,
        dueAt,
        subject: subjects.chaseStaff(name),
        emailed: staff,
        notified: staff,
      })
    );
  }
  events.push(
    event({
      ...base,
      what: 'R9 Gateway approval',
      dueAt: parse(record.gateway.approvalExpectedBy),
      subject: subjects.approved,
      emailed: [manager],
      notified: [manager],
    })
  );

  // R16
  const deadline = releaseDeadline(plan.assessment.lastDay);
  const releasePlanned = Date.parse(plan.releaseAt);
  const reminderAt = startOfDay(deadline) - 7 * dayMs;
  const escalationAt = startOfDay(deadline) + dayMs;
  events.push(
    event({
      ...base,
      what: 'R16 release reminder',
      expected: releasePlanned > reminderAt,
      dueAt: reminderAt,
      subject: subjects.releaseReminder(name, deadline),
      emailed: staff,
      notified: staff,
      audit: 'timeline.releaseReminderSent',
      milestone: 'releaseReminder',
    }),
    event({
      ...base,
      what: 'R16 release escalation',
      expected: releasePlanned >= escalationAt,
      dueAt: escalationAt,
      subject: subjects.releaseEscalation(name, deadline),
      emailed: staff,
      notified: staff,
      audit: 'timeline.releaseEscalated',
      milestone: 'releaseEscalation',
    })
  );

  // The release, and what follows from it.
  const releasedAt = parse(record.dates.releasedAt) ?? releasePlanned;
  events.push(
    event({
      ...base,
      what: 'R16 report released',
      dueAt: releasedAt,
      subject: subjects.released,
      emailed: [manager],
      notified: [manager],
      audit: 'assessmentReportReleased',
    }),
    event({
      ...base,
      what: 'R17 ready to transmit',
      dueAt: releasedAt,
      subject: null,
      emailed: [],
      notified: [],
      audit: 'timeline.readyToTransmit',
      milestone: 'readyToTransmit',
    }),
    event({
      ...base,
      what: 'R18 sharing enabled',
      // 15 days after the release; where the transmission step sends the data to the Gateway, when SLCP has
      // validated it (by then at the latest: the timeline shows that date until the validation comes).
      dueAt: gateway?.validationAt.get(record.cycleId) ?? releasedAt + 15 * dayMs,
      scheduledAt: releasedAt + 15 * dayMs,
      subject: subjects.sharingEnabled,
      emailed: [manager],
      notified: [manager],
      audit: 'timeline.sharingEnabled',
      milestone: 'sharingEnabled',
    }),
    event({
      ...base,
      what: 'R25 Progress Report 1 reminder',
      dueAt: releasedAt + 23 * dayMs,
      subject: subjects.progressReport(day(releasedAt + 30 * dayMs)),
      emailed: [manager],
      notified: [manager],
      audit: 'timeline.progressReportReminderSent',
      milestone: 'progressReportReminder',
    })
  );

  // R3: two calendar months before the cycle's last day, unless the factory asked again to share.
  const preferenceAt = plusMonths(startOfDay(plan.cycle.endsOn), -2);
  events.push(
    event({
      ...base,
      what: 'R3 preference reminder',
      expected: !plan.requestNextCycleAt || Date.parse(plan.requestNextCycleAt) > preferenceAt,
      dueAt: preferenceAt,
      subject: subjects.preferenceReminder,
      emailed: [manager],
      notified: [manager],
      audit: 'slcp.preferenceReminderSent',
      milestone: 'preferenceReminder',
    })
  );

  // R10: the T&C signature lasts a year.
  const signedAt = parse(record.dates.termsSignedAt);
  const expiresAt = signedAt === null ? null : plusMonths(signedAt, 12);
  events.push(
    event({
      ...base,
      what: 'R10 T&C expiry reminder',
      dueAt: expiresAt === null ? null : expiresAt - 30 * dayMs,
      subject: subjects.termsReminder,
      emailed: [manager],
      notified: [manager],
      audit: 'terms.expiryReminderSent',
    }),
    event({
      ...base,
      what: 'R10 T&C expired',
      dueAt: expiresAt,
      subject: subjects.termsExpired,
      emailed: [manager],
      notified: [manager],
      audit: 'terms.expiredNoticeSent',
    })
  );
  return events;
}

// ---------------------------------------------------------------------------------------------------
// Reading the platform
// ---------------------------------------------------------------------------------------------------

export interface Mail {
  id: string;
  subject: string;
  text: string | null;
  to: string[];
}

export interface NotificationItem {
  id: string;
  at: string;
  title: string;
  text: string;
  factoryId: string | null;
}

export interface AuditItem {
  id: string;
  at: string;
  actor: { userId: string };
  action: string;
}

export interface TimelineView {
  milestones: {
    milestone: TimelineMilestone;
    rule: string;
    state: string;
    at: string | null;
    dueAt: string | null;
    reason: string | null;
  }[];
  next: { milestone: TimelineMilestone; rule: string; dueAt: string } | null;
  waitingFor: string[];
  finished: boolean;
  orchestration: { instanceId: string; runtimeStatus: string; customStatus: unknown };
}

/** The platform as its users read it (tokens from the development identity provider, one per call). */
export class PlatformReader {
  constructor(
    readonly base: string,
    readonly mailBase: string,
    /** The SLCP Gateway simulator, e.g. `http://127.0.0.1:7072`. */
    readonly gatewayBase?: string
  ) {}

  /**
   * What the Gateway simulator says of transmitted cycles (`GET /_sim/submissions`, where the transmission step
   * sends them): when SLCP validates each. Empty where nothing is transmitted.
   */
  async gatewayFacts(): Promise<GatewayFacts> {
    const validationAt = new Map<string, number>();
    if (!this.gatewayBase) return { validationAt };
    const response = await fetch(`${this.gatewayBase}/_sim/submissions`);
    if (response.status === 404) {
      await response.body?.cancel();
      return { validationAt };
    }
    const body = (await response.json()) as {
      submissions?: { cycleId: string; status: string; validationDueAt: string; validatedAt: string | null }[];
    };
    for (const s of body.submissions ?? []) {
      if (s.status === 'VALIDATION_FAILED' || validationAt.has(s.cycleId)) continue;
      validationAt.set(s.cycleId, Date.parse(s.validatedAt ?? s.validationDueAt));
    }
    return { validationAt };
  }

  async get<T>(path: string, as?: string): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {};
    if (as) {
      const minted = await fetch(`${this.base}/_dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: as }),
      });
      headers.authorization = `Bearer ${((await minted.json()) as { access_token: string }).access_token}`;
    }
    const response = await fetch(`${this.base}/${path}`, { headers });
    return { status: response.status, body: (await response.json()) as T };
  }

  async mailTo(address: string): Promise<Mail[]> {
    const response = await fetch(`${this.mailBase}/api/messages?to=${encodeURIComponent(address)}`);
    return ((await response.json()) as { messages: Mail[] }).messages;
  }

  /** Every page of a paged list. */
  private async pages<T>(path: string, as: string): Promise<T[]> {
    const items: T[] = [];
    let continuation: string | null = null;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const page: { status: number; body: { items: T[]; continuation: string | null } } = await this.get(
        `${path}${continuation ? `${separator}continuation=${encodeURIComponent(continuation)}` : ''}`,
        as
      );
      if (page.status !== 200) throw new Error(`GET ${path} as ${as}: ${page.status} ${JSON.stringify(page.body)}`);
      items.push(...page.body.items);
      continuation = page.body.continuation;
    } while (continuation);
    return items;
  }

  notifications(user: string): Promise<NotificationItem[]> {
    return this.pages('notifications', user);
  }

  audit(factoryId: string, staff: string): Promise<AuditItem[]> {
    return this.pages(`factories/${factoryId}/audit?pageSize=100`, staff);
  }

  async timeline(journey: CycleJourney): Promise<TimelineView> {
    const { record, plan } = journey;
    const answer = await this.get<TimelineView>(
      `factories/${record.factoryId}/cycles/${record.cycleId}/timeline`,
      plan.staff
    );
    if (answer.status !== 200) throw new Error(`the timeline of ${record.cycleId}: ${answer.status}`);
    return answer.body;
  }

  /** The local durable engine's view of an instance (GET /api/_dev/durable/{id}). */
  async durable(instanceId: string): Promise<{
    runtimeStatus: string;
    executions: number;
    largestHistory: number;
    pending: { activities: number; timers: string[]; inbox: number };
  }> {
    const response = await fetch(`${this.base}/_dev/durable/${encodeURIComponent(instanceId)}`);
    if (response.status !== 200) throw new Error(`GET /_dev/durable/${instanceId}: ${response.status}`);
    return (await response.json()) as Awaited<ReturnType<PlatformReader['durable']>>;
  }
}

// ---------------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------------

/**
 * What the timelines' activities record as the scheduler (R3, R9, R10, R16, R17, R18, R25). The transmission
 * step's own actions (`transmission.*`: sent, accepted, validated) belong to the Gateway's side, not checked here.
 */
const timelineAction = /^(timeline\.|slcp\.preferenceReminderSent$|gateway\.approval|terms\.)/;

export interface CheckOptions {
  /** How long after its due moment an event may be dated (virtual time); default one minute. */
  toleranceMs?: number;
  /**
   * More events expected of a journey's factory besides those of its cycle (`expectedEvents`), e.g. those of the
   * following cycle: checked with them (an event sharing a subject or an audit action counts with its peers).
   * Their `milestone` is null (the timeline endpoint checked is the journey's cycle's).
   */
  moreEvents?: (journey: CycleJourney) => ExpectedEvent[];
}

/** What one check saw: per event, how many emails, notifications and audit events. */
export interface CheckReport {
  at: string;
  happened: string[];
  pending: string[];
}

function within(what: string, actual: string, dueAt: number, toleranceMs: number): void {
  const at = Date.parse(actual);
  if (!(at >= dueAt && at <= dueAt + toleranceMs)) {
    throw new Error(`${what}: dated ${actual}, expected from ${iso(dueAt)} to ${toleranceMs / 1000} s after`);
  }
}

/**
 * Checks, at the clock's `now`, everything the journeys' cycles must have sent and recorded by then, and that
 * nothing was sent early, twice or unexpectedly. Throws naming the first event that does not hold.
 */
export async function checkTimeline(
  reader: PlatformReader,
  journeys: readonly CycleJourney[],
  now: Date,
  options: CheckOptions = {}
): Promise<CheckReport> {
  const tolerance = options.toleranceMs ?? 60_000;
  const report: CheckReport = { at: now.toISOString(), happened: [], pending: [] };
  const mailCache = new Map<string, Promise<Mail[]>>();
  const noteCache = new Map<string, Promise<NotificationItem[]>>();
  const mail = (address: string) => {
    if (!mailCache.has(address)) mailCache.set(address, reader.mailTo(address));
    return mailCache.get(address)!;
  };
  const notes = (key: string) => {
    if (!noteCache.has(key)) noteCache.set(key, reader.notifications(key));
    return noteCache.get(key)!;
  };

  const gateway = await reader.gatewayFacts();
  for (const journey of journeys) {
    const { record, plan } = journey;
    if (!record.factoryId) continue;
    const name = record.factoryName;
    const events = [...expectedEvents(journey, gateway), ...(options.moreEvents?.(journey) ?? [])];
    const audit = await reader.audit(record.factoryId, plan.staff);
    const seenMail = new Set<string>();
    const seenNotes = new Set<string>();
    const seenAudit = new Set<string>();
    const people = new Map<string, Person>();
    for (const e of events) for (const p of [...e.emailed, ...e.notified]) people.set(p.key, p);

    // Events that share a subject (the chases) or an audit action are checked together: as many as happened.
    const stateOf = (e: ExpectedEvent): 'happened' | 'notYet' | 'inTransit' => {
      const due = e.dueAt;
      if (e.expected && due !== null && due <= now.getTime() - inTransitMs) return 'happened';
      if (!e.expected || due === null || due > now.getTime()) return 'notYet';
      return 'inTransit';
    };
    for (const e of events) {
      const state = stateOf(e);
      if (state !== 'inTransit')
        (state === 'happened' ? report.happened : report.pending).push(`${record.factoryId} ${e.what}`);
    }
    const groups = <K>(key: (e: ExpectedEvent) => K[]) => {
      const map = new Map<string, { key: K; events: ExpectedEvent[] }>();
      for (const e of events) {
        for (const k of key(e)) {
          const id = JSON.stringify(k);
          if (!map.has(id)) map.set(id, { key: k, events: [] });
          map.get(id)!.events.push(e);
        }
      }
      return [...map.values()];
    };
    const describe = (group: ExpectedEvent[]) => `${record.factoryId} ${group.map((e) => e.what).join(' / ')}`;
    /** Pairs what was found (by date) with the events that happened (by due moment), each within the tolerance. */
    const pair = (what: string, group: ExpectedEvent[], found: { at: string }[]) => {
      const happened = group.filter((e) => stateOf(e) === 'happened').sort((a, b) => a.dueAt! - b.dueAt!);
      const dated = [...found].sort((a, b) => a.at.localeCompare(b.at));
      if (dated.length !== happened.length) {
        throw new Error(
          `${describe(group)}: ${dated.length} ${what} at ${now.toISOString()}, expected ${happened.length} ` +
            `(${dated.map((d) => d.at).join(', ')})`
        );
      }
      happened.forEach((e, i) =>
        within(`${record.factoryId} ${e.what}: the ${what}`, dated[i]!.at, e.dueAt!, tolerance)
      );
    };

    for (const { key, events: group } of groups((e) => e.emailed.map((p) => ({ p, subject: e.subject })))) {
      const found = (await mail(key.p.email)).filter(
        (m) => m.subject === key.subject && (m.subject.includes(name) || (m.text ?? '').includes(name))
      );
      for (const m of found) seenMail.add(m.id);
      if (group.some((e) => stateOf(e) === 'inTransit')) continue;
      const wanted = group.filter((e) => stateOf(e) === 'happened').length;
      if (found.length !== wanted) {
        throw new Error(
          `${describe(group)}: ${found.length} email(s) to ${key.p.key} at ${now.toISOString()}, expected ${wanted}`
        );
      }
    }
    for (const { key, events: group } of groups((e) => e.notified.map((p) => ({ p, subject: e.subject })))) {
      const found = (await notes(key.p.key)).filter((n) => n.factoryId === record.factoryId && n.title === key.subject);
      for (const n of found) seenNotes.add(n.id);
      if (group.some((e) => stateOf(e) === 'inTransit')) continue;
      pair(`notification(s) for ${key.p.key}`, group, found);
    }
    for (const { key, events: group } of groups((e) => (e.audit ? [e.audit] : []))) {
      const found = audit.filter((a) => a.action === key);
      for (const a of found) seenAudit.add(a.id);
      if (group.some((e) => stateOf(e) === 'inTransit')) continue;
      pair(`audit event(s) ${key}`, group, found);
    }

    // Nothing else about this factory: no other email to these people, no other notification, nothing else the
    // timelines did.
    for (const p of people.values()) {
      const others = (await mail(p.email)).filter(
        (m) => !seenMail.has(m.id) && (m.subject.includes(name) || (m.text ?? '').includes(name))
      );
      if (others.length > 0) {
        throw new Error(
          `${record.factoryId}: unexpected email(s) to ${p.key}: ${others.map((m) => m.subject).join('; ')}`
        );
      }
      const otherNotes = (await notes(p.key)).filter((n) => n.factoryId === record.factoryId && !seenNotes.has(n.id));
      const inTransit = (n: NotificationItem) => Date.parse(n.at) > now.getTime() - inTransitMs;
      if (otherNotes.some((n) => !inTransit(n))) {
        throw new Error(
          `${record.factoryId}: unexpected notification(s) for ${p.key}: ${otherNotes.map((n) => `${n.title} (${n.at})`).join('; ')}`
        );
      }
    }
    const scheduler = audit.filter(
      (a) => a.actor.userId === 'bw-slcp-scheduler' && timelineAction.test(a.action) && !seenAudit.has(a.id)
    );
    if (scheduler.some((a) => Date.parse(a.at) <= now.getTime() - inTransitMs)) {
      throw new Error(
        `${record.factoryId}: unexpected scheduler action(s): ${scheduler.map((a) => `${a.action} (${a.at})`).join('; ')}`
      );
    }

    if (record.dates.activatedAt) await checkTimelineView(reader, journey, events, now, tolerance);
  }
  return report;
}

/** The staff's timeline endpoint at `now`: past milestones done at their date, the next one, the runtime status. */
async function checkTimelineView(
  reader: PlatformReader,
  journey: CycleJourney,
  events: ExpectedEvent[],
  now: Date,
  tolerance: number
): Promise<void> {
  const view = await reader.timeline(journey);
  const label = journey.record.cycleId;
  const state = (m: TimelineMilestone) => view.milestones.find((v) => v.milestone === m)!;
  for (const e of events) {
    if (!e.milestone) continue;
    const seen = state(e.milestone);
    if (!e.expected) {
      if (seen.state === 'done') throw new Error(`${label} ${e.what}: done at ${seen.at}, but it must not happen`);
      continue;
    }
    const due = e.dueAt!;
    if (due <= now.getTime() - inTransitMs) {
      if (seen.state !== 'done') throw new Error(`${label} ${e.what}: ${seen.state} at ${now.toISOString()}, not done`);
      within(`${label} ${e.what} on the timeline`, seen.at!, due, tolerance);
    } else if (due > now.getTime()) {
      if (seen.state === 'done') throw new Error(`${label} ${e.what}: done at ${seen.at} before it was due`);
      if (seen.state === 'scheduled') {
        within(`${label} ${e.what}: its due date on the timeline`, seen.dueAt!, e.scheduledAt ?? due, tolerance);
      }
    }
  }
  const cycleOver = Date.parse(`${journey.plan.cycle.endsOn}T00:00:00.000Z`) + dayMs;
  // The next due date is the earliest milestone scheduled on the clock (one not expected to happen, an escalation
  // before an on-time release, is scheduled until what it waits for settles it).
  const scheduled = view.milestones
    .filter((m) => m.state === 'scheduled')
    .sort((a, b) => a.dueAt!.localeCompare(b.dueAt!));
  if (
    JSON.stringify(view.next) !==
    JSON.stringify(
      scheduled[0] ? { milestone: scheduled[0].milestone, rule: scheduled[0].rule, dueAt: scheduled[0].dueAt } : null
    )
  ) {
    throw new Error(
      `${label}: next is ${JSON.stringify(view.next)}, the earliest scheduled is ${JSON.stringify(scheduled[0])}`
    );
  }
  const running = view.orchestration.runtimeStatus;
  if (now.getTime() < cycleOver) {
    if (view.finished || running !== 'Running') {
      throw new Error(`${label}: the timeline is ${running} (finished ${view.finished}) before the cycle is over`);
    }
  } else if (now.getTime() > cycleOver + inTransitMs) {
    if (!view.finished || running !== 'Completed' || view.next !== null) {
      throw new Error(`${label}: the timeline is ${running} (finished ${view.finished}) after the cycle is over`);
    }
  }
}

/**
 * An observer on the journeys' virtual clock: it waits for each expected event's due moment plus two minutes
 * (the outbox sends on the minute), checks everything there (`checkTimeline`), and goes on until `until`.
 * It plans again whenever the clock moves for a journey, as the journeys record what they did. `from`: the
 * moments before it were checked already.
 */
export function timelineObserver(
  reader: PlatformReader,
  journeys: () => readonly CycleJourney[],
  until: Date,
  reports: CheckReport[],
  options: CheckOptions & { from?: Date } = {}
): (time: JourneyTime) => Promise<void> {
  return async ({ atOrSooner }) => {
    let checked = options.from?.getTime() ?? 0;
    for (;;) {
      const gateway = await reader.gatewayFacts();
      const dues = journeys()
        .flatMap((j) => expectedEvents(j, gateway))
        .filter((e) => e.expected && e.dueAt !== null && e.dueAt + 120_000 > checked)
        .map((e) => e.dueAt! + 120_000);
      const next = Math.min(until.getTime(), ...dues);
      const now = await atOrSooner(new Date(next));
      if (now.getTime() < next) continue; // the clock moved for a journey: plan again
      reports.push(await checkTimeline(reader, journeys(), now, options));
      checked = next;
      if (next >= until.getTime()) return;
    }
  };
}
