// SLCP participation: R1 (off by default), R2 (request from the next cycle, idempotent), R6 (opt-out by
// staff with a reason, then a new request), R21/R23, and the country launch.
import { getSlcpStatus, recordSlcpOptOut, requestSlcpSharing } from '../../shared/app/sharing/slcpSharing';
import { ForbiddenError, NotFoundError, RuleViolationError } from '../../shared/domain/errors';
import { newFactoryDocument } from '../../shared/domain/factory/factory';
import { registerNextCycle } from '../../shared/domain/factory/cycles';
import { optOut, requestSharing, sharingRequested, sharingView } from '../../shared/domain/sharing/sharing';
import {
  factoryOne,
  partitionDocs,
  people,
  readFactory,
  registeredFactory,
  seedFactory,
  sharingWorld,
} from '../support/sharingFixtures';

const now = new Date('2030-03-01T08:00:00Z');

describe('R1: sharing via SLCP is voluntary and off by default', () => {
  it('R1: a new factory does not share and has no pending request', () => {
    const factory = newFactoryDocument({
      factoryId: factoryOne,
      name: 'F',
      address: 'A',
      osHubId: undefined,
      now: now.toISOString(),
    });
    expect(sharingRequested(factory)).toBe(false);
    expect(sharingView(factory)).toMatchObject({
      request: { requested: false, appliesFrom: null },
      optOut: null,
      effectiveCycles: [],
      gateway: { status: 'notConnected', gatewayFacilityId: null },
    });
  });

  it('R1: a first cycle registered for a factory that never asked does not share', () => {
    const factory = registeredFactory(factoryOne, now, {
      cycles: [
        {
          cycleId: `${factoryOne}-C1`,
          sequence: 1,
          startsOn: '2030-01-01',
          endsOn: '2030-12-31',
          registeredAt: now.toISOString(),
          sharingEffective: false,
        },
      ],
      currentCycleId: `${factoryOne}-C1`,
    });
    expect(sharingView(factory).effectiveCycles).toEqual([]);
  });
});

describe('R2: the factory manager requests sharing from the next cycle', () => {
  it('R2: the request is recorded with who and when, and applies from the next cycle', () => {
    const factory = registeredFactory(factoryOne, now);
    const decision = requestSharing(factory, { userId: 'u-manager', now });
    expect(decision.changed).toBe(true);
    expect(decision.factory.sharing).toEqual({
      pendingForNextCycle: true,
      requestedAt: now.toISOString(),
      requestedBy: 'u-manager',
      optedOutAt: undefined,
      optOutReason: undefined,
    });
    expect(sharingView(decision.factory).request.appliesFrom).toBe('nextCycle');
  });

  it('R2: a repeated request changes nothing', () => {
    const first = requestSharing(registeredFactory(factoryOne, now), { userId: 'u-manager', now }).factory;
    const again = requestSharing(first, { userId: 'u-manager', now: new Date('2030-04-01T00:00:00Z') });
    expect(again.changed).toBe(false);
    expect(again.factory).toBe(first);
  });

  it('R2, R23: the running cycle keeps its setting; the next registered cycle shares', () => {
    const running = {
      cycleId: `${factoryOne}-C1`,
      sequence: 1,
      startsOn: '2030-01-01',
      endsOn: '2030-12-31',
      registeredAt: now.toISOString(),
      sharingEffective: false,
    };
    const factory = registeredFactory(factoryOne, now, { cycles: [running], currentCycleId: running.cycleId });
    const requested = requestSharing(factory, { userId: 'u-manager', now }).factory;
    expect(requested.cycles).toEqual([running]);
    const next = registerNextCycle(requested, { startsOn: '2031-01-01', endsOn: '2031-12-31' }, now);
    expect(sharingView(next).effectiveCycles.map((c) => c.cycleId)).toEqual([`${factoryOne}-C2`]);
  });

  it('R2: a factory not yet registered on the platform cannot request', () => {
    const invited = registeredFactory(factoryOne, now, { status: 'invited' });
    expect(() => requestSharing(invited, { userId: 'u-manager', now })).toThrow(RuleViolationError);
  });

  it('R2: through the use case, a repeat answers the same state and writes nothing new', async () => {
    const { store, clock } = await sharingWorld(now);
    const first = await requestSlcpSharing({ store, clock }, people.manager, factoryOne);
    const size = store.size();
    const second = await requestSlcpSharing({ store, clock }, people.manager, factoryOne);
    expect(first.changed).toBe(true);
    expect(second.changed).toBe(false);
    expect(second.view).toEqual(first.view);
    expect(second.etag).toBe(first.etag);
    expect(store.size()).toBe(size);
    const audits = await partitionDocs(store, 'BD', 'audit');
    expect(audits.map((a) => a.action)).toEqual(['slcp.requested']);
  });

  it('R2: only the manager of the factory requests (others: 403 if related, 404 if not)', async () => {
    const { store, clock } = await sharingWorld(now);
    await expect(requestSlcpSharing({ store, clock }, people.otherManager, factoryOne)).rejects.toThrow(NotFoundError);
    await expect(requestSlcpSharing({ store, clock }, people.staff, factoryOne)).rejects.toThrow(ForbiddenError);
  });

  it('Country programmes: no request where SLCP is not launched', async () => {
    const { store, clock } = await sharingWorld(now);
    await seedFactory(store, registeredFactory('KH-FACT0001', now, { managerUserIds: [people.manager.userId] }));
    const refused = requestSlcpSharing({ store, clock }, people.manager, 'KH-FACT0001');
    await expect(refused).rejects.toThrow(RuleViolationError);
    await expect(refused).rejects.toMatchObject({ rule: 'Country programmes' });
    expect((await readFactory(store, 'KH-FACT0001')).sharing.pendingForNextCycle).toBe(false);
  });
});

