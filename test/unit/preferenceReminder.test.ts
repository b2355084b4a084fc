// R3: two months before the running cycle ends, the factory managers are invited to state their preference
// (share via SLCP from the next cycle or not), with a link to the request page; once per cycle.
import { deliverDueOutbox } from '../../shared/app/notifications/deliverOutbox';
import { listNotifications } from '../../shared/app/notifications/notifications';
import { requestSlcpSharing } from '../../shared/app/sharing/slcpSharing';
import { schedulerActor } from '../../shared/app/timeline/contacts';
import type { TimelineDeps } from '../../shared/app/timeline/cycleFacts';
import { preferenceReminderSubject, sendPreferenceReminder } from '../../shared/app/timeline/cycleMilestones';
import { ruleDurations } from '../../shared/domain/durations';
import { PreconditionFailedError } from '../../shared/domain/errors';
import type {
  AuditEventDocument,
  CycleEntry,
  FactoryDocument,
  OutboxDocument,
} from '../../shared/domain/factory/factory';
import {
  markPreferenceReminderSent,
  preferenceReminderBlock,
  preferenceReminderDue,
  preferenceReminderOpensOn,
} from '../../shared/domain/timeline/preferenceReminder';
import type { EmailMessage } from '../../shared/ports/email';
import type { DocumentStore } from '../../shared/ports/documentStore';
import {
  factoryOne,
  factoryTwo,
  partitionDocs,
  people,
  readFactory,
  registeredFactory,
  seedFactory,
  seedPeople,
  TestClock,
} from '../support/sharingFixtures';
import { memoryDocumentStore } from '../../shared/adapters/memory/memoryDocumentStore';

const at = (iso: string) => new Date(iso);
const dayMs = 86_400_000;

function cycle(sequence: number, startsOn: string, endsOn: string, extra: Partial<CycleEntry> = {}): CycleEntry {
  return {
    cycleId: `${factoryOne}-C${sequence}`,
    sequence,
    startsOn,
    endsOn,
    registeredAt: '2029-01-01T00:00:00.000Z',
    sharingEffective: false,
    ...extra,
  };
}

/** Factory one with a manager and the given cycles (the last one current). */
function factoryWith(cycles: CycleEntry[], overrides: Partial<FactoryDocument> = {}): FactoryDocument {
  return registeredFactory(factoryOne, at('2029-01-01T00:00:00Z'), {
    managerUserIds: [people.manager.userId],
    cycles,
    currentCycleId: cycles[cycles.length - 1]?.cycleId,
    ...overrides,
  });
}

/** A cycle of a year ending on 31 March 2030: its reminder window opens on 31 January 2030. */
const endsMarch31 = cycle(1, '2029-04-01', '2030-03-31');

