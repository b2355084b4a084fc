// R3 on the local host: the app's real registrations (the daily preference-reminder timer and the outbox
// timer) on the virtual clock, a real local Cosmos server through the real SDK (the reminder's cross-partition
// query included), a real SMTP sink, and bearer tokens of the demo users. Moving the clock past the window's
// first day fires the reminder at 06:00 UTC; the manager then sees it in the portal and in their mailbox.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMailSink, type MailSink } from '../../local/mail/mailSink';
import { findDemoUser } from '../../local/seed/demoUsers';
import { preferenceReminderSubject } from '../../shared/app/sharing/preferenceReminders';
import type { UserDocument } from '../../shared/app/users/userDirectory';
import type { FactoryDocument, OutboxDocument } from '../../shared/domain/factory/factory';
import type { DocumentStore, StoredDocument } from '../../shared/ports/documentStore';
import { apiCalls } from '../support/apiCalls';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { registeredFactory } from '../support/sharingFixtures';

jest.setTimeout(120_000);

/** 22:00 UTC on 1 March 2030: the first daily run (06:00) comes on 2 March, the first day of the window. */
const start = new Date('2030-03-01T22:00:00Z');
const manager = findDemoUser('fm-bd-1')!;
const requestingManager = findDemoUser('fm-bd-2')!;
/** Its cycle ends on 2 May 2030, two months and a day after the start: the window opens on 2 March. */
const dueFactory = 'BD-REMIND01';
/** Same cycle, but its manager already asked to share from the next cycle (R2): nothing to remind. */
const requestedFactory = 'BD-REMIND02';
const requestPage = `https://portal.example.org/factories/${dueFactory}/slcp-request`;

let api: ApiHarness;
const { call, advanceClock } = apiCalls(() => api);
let mail: MailSink;
let mailDir: string;

function userDoc(user: { userId: string; email: string }, factoryId: string, now: string): UserDocument {
  return {
    id: user.userId,
    type: 'user',
    userId: user.userId,
    name: undefined,
    email: user.email,
    countryCodes: [],
    factoryIds: [factoryId],
    advisedFactoryIds: [],
    brandId: undefined,
    updatedAt: now,
  };
}

function factoryDoc(factoryId: string, managerUserId: string, now: Date): FactoryDocument {
  const cycleId = `${factoryId}-C1`;
  return registeredFactory(factoryId, now, {
    managerUserIds: [managerUserId],
    cycles: [
      {
        cycleId,
        sequence: 1,
        startsOn: '2029-05-03',
        endsOn: '2030-05-02',
        registeredAt: now.toISOString(),
        sharingEffective: false,
      },
    ],
    currentCycleId: cycleId,
  });
}

async function seed(store: DocumentStore, clock: { now(): Date }): Promise<void> {
  const now = clock.now();
  for (const [user, factoryId] of [
    [manager, dueFactory],
    [requestingManager, requestedFactory],
  ] as const) {
    await store.write('users', user.userId, [{ kind: 'create', doc: userDoc(user, factoryId, now.toISOString()) }]);
  }
  await store.write('factories', 'BD', [{ kind: 'create', doc: factoryDoc(dueFactory, manager.userId, now) }]);
  const requested = factoryDoc(requestedFactory, requestingManager.userId, now);
  requested.sharing = {
    ...requested.sharing,
    pendingForNextCycle: true,
    requestedAt: now.toISOString(),
    requestedBy: requestingManager.userId,
  };
  await store.write('factories', 'BD', [{ kind: 'create', doc: requested }]);
}

async function notificationsOf(userKey: string): Promise<{ title: string; link: string | null; factoryId: string }[]> {
  const answer = await call('GET', 'notifications', { as: userKey });
  expect(answer.status).toBe(200);
  return answer.body.items as { title: string; link: string | null; factoryId: string }[];
}

async function partition(type: string): Promise<StoredDocument[]> {
  const page = await api.store.query<StoredDocument>(
    'factories',
    'BD',
    {
      query: 'SELECT * FROM c WHERE c.countryCode = @pk AND c.type = @type',
      parameters: [{ name: '@type', value: type }],
    },
    { maxItems: 1000 }
  );
  return page.items;
}

const mailTo = (address: string) => mail.messages().filter((m) => m.to.includes(address));

beforeAll(async () => {
  mailDir = mkdtempSync(join(tmpdir(), 'preference-reminder-mail-'));
  mail = await startMailSink({ smtpPort: 0, webPort: 0, dataDir: mailDir });
  api = await startApiHarness({ seed, timers: true, smtpPort: mail.smtpPort, startAt: start });
});

afterAll(async () => {
  await api?.stop();
  await mail?.close();
  if (mailDir) rmSync(mailDir, { recursive: true, force: true });
});

describe('R3: the preference reminder on the local host', () => {
  it('R3: registers the daily timer at 06:00 UTC', () => {
    const timer = api.host.functions().find((fn) => fn.name === 'sendPreferenceReminders');
    expect(timer?.trigger).toMatchObject({ type: 'timerTrigger', schedule: '0 0 6 * * *' });
  });

  it('R3: nothing before the window', async () => {
    expect(await notificationsOf('fm-bd-1')).toEqual([]);
    expect(await partition('outbox')).toEqual([]);
  });

  it('R3: past the window the manager gets a notification and an email with a link to the request page', async () => {
    await advanceClock('P1D'); // through 2 March 06:00 (the reminder) and 06:01 (the outbox)

    const notifications = await notificationsOf('fm-bd-1');
    expect(notifications).toEqual([
      expect.objectContaining({ title: preferenceReminderSubject, link: requestPage, factoryId: dueFactory }),
    ]);
    const emails = mailTo(manager.email);
    expect(emails).toHaveLength(1);
    expect(emails[0]!.subject).toBe(preferenceReminderSubject);
    expect(emails[0]!.text).toContain(requestPage);
    expect(emails[0]!.text).toContain('2030-05-02');

    const factory = (await api.store.read<FactoryDocument>('factories', 'BD', dueFactory))!.doc;
    expect(factory.cycles[0]?.preferenceReminderSentAt).toMatch(/^2030-03-02T06:00:/); // the clock runs on meanwhile
    const outbox = (await partition('outbox')) as OutboxDocument[];
    expect(outbox.map((entry) => [entry.factoryId, entry.kind, entry.to, entry.status]).sort()).toEqual([
      [dueFactory, 'email', manager.email, 'delivered'],
      [dueFactory, 'notification', manager.userId, 'delivered'],
    ]);
    const audit = (await partition('audit')).filter((event) => event.action === 'slcp.preferenceReminderSent');
    expect(audit).toEqual([
      expect.objectContaining({ factoryId: dueFactory, at: expect.stringMatching(/^2030-03-02T06:00:/) }),
    ]);

    // R2: the factory that already asked is not invited, and nothing is recorded on its cycle.
    expect(await notificationsOf('fm-bd-2')).toEqual([]);
    expect(mailTo(requestingManager.email)).toEqual([]);
    const requested = (await api.store.read<FactoryDocument>('factories', 'BD', requestedFactory))!.doc;
    expect(requested.cycles[0]?.preferenceReminderSentAt).toBeUndefined();
  });

  it('R3: once per cycle: the next days send nothing more', async () => {
    await advanceClock('P2D');
    expect(await notificationsOf('fm-bd-1')).toHaveLength(1);
    expect(mailTo(manager.email)).toHaveLength(1);
    expect(await partition('outbox')).toHaveLength(2);
  });
});
