// R24 (dashboard quick facts, notifications, documents, profile banner) and R21 (brands never see SLCP).
import { getDashboard } from '../../shared/app/sharing/dashboard';
import { changeSubscription } from '../../shared/app/sharing/subscriptions';
import { requestSlcpSharing } from '../../shared/app/sharing/slcpSharing';
import { ForbiddenError, NotFoundError } from '../../shared/domain/errors';
import { buildDashboard } from '../../shared/domain/dashboard/dashboard';
import type { NotificationDocument } from '../../shared/domain/notifications/notification';
import { brandDashboardSchema, factoryDashboardSchema } from '../../shared/schemas/sharing';
import { factoryOne, people, readFactory, registeredFactory, sharingWorld } from '../support/sharingFixtures';

const now = new Date('2030-03-01T08:00:00Z');

function notification(userId: string, n: number): NotificationDocument {
  return {
    id: `n-${userId}-${n}`,
    type: 'notification',
    userId,
    at: new Date(now.getTime() + n * 60_000).toISOString(),
    title: `Notice ${n}`,
    text: 'Something happened',
    link: undefined,
    read: false,
    readAt: undefined,
    factoryId: factoryOne,
  };
}

describe('R24: the factory dashboard', () => {
  it('R24: quick facts count the subscribing buyers; improvement activities are zero until the plan exists', () => {
    const factory = registeredFactory(factoryOne, now, { subscribedBrandIds: ['brand-1', 'brand-2'] });
    const dashboard = buildDashboard({
      factory,
      profile: { complete: true, percent: 100, missing: [] },
      notifications: [],
      maySeeSlcp: true,
    });
    expect(dashboard.quickFacts).toEqual({
      buyersSubscribingToLatestCycle: 2,
      improvementActivities: { completed: 0, pending: 0 },
    });
    expect(dashboard.latestDocuments).toEqual([]);
  });

  it("R24: the caller's latest five notifications about this factory, newest first, and the profile banner", async () => {
    const { store, clock } = await sharingWorld(now);
    for (let n = 1; n <= 7; n++) {
      const doc = notification(people.manager.userId, n);
      await store.write('users', doc.userId, [{ kind: 'create', doc }]);
    }
    const other = notification(people.staff.userId, 9);
    await store.write('users', other.userId, [{ kind: 'create', doc: other }]);
    const aboutAnotherFactory = { ...notification(people.manager.userId, 8), factoryId: 'BD-ZZZZ0000' };
    await store.write('users', aboutAnotherFactory.userId, [{ kind: 'create', doc: aboutAnotherFactory }]);
    const factory = await readFactory(store, factoryOne);
    await store.write('factories', 'BD', [
      { kind: 'replace', doc: { ...factory, profile: { ...factory.profile, city: undefined } }, ifMatch: undefined },
    ]);
    const dashboard = await getDashboard({ store, clock }, people.manager, factoryOne);
    expect(dashboard.notifications.map((n) => n.title)).toEqual([
      'Notice 7',
      'Notice 6',
      'Notice 5',
      'Notice 4',
      'Notice 3',
    ]);
    expect(dashboard.profile).toEqual({ complete: false, percent: 92, missing: ['city'] });
  });

  it('R24: subscriptions maintained by staff feed the quick facts; repeats change nothing', async () => {
    const { store, clock } = await sharingWorld(now);
    const deps = { store, clock };
    const added = await changeSubscription(deps, people.staff, {
      factoryId: factoryOne,
      brandId: 'brand-2',
      subscribe: true,
    });
    expect(added.subscribedBrandIds).toEqual(['brand-1', 'brand-2']);
    const size = store.size();
    expect(
      (await changeSubscription(deps, people.staff, { factoryId: factoryOne, brandId: 'brand-2', subscribe: true }))
        .changed
    ).toBe(false);
    expect(store.size()).toBe(size);
    expect((await getDashboard(deps, people.staff, factoryOne)).quickFacts.buyersSubscribingToLatestCycle).toBe(2);
    await changeSubscription(deps, people.staff, { factoryId: factoryOne, brandId: 'brand-1', subscribe: false });
    // brand-1 is no longer subscribed: the factory is hidden from its users now.
    await expect(getDashboard(deps, people.brand, factoryOne)).rejects.toThrow(NotFoundError);
    await expect(
      changeSubscription(deps, people.manager, { factoryId: factoryOne, brandId: 'brand-3', subscribe: true })
    ).rejects.toThrow(ForbiddenError);
  });
});

describe('R21: brands never see SLCP participation', () => {
  it('R21: a subscribed brand gets the dashboard without any SLCP field; staff and the manager get it', async () => {
    const { store, clock } = await sharingWorld(now);
    await requestSlcpSharing({ store, clock }, people.manager, factoryOne);
    const forBrand = await getDashboard({ store, clock }, people.brand, factoryOne);
    expect('slcp' in forBrand).toBe(false);
    expect(JSON.stringify(forBrand)).not.toMatch(/slcp|sharing|gateway/i);
    expect(brandDashboardSchema.safeParse(forBrand).success).toBe(true);
    for (const who of [people.manager, people.staff, people.advisor, people.assessor, people.admin]) {
      const dashboard = await getDashboard({ store, clock }, who, factoryOne);
      expect(factoryDashboardSchema.parse(dashboard).slcp.request.requested).toBe(true);
    }
  });

  it('R21: the brand response schema refuses a body that carries the SLCP status', () => {
    const full = buildDashboard({
      factory: registeredFactory(factoryOne, now),
      profile: { complete: true, percent: 100, missing: [] },
      notifications: [],
      maySeeSlcp: true,
    });
    expect(brandDashboardSchema.safeParse(full).success).toBe(false);
  });

  it('R21: a brand not subscribed to the factory does not find it', async () => {
    const { store, clock } = await sharingWorld(now);
    await expect(getDashboard({ store, clock }, people.otherBrand, factoryOne)).rejects.toThrow(NotFoundError);
  });
});