describe('R3: the reminder window (pure rule)', () => {
  it('R3: the lead is two calendar months, declared once with the other rule durations', () => {
    expect(ruleDurations.preferenceReminderLead).toBe('P2M');
  });

  it('R3: before the window nothing is due', () => {
    const factory = factoryWith([endsMarch31]);
    expect(preferenceReminderDue(factory, at('2029-06-01T06:00:00Z'))).toBeUndefined();
    expect(preferenceReminderDue(factory, at('2030-01-30T23:59:59Z'))).toBeUndefined();
  });

  it('R3: in the window the running cycle is due, from its first day to the last day of the cycle', () => {
    const factory = factoryWith([endsMarch31]);
    expect(preferenceReminderDue(factory, at('2030-01-31T00:00:00Z'))).toEqual(endsMarch31);
    expect(preferenceReminderDue(factory, at('2030-02-15T06:00:00Z'))).toEqual(endsMarch31);
    expect(preferenceReminderDue(factory, at('2030-03-31T23:59:59Z'))).toEqual(endsMarch31);
    // The cycle has ended: nothing runs, nothing to remind about.
    expect(preferenceReminderDue(factory, at('2030-04-01T00:00:00Z'))).toBeUndefined();
  });

  it('R3: calendar months, clamped to the month end: 31 March from 31 January, 30 April from the end of February', () => {
    expect(preferenceReminderOpensOn({ endsOn: '2030-03-31' })).toBe('2030-01-31');
    expect(preferenceReminderOpensOn({ endsOn: '2030-04-30' })).toBe('2030-02-28');
    expect(preferenceReminderOpensOn({ endsOn: '2028-04-30' })).toBe('2028-02-29');
    expect(preferenceReminderOpensOn({ endsOn: '2030-04-29' })).toBe('2030-02-28');
    expect(preferenceReminderOpensOn({ endsOn: '2030-05-01' })).toBe('2030-03-01');
    expect(preferenceReminderOpensOn({ endsOn: '2030-12-31' })).toBe('2030-10-31');
    expect(preferenceReminderOpensOn({ endsOn: '2031-01-15' })).toBe('2030-11-15');
    expect(preferenceReminderOpensOn({ endsOn: '2030-05-31' })).toBe('2030-03-31');
  });

  it('R3: the window is the same whatever the time of day (UTC days)', () => {
    const factory = factoryWith([cycle(1, '2029-05-01', '2030-04-30')]);
    expect(preferenceReminderDue(factory, at('2030-02-27T23:59:59Z'))).toBeUndefined();
    expect(preferenceReminderDue(factory, at('2030-02-28T00:00:00Z'))).toBeDefined();
  });

  it('R3: once per cycle: a cycle already reminded is not due again', () => {
    const now = at('2030-02-01T06:00:00Z');
    const factory = factoryWith([endsMarch31]);
    const reminded = markPreferenceReminderSent(factory, endsMarch31.cycleId, now);
    expect(reminded.cycles[0]).toMatchObject({ preferenceReminderSentAt: now.toISOString() });
    expect(preferenceReminderDue(reminded, now)).toBeUndefined();
    expect(preferenceReminderDue(reminded, at('2030-03-15T06:00:00Z'))).toBeUndefined();
  });

  it('R3: not when the factory already asked to share from the next cycle (R2): nothing to invite it to', () => {
    const factory = factoryWith([endsMarch31], {
      sharing: {
        pendingForNextCycle: true,
        requestedAt: '2029-10-01T00:00:00.000Z',
        requestedBy: people.manager.userId,
        optedOutAt: undefined,
        optOutReason: undefined,
      },
    });
    expect(preferenceReminderDue(factory, at('2030-02-01T06:00:00Z'))).toBeUndefined();
  });

  it('R3: not without a factory manager to remind', () => {
    const factory = factoryWith([endsMarch31], { managerUserIds: [] });
    expect(preferenceReminderDue(factory, at('2030-02-01T06:00:00Z'))).toBeUndefined();
  });

  it('R3: a cycle shorter than two months is reminded once, on its first day', () => {
    const short = cycle(1, '2030-03-10', '2030-04-20');
    const factory = factoryWith([short]);
    expect(preferenceReminderOpensOn(short)).toBe('2030-02-20');
    expect(preferenceReminderDue(factory, at('2030-03-09T06:00:00Z'))).toBeUndefined(); // not running yet
    expect(preferenceReminderDue(factory, at('2030-03-10T06:00:00Z'))).toEqual(short);
    const reminded = markPreferenceReminderSent(factory, short.cycleId, at('2030-03-10T06:00:00Z'));
    expect(preferenceReminderDue(reminded, at('2030-03-11T06:00:00Z'))).toBeUndefined();
  });

  it('R3: each cycle has its own reminder: the next cycle is reminded in its own window', () => {
    const first = cycle(1, '2029-04-01', '2030-03-31', { preferenceReminderSentAt: '2030-01-31T06:00:00.000Z' });
    const second = cycle(2, '2030-04-01', '2031-03-31');
    const factory = factoryWith([first, second]);
    expect(preferenceReminderDue(factory, at('2030-04-01T06:00:00Z'))).toBeUndefined();
    expect(preferenceReminderDue(factory, at('2031-01-31T06:00:00Z'))).toEqual(second);
  });

  it('R3, R23: not when the next cycle is already registered (its sharing was settled when it was registered)', () => {
    const factory = factoryWith([endsMarch31, cycle(2, '2030-04-01', '2031-03-31')]);
    expect(preferenceReminderDue(factory, at('2030-02-01T06:00:00Z'))).toBeUndefined();
  });

  it('R3, R6: not after an opt-out recorded in the running cycle; an opt-out of an earlier cycle does not stop it', () => {
    const optedOut = (optedOutAt: string) =>
      factoryWith([endsMarch31], {
        sharing: {
          pendingForNextCycle: false,
          requestedAt: undefined,
          requestedBy: undefined,
          optedOutAt,
          optOutReason: 'The factory does not want to share this year.',
        },
      });
    expect(preferenceReminderDue(optedOut('2029-12-01T10:00:00.000Z'), at('2030-02-01T06:00:00Z'))).toBeUndefined();
    expect(preferenceReminderDue(optedOut('2029-03-15T10:00:00.000Z'), at('2030-02-01T06:00:00Z'))).toEqual(
      endsMarch31
    );
  });

  it('R3: what blocks the reminder whatever the date, named for the timeline', () => {
    const factory = factoryWith([endsMarch31]);
    expect(preferenceReminderBlock(factory, endsMarch31, true)).toBeUndefined();
    expect(preferenceReminderBlock(factory, endsMarch31, false)).toBe('slcpNotLaunched');
    expect(preferenceReminderBlock(factoryWith([endsMarch31], { managerUserIds: [] }), endsMarch31, true)).toBe(
      'noManager'
    );
    expect(
      preferenceReminderBlock(factoryWith([endsMarch31, cycle(2, '2030-04-01', '2031-03-31')]), endsMarch31, true)
    ).toBe('nextCycleRegistered');
  });
});

