// R7, R23: registration staff enrol a factory for its first cycle (and invite its manager), register its
// next cycles, list the factories of their country; anyone related to a factory reads it (R21: brands get
// less).
import { randomInt } from 'node:crypto';
import { decideFactoryAccess, mayActInCountry, type FactoryAccessFacts } from '../../domain/access/policy';
import type { Principal, Role } from '../../domain/access/roles';
import { assertSlcpLaunched } from '../../domain/countryProgrammes';
import { ConflictError, ForbiddenError } from '../../domain/errors';
import { registerFirstCycle, registerNextCycle, type CyclePeriod } from '../../domain/factory/cycles';
import { newFactoryDocument, type CycleEntry, type FactoryDocument } from '../../domain/factory/factory';
import type { Page, StoredDocument } from '../../ports/documentStore';
import { loadFactoryFor, saveFactoryChange } from '../factories/factoryStore';
import { actorOf } from '../users/userDirectory';
import { loadCountryProgramme, requireSlcpLaunched } from './countryProgrammes';
import { assertCurrentVersion, pageOf, requestedVersion, type EnrolmentDeps, type PageRequest } from './deps';
import { issueInvitation } from './invitations';

const idAlphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `BD-7KQ2M9XA`: the country, then 8 random characters (36^8 ≈ 2.8e12 per country). */
export function newFactoryId(countryCode: string): string {
  let suffix = '';
  for (let i = 0; i < 8; i += 1) suffix += idAlphabet[randomInt(idAlphabet.length)];
  return `${countryCode}-${suffix}`;
}

export interface NewFactoryInput {
  name: string;
  address: string;
  osHubId?: string | undefined;
  managerEmail: string;
  cycle: CyclePeriod;
}

export interface SavedFactory {
  factory: FactoryDocument;
  etag: string;
}

/** Roles that act on a whole country programme's list of factories. */
const countryListRoles: readonly Role[] = ['RegistrationStaff', 'Assessor'];

/**
 * R7: staff of the country (or an administrator) register a new factory for its first cycle; its manager
 * gets an email with a single-use link. The factory, its audit event, the invitation and the email are
 * written together.
 */
export async function registerFactory(
  deps: EnrolmentDeps,
  principal: Principal,
  countryCode: string,
  input: NewFactoryInput
): Promise<SavedFactory> {
  const actor = await actorOf(deps.store, principal);
  if (!mayActInCountry(principal, actor.scope, countryCode, ['RegistrationStaff'])) {
    throw new ForbiddenError(`You may register factories only in your own country programme, not in ${countryCode}.`);
  }
  const { programme } = await loadCountryProgramme(deps.store, countryCode);
  assertSlcpLaunched(programme, deps.clock.now());
  for (let attempt = 1; ; attempt += 1) {
    const now = deps.clock.now();
    const created = newFactoryDocument({
      factoryId: newFactoryId(countryCode),
      name: input.name,
      address: input.address,
      osHubId: input.osHubId,
      now: now.toISOString(),
    });
    const withCycle = registerFirstCycle(created, input.cycle, now);
    const issued = issueInvitation(deps, withCycle, input.managerEmail, principal.userId);
    const factory: FactoryDocument = { ...withCycle, invitation: issued.summary };
    try {
      const etag = await saveFactoryChange(deps.store, deps.clock, {
        actor: principal,
        action: 'factoryRegistered',
        before: undefined,
        after: factory,
        deliver: [issued.email],
        alsoWrite: [{ kind: 'create', doc: issued.doc }],
      });
      return { factory, etag };
    } catch (error) {
      // The random id is taken (about one chance in 10^12): draw another.
      if (error instanceof ConflictError && attempt < 5) continue;
      throw error;
    }
  }
}

/**
 * R23: staff register the next cycle of an existing factory; the running cycle is kept, and sharing applies
 * to the new cycle when the factory asked for it (R2). With an address, the manager is (re-)invited too.
 */
