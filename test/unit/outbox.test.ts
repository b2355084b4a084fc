// The outbox: delivery of emails and portal notifications after a change commits, retried with
// exponential backoff (1, 2, 4, … minutes, at most 1 hour), failed after 10 attempts, never duplicated.
import { deliverDueOutbox, outboxEmail } from '../../shared/app/notifications/deliverOutbox';
import {
  countUnreadNotifications,
  listNotifications,
  markNotificationRead,
} from '../../shared/app/notifications/notifications';
import { saveFactoryChange } from '../../shared/app/factories/factoryStore';
import { NotFoundError, ValidationError } from '../../shared/domain/errors';
import type { FactoryDocument, OutboxDocument } from '../../shared/domain/factory/factory';
import { afterFailure, backoffMinutes, outboxMaxAttempts } from '../../shared/domain/notifications/outbox';
import type { EmailMessage, EmailSender } from '../../shared/ports/email';
import type { DocumentStore } from '../../shared/ports/documentStore';
import { factoryOne, partitionDocs, people, sharingWorld, type TestClock } from '../support/sharingFixtures';

const now = new Date('2030-03-01T08:00:00Z');

class RecordingEmailSender implements EmailSender {
  readonly sent: EmailMessage[] = [];
  down = false;
  async send(message: EmailMessage): Promise<void> {
    if (this.down) throw new Error('SMTP 127.0.0.1:2525: connect ECONNREFUSED');
    this.sent.push(message);
  }
}

async function queue(
  store: DocumentStore,
  clock: TestClock,
  deliver: Parameters<typeof saveFactoryChange>[2]['deliver']
) {
  const loaded = (await store.read<FactoryDocument>('factories', 'BD', factoryOne))!;
  await saveFactoryChange(store, clock, {
    actor: people.staff,
    action: 'test.notify',
    before: loaded,
    after: loaded.doc,
    deliver,
  });
}

async function outboxDocs(store: DocumentStore): Promise<OutboxDocument[]> {
  return (await partitionDocs(store, 'BD', 'outbox')) as unknown as OutboxDocument[];
}

describe('outbox backoff', () => {
  it('waits 1, 2, 4, 8, 16, 32 minutes, then at most one hour', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map(backoffMinutes)).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60]);
  });

  it('fails for good after the 10th attempt', () => {
    const entry = {
      id: 'outbox-1',
      type: 'outbox',
      countryCode: 'BD',
      factoryId: factoryOne,
      kind: 'email',
      to: 'a@example.org',
      subject: 's',
      text: 't',
      link: undefined,
      status: 'pending',
      attempts: outboxMaxAttempts - 2,
      nextAttemptAt: now.toISOString(),
      createdAt: now.toISOString(),
      lastError: undefined,
    } satisfies OutboxDocument;
    const ninth = afterFailure(entry, 'down', now);
    expect(ninth).toMatchObject({ status: 'pending', attempts: 9 });
    expect(afterFailure(ninth, 'down', now)).toMatchObject({ status: 'failed', attempts: 10, lastError: 'down' });
  });
});