describe('R6: only registration staff record an opt-out, with a reason', () => {
  it('R6: the opt-out clears the pending request and records the reason', () => {
    const requested = requestSharing(registeredFactory(factoryOne, now), { userId: 'u-manager', now }).factory;
    const out = optOut(requested, { reason: '  Buyer no longer asks for SLCP  ', now });
    expect(out.changed).toBe(true);
    expect(out.factory.sharing).toEqual({
      pendingForNextCycle: false,
      requestedAt: undefined,
      requestedBy: undefined,
      optedOutAt: now.toISOString(),
      optOutReason: 'Buyer no longer asks for SLCP',
    });
  });

  it('R6: the running cycle and cycles registered after it stop sharing; ended cycles keep their history', () => {
    const cycle = (sequence: number, startsOn: string, endsOn: string) => ({
      cycleId: `${factoryOne}-C${sequence}`,
      sequence,
      startsOn,
      endsOn,
      registeredAt: now.toISOString(),
      sharingEffective: true,
    });
    const factory = registeredFactory(factoryOne, now, {
      cycles: [
        cycle(1, '2029-01-01', '2029-12-31'),
        cycle(2, '2030-01-01', '2030-12-31'),
        cycle(3, '2031-01-01', '2031-12-31'),
      ],
      currentCycleId: `${factoryOne}-C2`,
    });
    const out = optOut(factory, { reason: 'Stopped', now });
    expect(out.factory.cycles.map((c) => c.sharingEffective)).toEqual([true, false, false]);
  });

  it('R6: a reason is required (3 to 500 characters)', () => {
    const factory = registeredFactory(factoryOne, now);
    expect(() => optOut(factory, { reason: ' x ', now })).toThrow(RuleViolationError);
    expect(() => optOut(factory, { reason: 'x'.repeat(501), now })).toThrow(RuleViolationError);
  });

  it('R6: the same opt-out recorded twice changes nothing', () => {
    const once = optOut(registeredFactory(factoryOne, now), { reason: 'Stopped', now }).factory;
    expect(optOut(once, { reason: 'Stopped', now }).changed).toBe(false);
    expect(optOut(once, { reason: 'Another reason', now }).changed).toBe(true);
  });

  it('R6: a later request is allowed again and clears the opt-out', () => {
    const out = optOut(registeredFactory(factoryOne, now), { reason: 'Stopped', now }).factory;
    const again = requestSharing(out, { userId: 'u-manager', now });
    expect(again.changed).toBe(true);
    expect(again.factory.sharing.pendingForNextCycle).toBe(true);
    expect(again.factory.sharing.optedOutAt).toBeUndefined();
  });

  it('R6: staff of the country record it; the factory manager, an advisor or staff elsewhere cannot', async () => {
    const { store, clock } = await sharingWorld(now);
    await requestSlcpSharing({ store, clock }, people.manager, factoryOne);
    await expect(recordSlcpOptOut({ store, clock }, people.manager, factoryOne, 'Stopped')).rejects.toThrow(
      ForbiddenError
    );
    await expect(recordSlcpOptOut({ store, clock }, people.advisor, factoryOne, 'Stopped')).rejects.toThrow(
      ForbiddenError
    );
    await expect(recordSlcpOptOut({ store, clock }, people.staffVn, factoryOne, 'Stopped')).rejects.toThrow(
      NotFoundError
    );
    const result = await recordSlcpOptOut({ store, clock }, people.staff, factoryOne, 'The factory called us');
    expect(result.view.optOut).toEqual({ at: now.toISOString(), reason: 'The factory called us' });
    expect(result.view.request.requested).toBe(false);
    const audits = await partitionDocs(store, 'BD', 'audit');
    expect(audits.map((a) => a.action).sort()).toEqual(['slcp.optedOut', 'slcp.requested']);
    const again = await requestSlcpSharing({ store, clock }, people.manager, factoryOne);
    expect(again.view.request.requested).toBe(true);
    expect(again.view.optOut).toBeNull();
  });
});

describe('R21: who sees SLCP participation', () => {
  it('R21: staff, advisors, assessors and the manager read it; brands never (403 when subscribed, 404 otherwise)', async () => {
    const { store, clock } = await sharingWorld(now);
    for (const who of [people.manager, people.staff, people.advisor, people.assessor, people.admin]) {
      await expect(getSlcpStatus({ store, clock }, who, factoryOne)).resolves.toMatchObject({
        view: { factoryId: factoryOne },
      });
    }
    await expect(getSlcpStatus({ store, clock }, people.brand, factoryOne)).rejects.toThrow(ForbiddenError);
    await expect(getSlcpStatus({ store, clock }, people.otherBrand, factoryOne)).rejects.toThrow(NotFoundError);
  });
});
