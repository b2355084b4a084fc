// The Gateway connection: R8/R9 (connect preconditions), the signed callbacks (replay, out of order,
// wrong hand-off), R4 (one Gateway ID per factory, manual link by staff).
import { randomUUID } from 'node:crypto';
import { signGatewayCallback } from '../../shared/adapters/gateway/gatewayClient';
import {
  GatewayCallbackRejectedError,
  handleGatewayCallback,
  linkGatewayFacility,
  startGatewayConnection,
  type GatewayDeps,
} from '../../shared/app/sharing/gatewayConnection';
import { ConflictError, ForbiddenError, NotFoundError, RuleViolationError } from '../../shared/domain/errors';
import type { OutboxDocument } from '../../shared/domain/factory/factory';
import {
  applyGatewayEvent,
  assertMayConnect,
  linkGatewayManually,
  startRegistration,
  type GatewayEvent,
} from '../../shared/domain/sharing/gatewayConnection';
import {
  factoryOne,
  factoryTwo,
  partitionDocs,
  people,
  readFactory,
  registeredFactory,
  seedFactory,
  sharingWorld,
  type TestClock,
} from '../support/sharingFixtures';
import type { DocumentStore } from '../../shared/ports/documentStore';

const now = new Date('2030-03-01T08:00:00Z');
const secret = 'test-gateway-shared-secret-0123456789abcdef';
const settings: GatewayDeps['settings'] = {
  gateway: { baseUrl: 'http://127.0.0.1:7072', sharedSecret: secret },
  publicApiBaseUrl: 'http://127.0.0.1:7071/api',
  portalBaseUrl: 'http://127.0.0.1:7071',
};

const complete = { profileComplete: true, profileMissing: [] };

function event(
  type: GatewayEvent['type'],
  jti: string,
  extra: Record<string, unknown> = {},
  factoryId = factoryOne
): Record<string, unknown> {
  return {
    eventId: randomUUID(),
    type,
    occurredAt: now.toISOString(),
    state: { factoryId, jti },
    registrationId: 'REG-7KQ2M9XD4P',
    email: 'manager@factory-one.example.com',
    ...(type === 'facility.approved' ? { gatewayFacilityId: 'GW-7KQ2M9XD' } : {}),
    ...(type === 'facility.rejected' ? { reason: 'The address does not match the business licence' } : {}),
    ...extra,
  };
}

function signed(body: Record<string, unknown>, clock: TestClock, key = secret) {
  const rawBody = JSON.stringify(body);
  const headers = signGatewayCallback({
    eventId: String(body.eventId),
    rawBody,
    secret: key,
    timestamp: Math.floor(clock.now().getTime() / 1000),
  });
  return { headers, rawBody };
}

