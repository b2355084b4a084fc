// The timeline's use cases on the real Cosmos DB SDK against the local Cosmos server (what the durable
// engine's activities and the daily reconciliation run on), with the emails delivered to a real SMTP sink:
// R3 through its activity (one reminder however often it runs), the reconciliation's query across
// partitions, and the staff contacts the R16 and R9 messages go to.
import { CosmosClient } from '@azure/cosmos';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provisionCosmos } from '../../local/cosmos/provision';
import { CERT_FILE, startCosmosServer, type CosmosServer } from '../../local/cosmos/server';
import { startMailSink, type MailSink } from '../../local/mail/mailSink';
import { cosmosDocumentStore } from '../../shared/adapters/cosmos/cosmosDocumentStore';
import { createSmtpEmailSender } from '../../shared/adapters/email/smtpEmailSender';
import { deliverDueOutbox } from '../../shared/app/notifications/deliverOutbox';
import { staffContacts } from '../../shared/app/timeline/contacts';
import { preferenceReminderSubject, sendPreferenceReminder } from '../../shared/app/timeline/cycleMilestones';
import { openCycleCandidates, reconcileTimelines } from '../../shared/app/timeline/reconcile';
import type { CycleEntry, FactoryDocument, OutboxDocument } from '../../shared/domain/factory/factory';
import type { DocumentStore } from '../../shared/ports/documentStore';
import { people, registeredFactory, seedFactory, seedPeople, TestClock } from '../support/sharingFixtures';

jest.setTimeout(120_000);

let server: CosmosServer;
let client: CosmosClient;
let mail: MailSink;
let dir: string;
let store: DocumentStore;

const start = new Date('2030-03-02T00:00:00Z'); // the window of a cycle ending on 2 May 2030 opens today
const dueFactory = 'BD-REMIND01';
const requestedFactory = 'BD-REMIND02';

function cycleOf(factoryId: string, extra: Partial<CycleEntry> = {}): CycleEntry {
  return {
    cycleId: `${factoryId}-C1`,
    sequence: 1,
    startsOn: '2029-05-03',
    endsOn: '2030-05-02',
    registeredAt: '2029-05-01T00:00:00.000Z',
    sharingEffective: false,
    activatedAt: '2029-05-03T09:00:00.000Z',
    ...extra,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'timeline-store-'));
  server = await startCosmosServer({ port: 0, dataDir: join(dir, 'cosmos') });
  const key = Buffer.from('timeline-test').toString('base64');
  await provisionCosmos({
    endpoint: server.endpoint,
    key,
    caFile: join(dir, 'cosmos', CERT_FILE),
    databaseName: 'timeline',
  });
  client = new CosmosClient({
    endpoint: server.endpoint,
    key,
    agent: new Agent({ ca: server.caPem }),
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  store = cosmosDocumentStore(async () => client, 'timeline');
  mail = await startMailSink({ smtpPort: 0, webPort: 0, dataDir: join(dir, 'mail') });
  await seedPeople(store, start);
  await seedFactory(
    store,
    registeredFactory(dueFactory, start, { managerUserIds: [people.manager.userId], cycles: [cycleOf(dueFactory)] })
  );
  const requested = registeredFactory(requestedFactory, start, {
    managerUserIds: [people.otherManager.userId],
    cycles: [cycleOf(requestedFactory)],
  });
  requested.sharing = { ...requested.sharing, pendingForNextCycle: true, requestedAt: start.toISOString() };
  await seedFactory(store, requested);
  // Ended long ago with nothing pending; and a cycle never activated.
  await seedFactory(
    store,
    registeredFactory('BD-OLDCYC01', start, {
      cycles: [{ ...cycleOf('BD-OLDCYC01'), startsOn: '2027-01-01', endsOn: '2027-12-31' }],
    })
  );
  await seedFactory(
    store,
    registeredFactory('BD-NOTACT01', start, { cycles: [{ ...cycleOf('BD-NOTACT01'), activatedAt: undefined }] })
  );
});

afterAll(async () => {
  client?.dispose();
  await server?.close();
  await mail?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function outbox(): Promise<OutboxDocument[]> {
  const page = await store.query<OutboxDocument>(
    'factories',
    'BD',
    { query: "SELECT * FROM c WHERE c.countryCode = @pk AND c.type = 'outbox'" },
    { maxItems: 1000 }
  );
  return page.items;
}

describe('the timeline on the real Cosmos SDK', () => {
  it('R3: the activity sends the reminder once, however often it runs; the email reaches the mailbox', async () => {
    const clock = new TestClock(new Date('2030-03-02T00:00:01Z'));
    const deps = { store, clock, settings: { portalBaseUrl: 'https://portal.example.org' } };
    const input = { factoryId: dueFactory, cycleId: `${dueFactory}-C1`, asOf: '2030-03-02T00:00:01.000Z' };
    expect(await sendPreferenceReminder(deps, input)).toMatchObject({ acted: true });
    expect(await sendPreferenceReminder(deps, input)).toMatchObject({ acted: false });
    // R2: the factory that already asked is not invited.
    expect(
      await sendPreferenceReminder(deps, { ...input, factoryId: requestedFactory, cycleId: `${requestedFactory}-C1` })
    ).toMatchObject({ acted: false });
    expect((await outbox()).map((e) => `${e.factoryId} ${e.kind}`).sort()).toEqual([
      `${dueFactory} email`,
      `${dueFactory} notification`,
    ]);
    const factory = (await store.read<FactoryDocument>('factories', 'BD', dueFactory))!.doc;
    expect(factory.cycles[0]!.preferenceReminderSentAt).toBe('2030-03-02T00:00:01.000Z');

    await deliverDueOutbox({
      store,
      clock,
      emailSender: createSmtpEmailSender({
        host: '127.0.0.1',
        port: mail.smtpPort,
        from: 'Better Work <bw@example.org>',
      }),
    });
    const emails = mail.messages().filter((m) => m.to.includes(people.manager.email!));
    expect(emails.map((m) => m.subject)).toEqual([preferenceReminderSubject]);
    expect(emails[0]!.text).toContain(`https://portal.example.org/factories/${dueFactory}/slcp-request`);
  });

  it('the reconciliation query finds the activated cycles that may have something ahead, across partitions', async () => {
    const candidates = await openCycleCandidates(store, new Date('2030-03-02T05:30:00Z'));
    expect(candidates.map((f) => f.factoryId).sort()).toEqual([dueFactory, requestedFactory]);
    const calls: string[] = [];
    const run = await reconcileTimelines({
      store,
      clock: new TestClock(new Date('2030-03-02T05:30:00Z')),
      timelines: {
        ensureCycleTimeline: async ({ cycleId }) => {
          calls.push(cycleId);
          return { instanceId: `cycle-${cycleId}`, started: true };
        },
        signalCycle: async () => undefined,
      },
    });
    expect(run).toEqual({ open: 2, started: 2, woken: 0, failed: 0 });
    expect(calls.sort()).toEqual([`${dueFactory}-C1`, `${requestedFactory}-C1`]);
  });

  it('the staff of a country programme, from the user directory across partitions', async () => {
    expect(await staffContacts(store, 'BD')).toEqual({
      userIds: [people.assessor.userId, people.staff.userId].sort(),
      emails: [people.staff.email],
    });
  });
});