export async function registerCycle(
  deps: EnrolmentDeps,
  principal: Principal,
  factoryId: string,
  input: CyclePeriod & { managerEmail?: string | undefined },
  ifMatch: string | undefined
): Promise<SavedFactory> {
  const actor = await actorOf(deps.store, principal);
  const loaded = await loadFactoryFor(deps.store, actor, factoryId, 'registerCycle');
  assertCurrentVersion(ifMatch, loaded.etag, `Factory ${factoryId}`);
  await requireSlcpLaunched(deps, loaded.doc.countryCode);
  const next = registerNextCycle(loaded.doc, { startsOn: input.startsOn, endsOn: input.endsOn }, deps.clock.now());
  const issued = input.managerEmail ? issueInvitation(deps, next, input.managerEmail, principal.userId) : undefined;
  const factory: FactoryDocument = issued ? { ...next, invitation: issued.summary } : next;
  const etag = await saveFactoryChange(deps.store, deps.clock, {
    actor: principal,
    action: 'cycleRegistered',
    before: loaded,
    after: factory,
    ifMatch: requestedVersion(ifMatch) ?? loaded.etag,
    deliver: issued ? [issued.email] : [],
    alsoWrite: issued ? [{ kind: 'upsert', doc: issued.doc }] : [],
  });
  return { factory, etag };
}

export interface ReadFactory extends SavedFactory {
  /** False for callers who may not know about SLCP participation (brands, R21): give them the reduced view. */
  mayReadSlcp: boolean;
}

/** A factory as its caller may see it (404 when they have no relation to it). */
export async function readFactory(deps: EnrolmentDeps, principal: Principal, factoryId: string): Promise<ReadFactory> {
  const actor = await actorOf(deps.store, principal);
  const loaded = await loadFactoryFor(deps.store, actor, factoryId, 'read');
  const mayReadSlcp = decideFactoryAccess(principal, actor.scope, loaded.doc, 'readSlcp') === 'allow';
  return { factory: loaded.doc, etag: loaded.etag, mayReadSlcp };
}

/** The fields a listing reads (a projection, so a page stays small). */
export interface FactoryListRow extends FactoryAccessFacts, StoredDocument {
  name: string;
  status: FactoryDocument['status'];
  cycles: CycleEntry[];
  currentCycleId: string | undefined;
}

export interface FactoryListPage {
  rows: FactoryListRow[];
  /** Per row: may the caller see SLCP fields (the cycle's `sharingEffective`)? */
  mayReadSlcp: boolean[];
  continuation: string | undefined;
}

/**
 * The factories of one country programme, by name, a page at a time: one query in one partition (the
 * country), continued with the store's continuation token. Staff of that country and administrators only.
 */
export async function listFactories(
  deps: EnrolmentDeps,
  principal: Principal,
  countryCode: string,
  page: PageRequest
): Promise<FactoryListPage> {
  const actor = await actorOf(deps.store, principal);
  if (!mayActInCountry(principal, actor.scope, countryCode, countryListRoles)) {
    throw new ForbiddenError(`You may list the factories of your own country programme only, not of ${countryCode}.`);
  }
  await loadCountryProgramme(deps.store, countryCode);
  const result: Page<FactoryListRow> = await pageOf(`factories:${countryCode}`, page, (continuation) =>
    deps.store.query<FactoryListRow>(
      'factories',
      countryCode,
      {
        query:
          'SELECT c.id, c.type, c.factoryId, c.countryCode, c.name, c.status, c.cycles, c.currentCycleId, ' +
          'c.managerUserIds, c.advisorUserIds, c.subscribedBrandIds ' +
          'FROM c WHERE c.countryCode = @pk AND c.type = @type ORDER BY c.name',
        parameters: [{ name: '@type', value: 'factory' }],
      },
      { maxItems: page.pageSize, ...(continuation ? { continuation } : {}) }
    )
  );
  return {
    rows: result.items,
    mayReadSlcp: result.items.map((row) => decideFactoryAccess(principal, actor.scope, row, 'readSlcp') === 'allow'),
    continuation: result.continuation,
  };
}