describe('R8, R9: who may connect with SLCP', () => {
  it('R5, R8: a factory not registered on the BW platform (even one registered elsewhere) cannot connect; it enrols first', () => {
    const invited = registeredFactory(factoryOne, now, { status: 'invited' });
    expect(() => assertMayConnect(invited, complete)).toThrow(expect.objectContaining({ rule: 'R8' }));
  });

  it('R9: the profile must be 100 % complete, and the refusal names what is missing', () => {
    const factory = registeredFactory(factoryOne, now);
    expect(() => assertMayConnect(factory, { profileComplete: false, profileMissing: ['city'] })).toThrow(
      expect.objectContaining({ rule: 'R9', message: expect.stringMatching(/city/) })
    );
  });

  it('R9: not while connected, nor while a registration waits for approval; again after a rejection', () => {
    const connected = registeredFactory(factoryOne, now, {
      gateway: { ...registeredFactory(factoryOne, now).gateway, status: 'connected', gatewayFacilityId: 'GW-AAAAAAAA' },
    });
    expect(() => assertMayConnect(connected, complete)).toThrow(RuleViolationError);
    const waiting = { ...connected, gateway: { ...connected.gateway, status: 'registered' as const } };
    expect(() => assertMayConnect(waiting, complete)).toThrow(RuleViolationError);
    const rejected = { ...connected, gateway: { ...connected.gateway, status: 'rejected' as const } };
    expect(() => assertMayConnect(rejected, complete)).not.toThrow();
  });

  it('R9: the use case refuses an incomplete profile with 422 R9 and writes nothing', async () => {
    const { store, clock } = await sharingWorld(now);
    await seedFactory(
      store,
      registeredFactory('BD-FACT0003', now, { managerUserIds: [people.manager.userId], profile: {} })
    );
    const size = store.size();
    await expect(
      startGatewayConnection({ store, clock, settings }, people.manager, 'BD-FACT0003')
    ).rejects.toMatchObject({ rule: 'R9' });
    expect(store.size()).toBe(size);
  });

  it('R10, R9: an expired T&C signature (over a year old) blocks the connection', async () => {
    const { store, clock } = await sharingWorld(now);
    clock.set(new Date('2031-03-02T00:00:00Z'));
    await expect(startGatewayConnection({ store, clock, settings }, people.manager, factoryOne)).rejects.toMatchObject({
      rule: 'R9',
      message: expect.stringMatching(/termsAndConditions/),
    });
  });

  it('R9: the manager gets a single-use link to the Gateway form and the hand-off is recorded', async () => {
    const { store, clock } = await sharingWorld(now);
    const result = await startGatewayConnection({ store, clock, settings }, people.manager, factoryOne);
    const url = new URL(result.registrationUrl);
    expect(`${url.origin}${url.pathname}`).toBe('http://127.0.0.1:7072/facility-registration');
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(Date.parse(result.expiresAt)).toBe(now.getTime() + 24 * 3600 * 1000);
    const factory = await readFactory(store, factoryOne);
    expect(factory.gateway.status).toBe('registrationStarted');
    expect(factory.gateway.stateJti).toMatch(/^[0-9a-f-]{36}$/);
    const audits = await partitionDocs(store, 'BD', 'audit');
    expect(audits.map((a) => a.action)).toEqual(['gateway.registrationStarted']);
  });

  it('R9: only the manager of this factory connects', async () => {
    const { store, clock } = await sharingWorld(now);
    await expect(startGatewayConnection({ store, clock, settings }, people.otherManager, factoryOne)).rejects.toThrow(
      NotFoundError
    );
    await expect(startGatewayConnection({ store, clock, settings }, people.staff, factoryOne)).rejects.toThrow(
      ForbiddenError
    );
  });
});

describe('R9: what the Gateway events do', () => {
  const started = startRegistration(registeredFactory(factoryOne, now), { jti: 'jti-0000000000000001', now });
  const ev = (type: GatewayEvent['type'], jti = 'jti-0000000000000001') => event(type, jti) as unknown as GatewayEvent;

  it('R9: registered, then approved: connected with the Gateway ID, linked by the Gateway', () => {
    const registered = applyGatewayEvent(started, ev('facility.registered'), now);
    expect(registered.kind).toBe('applied');
    if (registered.kind !== 'applied') return;
    expect(registered.factory.gateway.status).toBe('registered');
    const approved = applyGatewayEvent(registered.factory, ev('facility.approved'), now);
    expect(approved).toMatchObject({
      kind: 'applied',
      tell: 'approved',
      factory: { gateway: { status: 'connected', gatewayFacilityId: 'GW-7KQ2M9XD', linkedBy: 'gateway' } },
    });
  });

  it('R9: nothing goes backwards: a late "registered" after the approval is ignored', () => {
    const approved = applyGatewayEvent(started, ev('facility.approved'), now);
    if (approved.kind !== 'applied') throw new Error('expected applied');
    expect(applyGatewayEvent(approved.factory, ev('facility.registered'), now).kind).toBe('ignored');
    expect(applyGatewayEvent(approved.factory, ev('facility.rejected'), now).kind).toBe('ignored');
  });

  it('R9: a rejection records the reason', () => {
    expect(applyGatewayEvent(started, ev('facility.rejected'), now)).toMatchObject({
      kind: 'applied',
      tell: 'rejected',
      factory: { gateway: { status: 'rejected', rejectedReason: 'The address does not match the business licence' } },
    });
  });

  it("R9: an event for another hand-off than the factory's current one is a conflict", () => {
    expect(() => applyGatewayEvent(started, ev('facility.approved', 'jti-0000000000000002'), now)).toThrow(
      ConflictError
    );
    expect(() => applyGatewayEvent(registeredFactory(factoryOne, now), ev('facility.approved'), now)).toThrow(
      ConflictError
    );
  });
});