// ---------------------------------------------------------------------------------------------------
// The activity of the cycle timeline, on the memory store
// ---------------------------------------------------------------------------------------------------

const portalBaseUrl = 'https://portal.example.org';
const windowOpen = at('2030-03-02T06:00:00Z');
const cycleOne = `${factoryOne}-C1`;

/**
 * Factory one: two managers, cycle ending 2 May 2030 (window from 2 March). Factory two: cycle ending 30 June
 * (window from 30 April). A Cambodian factory in its window, where SLCP sharing has not launched.
 */
async function reminderWorld(now = at('2030-03-01T06:00:00Z')) {
  const store = memoryDocumentStore();
  const clock = new TestClock(now);
  await seedPeople(store, now);
  await seedFactory(
    store,
    registeredFactory(factoryOne, now, {
      managerUserIds: [people.manager.userId, people.otherManager.userId],
      cycles: [cycle(1, '2029-05-03', '2030-05-02')],
      currentCycleId: cycleOne,
    })
  );
  await seedFactory(
    store,
    registeredFactory(factoryTwo, now, {
      managerUserIds: [people.otherManager.userId],
      cycles: [{ ...cycle(1, '2029-07-01', '2030-06-30'), cycleId: `${factoryTwo}-C1` }],
      currentCycleId: `${factoryTwo}-C1`,
    })
  );
  await seedFactory(
    store,
    registeredFactory('KH-FACT0001', now, {
      managerUserIds: [people.manager.userId],
      cycles: [{ ...cycle(1, '2029-05-03', '2030-05-02'), cycleId: 'KH-FACT0001-C1' }],
      currentCycleId: 'KH-FACT0001-C1',
    })
  );
  const deps = { store, clock, settings: { portalBaseUrl } };
  /** The activity as the timeline calls it, having decided at the clock's time. */
  const remind = (factoryId = factoryOne, cycleId = cycleOne, d: TimelineDeps = deps) =>
    sendPreferenceReminder(d, { factoryId, cycleId, asOf: clock.now().toISOString() });
  return { store, clock, deps, remind };
}

