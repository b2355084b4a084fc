// The year carried on after a journey's cycle (local/demo/cycleJourney.ts), for `npm run demo`: the reminders
// about the following cycle and those of the following cycle itself, as the users would meet them.
// - R3: two months before the journey's cycle ends the manager is invited to state a preference for the
//   following cycle (not when they already asked again); one manager answers it by asking to share (R2);
// - R10: the T&C signature runs out a year after it was made (a reminder 30 days before, then the profile falls
//   below 100 %); the manager signs again a few days later, and the watch starts again with the new signature;
// - R23, R11: staff register the following cycle two weeks before it starts (sharing is effective where a request
//   stands) and activate it on its first day;
// - R3 again, for the following cycle: two months before it ends, whatever was decided for it;
// - R10 again: the renewed signature's expiry reminder.
// `followingCycleEvents` says what the platform must send for it (checked with the journey's own events by
// checks.ts, `moreEvents`); `followingCycleTask` takes the users' steps on the shared virtual clock.
import { addIsoDuration, parseIsoDuration } from '../../shared/domain/isoDuration';
import { plusMonths, subjects, type ExpectedEvent, type Person } from './checks';
import type { CycleJourney, JourneyApi, JourneyTime } from './cycleJourney';
import type { DemoEvent } from './report';

type Json = Record<string, unknown>;

const dayMs = 86_400_000;
const startOfDay = (isoDay: string) => Date.parse(`${isoDay}T00:00:00.000Z`);
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const at = (ms: number, time: string) => `${dayOf(ms)}T${time}Z`;
const oneYear = parseIsoDuration('P1Y')!;

export interface FollowingCyclePlan {
  /** The cycle after the journey's: from the day after it ends, for a year. */
  cycle: { startsOn: string; endsOn: string };
  /** When the manager answers the R3 reminder by asking to share from the following cycle; none: they let it pass. */
  answerReminderAt: string | null;
  /** When the manager signs the T&C again, a few days after the signature ran out (R10). */
  resignTermsAt: string;
  /** When staff register the following cycle (R23), and activate it (R11). */
  registerAt: string;
  activateAt: string;
}

export interface FollowingCycleRecord {
  cycleId: string;
  sharingEffective: boolean | null;
  reminderAnsweredAt: string | null;
  /** The R3 email's link to the request page, as the manager followed it. */
  reminderLink: string | null;
  /** The profile's completion when the manager came back after the signature ran out (R10: below 100 %). */
  profilePercentBeforeResigning: number | null;
  termsResignedAt: string | null;
  registeredAt: string | null;
  activatedAt: string | null;
}

export interface FollowingCycle {
  plan: FollowingCyclePlan;
  record: FollowingCycleRecord;
}

/**
 * The following cycle of a journey whose T&C were signed at `termsSignedAt` (known once its enrolment ran).
 * `answerReminder`: the manager asks to share from it when the R3 reminder comes.
 */
export function planFollowingCycle(
  journey: CycleJourney,
  options: { answerReminder: boolean; termsSignedAt: string }
): FollowingCycle {
  const ends = startOfDay(journey.plan.cycle.endsOn);
  const startsOn = dayOf(ends + dayMs);
  const endsOn = dayOf(addIsoDuration(new Date(startOfDay(startsOn)), oneYear).getTime() - dayMs);
  const reminderAt = plusMonths(ends, -2);
  const termsRunOut = plusMonths(Date.parse(options.termsSignedAt), 12);
  return {
    plan: {
      cycle: { startsOn, endsOn },
      answerReminderAt: options.answerReminder ? at(reminderAt + 2 * dayMs, '08:30:00.000') : null,
      resignTermsAt: at(termsRunOut + 3 * dayMs, '08:00:00.000'),
      registerAt: at(startOfDay(startsOn) - 14 * dayMs, '09:30:00.000'),
      activateAt: at(startOfDay(startsOn), '09:30:00.000'),
    },
    record: {
      cycleId: '',
      sharingEffective: null,
      reminderAnsweredAt: null,
      reminderLink: null,
      profilePercentBeforeResigning: null,
      termsResignedAt: null,
      registeredAt: null,
      activatedAt: null,
    },
  };
}

/** The journey's manager as the checks name them. */
function managerOf(journey: CycleJourney): Person {
  const { plan, record } = journey;
  return { key: plan.manager, userId: record.people.managerUserId, email: record.people.managerEmail };
}

/**
 * What the platform must send and record for the following cycle (R3 once for it, two months before it ends;
 * R10 for the renewed signature: the reminder 30 days before its year is up, the expiry when it is), written
 * out independently of shared/domain/durations.ts like the journey's own events.
 */
export function followingCycleEvents(journey: CycleJourney, following: FollowingCycle): ExpectedEvent[] {
  const { record } = journey;
  if (!record.factoryId) return [];
  const manager = managerOf(journey);
  const base = {
    factoryId: record.factoryId,
    factoryName: record.factoryName,
    expected: true,
    emailed: [manager],
    notified: [manager],
    milestone: null,
  };
  const events: ExpectedEvent[] = [
    {
      ...base,
      what: 'R3 preference reminder of the following cycle',
      // Nothing blocks it: a request made during the journey's cycle was used up when the following cycle was
      // registered, and no cycle after it is registered.
      dueAt: following.record.registeredAt ? plusMonths(startOfDay(following.plan.cycle.endsOn), -2) : null,
      subject: subjects.preferenceReminder,
      audit: 'slcp.preferenceReminderSent',
    },
  ];
  const resigned = following.record.termsResignedAt ? Date.parse(following.record.termsResignedAt) : null;
  const runsOut = resigned === null ? null : plusMonths(resigned, 12);
  events.push(
    {
      ...base,
      what: 'R10 T&C expiry reminder of the renewed signature',
      dueAt: runsOut === null ? null : runsOut - 30 * dayMs,
      subject: subjects.termsReminder,
      audit: 'terms.expiryReminderSent',
    },
    {
      ...base,
      what: 'R10 T&C expiry of the renewed signature',
      dueAt: runsOut,
      subject: subjects.termsExpired,
      audit: 'terms.expiredNoticeSent',
    }
  );
  return events;
}