describe('Gateway callbacks through the use case', () => {
  async function connectedWorld() {
    const world = await sharingWorld(now);
    const deps = { ...world, settings };
    await startGatewayConnection(deps, people.manager, factoryOne);
    const jti = (await readFactory(world.store, factoryOne)).gateway.stateJti!;
    return { ...world, deps, jti };
  }

  async function outbox(store: DocumentStore) {
    return (await partitionDocs(store, 'BD', 'outbox')) as unknown as OutboxDocument[];
  }

  it('R9: registered then approved: connected; the managers get an email with the link back and a notification', async () => {
    const { store, clock, deps, jti } = await connectedWorld();
    const registered = signed(event('facility.registered', jti), clock);
    await expect(handleGatewayCallback(deps, registered)).resolves.toMatchObject({ outcome: 'applied' });
    expect((await readFactory(store, factoryOne)).gateway.status).toBe('registered');
    const approved = signed(event('facility.approved', jti), clock);
    await expect(handleGatewayCallback(deps, approved)).resolves.toMatchObject({ duplicate: false });
    const factory = await readFactory(store, factoryOne);
    expect(factory.gateway).toMatchObject({
      status: 'connected',
      gatewayFacilityId: 'GW-7KQ2M9XD',
      linkedBy: 'gateway',
    });
    const sent = await outbox(store);
    expect(sent.map((o) => [o.kind, o.to]).sort()).toEqual([
      ['email', 'manager@factory-one.example.com'],
      ['notification', 'u-manager'],
    ]);
    const email = sent.find((o) => o.kind === 'email')!;
    expect(email.text).toContain(`http://127.0.0.1:7071/factories/${factoryOne}/slcp`);
    expect(await store.read('gatewayLinks', 'GW-7KQ2M9XD', 'GW-7KQ2M9XD')).toMatchObject({
      doc: { factoryId: factoryOne, linkedBy: 'gateway' },
    });
    const audits = await partitionDocs(store, 'BD', 'audit');
    expect(audits.map((a) => a.action).sort()).toEqual([
      'gateway.facility.approved',
      'gateway.facility.registered',
      'gateway.registrationStarted',
    ]);
  });

  it('a second delivery of the same event answers duplicate and changes nothing', async () => {
    const { store, clock, deps, jti } = await connectedWorld();
    const approved = signed(event('facility.approved', jti), clock);
    await handleGatewayCallback(deps, approved);
    const size = store.size();
    const before = await readFactory(store, factoryOne);
    await expect(handleGatewayCallback(deps, approved)).resolves.toEqual({
      eventId: expect.any(String),
      duplicate: true,
      outcome: 'duplicate',
    });
    expect(store.size()).toBe(size);
    expect(await readFactory(store, factoryOne)).toEqual(before);
  });

  it('two deliveries of the same event at once: one applies it, the other is a duplicate', async () => {
    const { store, clock, deps, jti } = await connectedWorld();
    const approved = signed(event('facility.approved', jti), clock);
    const results = await Promise.all([handleGatewayCallback(deps, approved), handleGatewayCallback(deps, approved)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['applied', 'duplicate']);
    expect((await partitionDocs(store, 'BD', 'gatewayEvent')).length).toBe(1);
    expect((await outbox(store)).length).toBe(2);
  });

  it('a badly signed, stale or unsigned callback is 401 and writes nothing', async () => {
    const { store, clock, deps, jti } = await connectedWorld();
    const size = store.size();
    const badKey = signed(event('facility.approved', jti), clock, 'another-secret-of-at-least-32-characters!!');
    await expect(handleGatewayCallback(deps, badKey)).rejects.toMatchObject({ status: 401 });
    const stale = signed(event('facility.approved', jti), clock);
    clock.advance(10 * 60_000);
    await expect(handleGatewayCallback(deps, stale)).rejects.toThrow(GatewayCallbackRejectedError);
    await expect(handleGatewayCallback(deps, { headers: {}, rawBody: '{}' })).rejects.toMatchObject({ status: 401 });
    expect(store.size()).toBe(size);
  });

  it('a signed callback that is not a Gateway event is 400', async () => {
    const { clock, deps } = await connectedWorld();
    const body = { eventId: randomUUID(), type: 'facility.exploded' };
    await expect(handleGatewayCallback(deps, signed(body, clock))).rejects.toMatchObject({ status: 400 });
  });

  it('an event with a hand-off that is not current is 409 and writes nothing', async () => {
    const { store, clock, deps } = await connectedWorld();
    const size = store.size();
    const wrong = signed(event('facility.approved', 'jti-not-the-current-one'), clock);
    await expect(handleGatewayCallback(deps, wrong)).rejects.toThrow(ConflictError);
    expect(store.size()).toBe(size);
  });

  it('an event for an unknown factory is 404', async () => {
    const { clock, deps, jti } = await connectedWorld();
    const unknown = signed(event('facility.approved', jti, {}, 'BD-NOTTHERE'), clock);
    await expect(handleGatewayCallback(deps, unknown)).rejects.toThrow(NotFoundError);
  });

  it('a rejection tells the managers in the portal', async () => {
    const { store, clock, deps, jti } = await connectedWorld();
    await handleGatewayCallback(deps, signed(event('facility.rejected', jti), clock));
    expect((await readFactory(store, factoryOne)).gateway).toMatchObject({
      status: 'rejected',
      rejectedReason: 'The address does not match the business licence',
    });
    expect((await outbox(store)).map((o) => [o.kind, o.to])).toEqual([['notification', 'u-manager']]);
  });

  it('R4: an approval with a Gateway ID another factory holds is 409 and changes nothing', async () => {
    const { store, clock, deps, jti } = await connectedWorld();
    await linkGatewayFacility(deps, people.staff, factoryTwo, 'GW-7KQ2M9XD');
    const size = store.size();
    await expect(handleGatewayCallback(deps, signed(event('facility.approved', jti), clock))).rejects.toThrow(
      ConflictError
    );
    expect(store.size()).toBe(size);
    expect((await readFactory(store, factoryOne)).gateway.status).toBe('registrationStarted');
  });
});

describe('R4: one Gateway ID belongs to one factory at most', () => {
  it('R4: staff link an existing Gateway ID; linking it again changes nothing', async () => {
    const { store, clock } = await sharingWorld(now);
    const deps = { store, clock, settings };
    const first = await linkGatewayFacility(deps, people.staff, factoryOne, 'GW-AB12CD34');
    expect(first.view.gateway).toMatchObject({
      status: 'connected',
      gatewayFacilityId: 'GW-AB12CD34',
      linkedBy: 'staff',
    });
    const size = store.size();
    const again = await linkGatewayFacility(deps, people.staff, factoryOne, 'GW-AB12CD34');
    expect(again.changed).toBe(false);
    expect(store.size()).toBe(size);
  });

  it('R4: a second factory cannot take the same Gateway ID (409), and nothing of it is written', async () => {
    const { store, clock } = await sharingWorld(now);
    const deps = { store, clock, settings };
    await linkGatewayFacility(deps, people.staff, factoryOne, 'GW-AB12CD34');
    const size = store.size();
    await expect(linkGatewayFacility(deps, people.staff, factoryTwo, 'GW-AB12CD34')).rejects.toThrow(ConflictError);
    expect(store.size()).toBe(size);
    expect((await readFactory(store, factoryTwo)).gateway.status).toBe('notConnected');
  });

  it('R4: a factory connected to one Gateway ID is not relinked to another', () => {
    const linked = linkGatewayManually(registeredFactory(factoryOne, now), { gatewayFacilityId: 'GW-AB12CD34', now });
    expect(() => linkGatewayManually(linked.factory, { gatewayFacilityId: 'GW-ZZ99ZZ99', now })).toThrow(ConflictError);
  });

  it('R4: a claim is released when the factory change does not land (stale If-Match)', async () => {
    const { store, clock } = await sharingWorld(now);
    const deps = { store, clock, settings };
    await expect(linkGatewayFacility(deps, people.staff, factoryOne, 'GW-AB12CD34', '"stale"')).rejects.toMatchObject({
      status: 412,
    });
    expect(await store.read('gatewayLinks', 'GW-AB12CD34', 'GW-AB12CD34')).toBeUndefined();
    await expect(linkGatewayFacility(deps, people.staff, factoryTwo, 'GW-AB12CD34')).resolves.toMatchObject({
      changed: true,
    });
  });

  it('R4: only registration staff of the country (or admins) link', async () => {
    const { store, clock } = await sharingWorld(now);
    const deps = { store, clock, settings };
    await expect(linkGatewayFacility(deps, people.manager, factoryOne, 'GW-AB12CD34')).rejects.toThrow(ForbiddenError);
    await expect(linkGatewayFacility(deps, people.staffVn, factoryOne, 'GW-AB12CD34')).rejects.toThrow(NotFoundError);
    await expect(linkGatewayFacility(deps, people.admin, factoryOne, 'GW-AB12CD34')).resolves.toMatchObject({
      changed: true,
    });
  });

  it('R4: after a manual link, callbacks of an older hand-off are conflicts', async () => {
    const { store, clock } = await sharingWorld(now);
    const deps = { store, clock, settings };
    await startGatewayConnection(deps, people.manager, factoryOne);
    const jti = (await readFactory(store, factoryOne)).gateway.stateJti!;
    await linkGatewayFacility(deps, people.staff, factoryOne, 'GW-AB12CD34');
    await expect(handleGatewayCallback(deps, signed(event('facility.approved', jti), clock))).rejects.toThrow(
      ConflictError
    );
  });
});