async function outboxOf(store: DocumentStore, countryCode = 'BD'): Promise<OutboxDocument[]> {
  return (await partitionDocs(store, countryCode, 'outbox')) as unknown as OutboxDocument[];
}

async function reminderAudits(store: DocumentStore, countryCode = 'BD'): Promise<AuditEventDocument[]> {
  return ((await partitionDocs(store, countryCode, 'audit')) as unknown as AuditEventDocument[]).filter(
    (event) => event.action === 'slcp.preferenceReminderSent'
  );
}

describe('R3: the preference reminder activity (use case on the memory store)', () => {
  it('R3: before the window nothing is sent or written', async () => {
    const { store, remind } = await reminderWorld();
    expect(await remind()).toMatchObject({ milestone: 'preferenceReminder', acted: false });
    expect(await outboxOf(store)).toEqual([]);
    expect(await reminderAudits(store)).toEqual([]);
  });

  it('R3: the decision time of the orchestration counts when the activity runs a little earlier by its clock', async () => {
    const { store, clock, deps } = await reminderWorld(at('2030-03-01T23:59:59Z'));
    const outcome = await sendPreferenceReminder(deps, {
      factoryId: factoryOne,
      cycleId: cycleOne,
      asOf: '2030-03-02T00:00:00.000Z',
    });
    expect(outcome).toMatchObject({ acted: true, at: clock.now().toISOString() });
    expect(await outboxOf(store)).toHaveLength(4);
  });

  it('R3: in the window: the cycle is marked, one audit event, a notification and an email per manager', async () => {
    const { store, clock, remind } = await reminderWorld(windowOpen);
    expect(await remind()).toEqual({
      milestone: 'preferenceReminder',
      acted: true,
      at: windowOpen.toISOString(),
      reason: null,
    });

    const factory = await readFactory(store, factoryOne);
    expect(factory.cycles[0]).toMatchObject({ preferenceReminderSentAt: windowOpen.toISOString() });
    expect((await readFactory(store, factoryTwo)).cycles[0]?.preferenceReminderSentAt).toBeUndefined();

    const [audit, ...moreAudits] = await reminderAudits(store);
    expect(moreAudits).toEqual([]);
    expect(audit).toMatchObject({
      factoryId: factoryOne,
      at: windowOpen.toISOString(),
      actor: { userId: schedulerActor.userId, roles: [] },
      before: { cycles: [expect.not.objectContaining({ preferenceReminderSentAt: expect.anything() })] },
      after: { cycles: [expect.objectContaining({ preferenceReminderSentAt: windowOpen.toISOString() })] },
    });

    const link = `${portalBaseUrl}/factories/${factoryOne}/slcp-request`;
    const outbox = await outboxOf(store);
    expect(outbox).toHaveLength(4); // two managers, a notification and an email each
    expect(outbox.every((entry) => entry.factoryId === factoryOne && entry.status === 'pending')).toBe(true);
    expect(outbox.every((entry) => entry.subject === preferenceReminderSubject && entry.link === link)).toBe(true);
    expect(outbox.map((entry) => `${entry.kind} ${entry.to}`).sort((a, b) => a.localeCompare(b))).toEqual([
      `email ${people.manager.email}`,
      `email ${people.otherManager.email}`,
      `notification ${people.manager.userId}`,
      `notification ${people.otherManager.userId}`,
    ]);
    const text = outbox[0]!.text;
    expect(text).toContain('2030-05-02'); // when the running cycle ends
    expect(text).toMatch(/voluntary/); // R1
    expect(text).toMatch(/from your next cycle/); // R2
    expect(outbox.find((entry) => entry.kind === 'email')!.text).toContain(link);

    // Delivered: the manager sees it in the portal, and the email goes out.
    const sent: EmailMessage[] = [];
    await deliverDueOutbox({ store, clock, emailSender: { send: async (m) => void sent.push(m) } });
    const page = await listNotifications(store, people.manager, { unreadOnly: true });
    expect(page.items).toEqual([
      expect.objectContaining({ title: preferenceReminderSubject, link, factoryId: factoryOne, read: false }),
    ]);
    expect(sent.map((m) => m.to).sort((a, b) => a.localeCompare(b))).toEqual(
      [people.manager.email, people.otherManager.email].sort((a, b) => a!.localeCompare(b!))
    );
  });

  it('R3: idempotent: the activity run twice (a retry) and again days later sends one reminder', async () => {
    const { store, clock, remind } = await reminderWorld(windowOpen);
    expect(await remind()).toMatchObject({ acted: true });
    expect(await remind()).toMatchObject({ acted: false, at: windowOpen.toISOString() });
    clock.advance(20 * dayMs);
    expect(await remind()).toMatchObject({ acted: false });
    expect(await outboxOf(store)).toHaveLength(4);
    expect(await reminderAudits(store)).toHaveLength(1);
  });

  it('R3: each cycle in its own window: factory two on 30 April', async () => {
    const { store, clock, remind } = await reminderWorld(windowOpen);
    const two = `${factoryTwo}-C1`;
    clock.set(at('2030-04-29T06:00:00Z'));
    expect(await remind(factoryTwo, two)).toMatchObject({ acted: false });
    clock.set(at('2030-04-30T06:00:00Z'));
    expect(await remind(factoryTwo, two)).toMatchObject({ acted: true });
    expect((await readFactory(store, factoryTwo)).cycles[0]?.preferenceReminderSentAt).toBe('2030-04-30T06:00:00.000Z');
  });

  it('R3: skipped when a request is pending (R2), and nothing is recorded on the cycle', async () => {
    const { store, clock, remind } = await reminderWorld(at('2030-02-01T08:00:00Z'));
    await requestSlcpSharing({ store, clock }, people.manager, factoryOne);
    clock.set(windowOpen);
    expect(await remind()).toMatchObject({ acted: false, reason: expect.stringMatching(/already asked to share/) });
    expect((await readFactory(store, factoryOne)).cycles[0]?.preferenceReminderSentAt).toBeUndefined();
    expect(await outboxOf(store)).toEqual([]);
  });

  it('Country programmes: no reminder where SLCP sharing has not launched (the request would be refused)', async () => {
    const { store, remind } = await reminderWorld(windowOpen);
    expect(await remind('KH-FACT0001', 'KH-FACT0001-C1')).toMatchObject({ acted: false });
    expect(await outboxOf(store, 'KH')).toEqual([]);
    expect(await reminderAudits(store, 'KH')).toEqual([]);
  });

  it('R3: a change that races the reminder wins; the activity fails (412, retried), nothing is written, the retry sends it', async () => {
    const { store, deps, remind } = await reminderWorld(windowOpen);
    let raced = false;
    const racing: DocumentStore = {
      ...store,
      read: async (container, partitionKey, id) => {
        const found = await store.read(container, partitionKey, id);
        if (!raced && container === 'factories' && id === factoryOne && found) {
          raced = true; // someone else changes the factory between our read and our write
          await store.write('factories', partitionKey, [
            { kind: 'replace', doc: { ...found.doc, name: 'Renamed meanwhile' }, ifMatch: found.etag },
          ]);
        }
        return found as never;
      },
    };
    await expect(remind(factoryOne, cycleOne, { ...deps, store: racing })).rejects.toBeInstanceOf(
      PreconditionFailedError
    );
    expect(await outboxOf(store)).toEqual([]);
    expect(await reminderAudits(store)).toEqual([]);
    expect(await remind()).toMatchObject({ acted: true });
    expect(await outboxOf(store)).toHaveLength(4);
  });
});