describe('outbox dispatcher', () => {
  it('delivers emails through the email sender with the entry id, and notifications into the user partition', async () => {
    const { store, clock } = await sharingWorld(now);
    const email = new RecordingEmailSender();
    await queue(store, clock, [
      {
        kind: 'email',
        to: 'manager@factory-one.example.com',
        subject: 'Connected',
        text: 'Hello',
        link: 'http://portal/x',
      },
      { kind: 'notification', to: people.manager.userId, subject: 'Connected', text: 'Hello', link: 'http://portal/x' },
    ]);
    const run = await deliverDueOutbox({ store, clock, emailSender: email });
    expect(run).toEqual({ delivered: 2, retrying: 0, failed: 0, skipped: 0 });
    const entries = await outboxDocs(store);
    expect(entries.every((e) => e.status === 'delivered' && e.attempts === 1)).toBe(true);
    const emailEntry = entries.find((e) => e.kind === 'email')!;
    expect(email.sent).toEqual([
      {
        id: emailEntry.id,
        to: 'manager@factory-one.example.com',
        subject: 'Connected',
        text: 'Hello\n\nhttp://portal/x',
      },
    ]);
    const page = await listNotifications(store, people.manager, { unreadOnly: false });
    expect(page.items).toEqual([
      expect.objectContaining({ title: 'Connected', link: 'http://portal/x', read: false, factoryId: factoryOne }),
    ]);
    expect(await deliverDueOutbox({ store, clock, emailSender: email })).toEqual({
      delivered: 0,
      retrying: 0,
      failed: 0,
      skipped: 0,
    });
  });

  it('no email is lost while the mail server is down: retried with backoff, delivered once it is back', async () => {
    const { store, clock } = await sharingWorld(now);
    const email = new RecordingEmailSender();
    email.down = true;
    await queue(store, clock, [{ kind: 'email', to: 'manager@factory-one.example.com', subject: 'S', text: 'T' }]);
    expect((await deliverDueOutbox({ store, clock, emailSender: email })).retrying).toBe(1);
    let [entry] = await outboxDocs(store);
    expect(entry).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringMatching(/ECONNREFUSED/) });
    expect(entry!.nextAttemptAt).toBe(new Date(now.getTime() + 60_000).toISOString());
    // not due yet: nothing is tried
    clock.advance(30_000);
    expect(await deliverDueOutbox({ store, clock, emailSender: email })).toMatchObject({ retrying: 0, delivered: 0 });
    clock.advance(30_000);
    expect((await deliverDueOutbox({ store, clock, emailSender: email })).retrying).toBe(1);
    [entry] = await outboxDocs(store);
    expect(entry).toMatchObject({
      attempts: 2,
      nextAttemptAt: new Date(clock.now().getTime() + 120_000).toISOString(),
    });
    email.down = false;
    clock.advance(120_000);
    expect((await deliverDueOutbox({ store, clock, emailSender: email })).delivered).toBe(1);
    expect(email.sent).toHaveLength(1);
  });

  it('after 10 failed attempts the entry is marked failed and no longer tried', async () => {
    const { store, clock } = await sharingWorld(now);
    const email = new RecordingEmailSender();
    email.down = true;
    await queue(store, clock, [{ kind: 'email', to: 'manager@factory-one.example.com', subject: 'S', text: 'T' }]);
    const runs = [];
    for (let i = 0; i < 12; i++) {
      runs.push(await deliverDueOutbox({ store, clock, emailSender: email }));
      clock.advance(60 * 60_000);
    }
    const [entry] = await outboxDocs(store);
    expect(entry).toMatchObject({ status: 'failed', attempts: 10 });
    expect(runs.filter((r) => r.failed === 1)).toHaveLength(1);
    expect(runs.slice(10).every((r) => r.retrying + r.failed + r.delivered === 0)).toBe(true);
  });

  it('a notification delivered before its entry was marked is not shown twice', async () => {
    const { store, clock } = await sharingWorld(now);
    const email = new RecordingEmailSender();
    await queue(store, clock, [{ kind: 'notification', to: people.manager.userId, subject: 'S', text: 'T' }]);
    const [entry] = await outboxDocs(store);
    // An earlier run created the notification, then stopped before marking the entry.
    await store.write('users', people.manager.userId, [
      {
        kind: 'create',
        doc: {
          id: entry!.id,
          type: 'notification',
          userId: people.manager.userId,
          at: entry!.createdAt,
          title: 'S',
          text: 'T',
          link: undefined,
          read: false,
          readAt: undefined,
          factoryId: factoryOne,
        },
      },
    ]);
    expect((await deliverDueOutbox({ store, clock, emailSender: email })).delivered).toBe(1);
    expect((await listNotifications(store, people.manager, { unreadOnly: false })).items).toHaveLength(1);
  });

  it('the email of an entry carries its link once', () => {
    const base = { id: 'outbox-x', to: 'a@example.org', subject: 'S', link: 'http://p/1' } as OutboxDocument;
    expect(outboxEmail({ ...base, text: 'Open http://p/1' }).text).toBe('Open http://p/1');
    expect(outboxEmail({ ...base, text: 'Open it' }).text).toBe('Open it\n\nhttp://p/1');
  });
});

describe('portal notifications', () => {
  async function withNotifications(count: number) {
    const world = await sharingWorld(now);
    for (let n = 1; n <= count; n++) {
      await world.store.write('users', people.manager.userId, [
        {
          kind: 'create',
          doc: {
            id: `n-${n}`,
            type: 'notification',
            userId: people.manager.userId,
            at: new Date(now.getTime() + n * 1000).toISOString(),
            title: `N${n}`,
            text: 'T',
            link: undefined,
            read: false,
            readAt: undefined,
            factoryId: factoryOne,
          },
        },
      ]);
    }
    return world;
  }

  it('lists only the caller’s own, newest first, page by page', async () => {
    const { store } = await withNotifications(25);
    const first = await listNotifications(store, people.manager, { unreadOnly: false });
    expect(first.items).toHaveLength(20);
    expect(first.items[0]!.title).toBe('N25');
    expect(first.continuation).toEqual(expect.any(String));
    const second = await listNotifications(store, people.manager, {
      unreadOnly: false,
      continuation: first.continuation!,
    });
    expect(second.items.map((n) => n.title)).toEqual(['N5', 'N4', 'N3', 'N2', 'N1']);
    expect(second.continuation).toBeNull();
    expect((await listNotifications(store, people.staff, { unreadOnly: false })).items).toEqual([]);
    await expect(
      listNotifications(store, people.manager, { unreadOnly: false, continuation: 'not-a-continuation' })
    ).rejects.toThrow(ValidationError);
  });

  it('counts unread ones, marks one read (idempotent), and never touches someone else’s', async () => {
    const { store, clock } = await withNotifications(3);
    expect(await countUnreadNotifications(store, people.manager)).toBe(3);
    const read = await markNotificationRead({ store, clock }, people.manager, 'n-2');
    expect(read).toMatchObject({ id: 'n-2', read: true });
    await expect(markNotificationRead({ store, clock }, people.manager, 'n-2')).resolves.toMatchObject({ read: true });
    expect(await countUnreadNotifications(store, people.manager)).toBe(2);
    const unread = await listNotifications(store, people.manager, { unreadOnly: true });
    expect(unread.items.map((n) => n.id)).toEqual(['n-3', 'n-1']);
    await expect(markNotificationRead({ store, clock }, people.staff, 'n-1')).rejects.toThrow(NotFoundError);
    expect(await countUnreadNotifications(store, people.staff)).toBe(0);
  });
});