const str = (value: unknown, what: string): string => {
  if (typeof value !== 'string') throw new Error(`expected ${what} to be a string, got ${JSON.stringify(value)}`);
  return value;
};

/** The users' steps of the following cycle, in date order, on the journeys' virtual clock. */
export function followingCycleTask(
  api: JourneyApi,
  journey: CycleJourney,
  following: FollowingCycle
): (time: JourneyTime) => Promise<void> {
  return async ({ at: until }) => {
    const { plan, record } = journey;
    const factoryPath = `factories/${record.factoryId}`;
    const steps: { when: string; step: () => Promise<void> }[] = [
      {
        when: following.plan.resignTermsAt,
        step: async () => {
          const profile = await api.expect(200, plan.manager, 'GET', `${factoryPath}/profile`);
          following.record.profilePercentBeforeResigning = (profile.body.completion as { percent: number }).percent;
          const signed = await api.expect(200, plan.manager, 'POST', `${factoryPath}/terms`, {
            json: { accept: true },
            headers: { 'if-match': profile.headers.get('etag') ?? '*' },
          });
          following.record.termsResignedAt = str((signed.body.terms as Json | null)?.signedAt, 'terms.signedAt');
        },
      },
      {
        when: following.plan.registerAt,
        step: async () => {
          const cycles = await api.expect(201, plan.staff, 'POST', `${factoryPath}/cycles`, {
            json: following.plan.cycle,
          });
          const cycle = (cycles.body.cycles as Json[]).find((c) => c.startsOn === following.plan.cycle.startsOn);
          if (!cycle) throw new Error(`the cycle ${following.plan.cycle.startsOn} of ${record.factoryId} is missing`);
          following.record.cycleId = str(cycle.cycleId, 'cycleId');
          following.record.sharingEffective = cycle.sharingEffective === true;
          following.record.registeredAt = str(cycle.registeredAt, 'registeredAt');
        },
      },
      {
        when: following.plan.activateAt,
        step: async () => {
          const activated = await api.expect(
            200,
            plan.staff,
            'POST',
            `${factoryPath}/cycles/${following.record.cycleId}/activate`
          );
          following.record.activatedAt = str(activated.body.activatedAt, 'activatedAt');
        },
      },
    ];
    const answerAt = following.plan.answerReminderAt;
    if (answerAt) {
      steps.push({
        when: answerAt,
        step: async () => {
          // The manager opens the reminder and follows its link to the request page (R3), then asks (R2).
          const reminder = await api.eventually(`the R3 reminder of ${record.factoryId}`, async () =>
            (await api.mailTo(record.people.managerEmail)).find(
              (m) => m.subject === subjects.preferenceReminder && (m.text ?? '').includes(record.factoryName)
            )
          );
          const link = /https?:\/\/\S+\/slcp-request\b/.exec(reminder.text ?? '');
          if (!link || !link[0].includes(encodeURIComponent(record.factoryId))) {
            throw new Error(`the R3 reminder of ${record.factoryId} has no link to its request page`);
          }
          following.record.reminderLink = link[0];
          const requested = await api.expect(200, plan.manager, 'POST', `${factoryPath}/slcp-request`);
          following.record.reminderAnsweredAt = str(
            (requested.body.request as Json).requestedAt,
            'request.requestedAt'
          );
        },
      });
    }
    steps.sort((a, b) => a.when.localeCompare(b.when));
    for (const { when, step } of steps) {
      await until(when);
      await step();
    }
  };
}

/**
 * The following cycle on the demo's timeline of the factory: the users' steps as recorded, and what the platform
 * was to send for it up to `until` (the milestones the checks hold it to).
 */
export function followingCycleTimeline(journey: CycleJourney, following: FollowingCycle, until: Date): DemoEvent[] {
  const { plan, record } = following;
  const events: DemoEvent[] = [];
  const step = (at: string | null, what: string) => {
    if (at) events.push({ at, what, kind: 'step' });
  };
  step(record.reminderAnsweredAt, 'answered the R3 reminder from its link: asked to share (R2)');
  step(record.termsResignedAt, `T&C signed again (the profile was at ${record.profilePercentBeforeResigning} %)`);
  step(
    record.registeredAt,
    `following cycle ${plan.cycle.startsOn} registered, sharing ${record.sharingEffective ? 'effective' : 'off'} (R23)`
  );
  step(record.activatedAt, 'following cycle activated (R11)');
  for (const e of followingCycleEvents(journey, following)) {
    if (!e.expected || e.dueAt === null || e.dueAt > until.getTime()) continue;
    events.push({ at: new Date(e.dueAt).toISOString(), what: e.what, kind: 'milestone' });
  }
  return events;
}
