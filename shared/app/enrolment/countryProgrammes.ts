// Country programmes: list them, check a launch, and (Admin) set or withdraw a launch date, audited in the
// programme's partition. A programme not stored yet is what Better Work set up (the domain's defaults).
import { ReadCache } from '../readCache';
import { randomUUID } from 'node:crypto';
import {
  assertSlcpLaunched,
  betterWorkCountryProgrammes,
  countryProgrammeDocId,
  countryProgrammeDocument,
  defaultCountryProgramme,
  programmeOf,
  withLaunchDate,
  type CountryProgramme,
  type CountryProgrammeAuditDocument,
  type CountryProgrammeDocument,
} from '../../domain/countryProgrammes';
import type { Principal } from '../../domain/access/roles';
import { ForbiddenError, NotFoundError, PreconditionFailedError } from '../../domain/errors';
import type { DocumentStore } from '../../ports/documentStore';
import { assertCurrentVersion, requestedVersion, type EnrolmentDeps } from './deps';

export interface LoadedProgramme {
  programme: CountryProgramme;
  /** Absent while the programme is not stored (it is then the default). */
  etag: string | undefined;
}

/** A Better Work country programme, or 404. */
/** A launch date changed by an administrator reaches other instances within this time. */
export const programmeCacheSeconds = 60;
const programmes = new ReadCache<LoadedProgramme>(programmeCacheSeconds * 1000);

export async function loadCountryProgramme(store: DocumentStore, countryCode: string): Promise<LoadedProgramme> {
  const fallback = defaultCountryProgramme(countryCode);
  if (!fallback) throw new NotFoundError(`There is no Better Work country programme ${countryCode}.`);
  return programmes.get(store, countryCode, async () => {
    const stored = await store.read<CountryProgrammeDocument>(
      'countryProgrammes',
      countryCode,
      countryProgrammeDocId(countryCode)
    );
    return stored
      ? { programme: programmeOf(stored.doc), etag: stored.etag }
      : { programme: fallback, etag: undefined };
  });
}

/** Every programme, in one query across the (few, small) programme partitions: a listing, not a hot path. */
export async function listCountryProgrammes(store: DocumentStore): Promise<CountryProgramme[]> {
  const stored = await store.queryAcrossPartitions<CountryProgrammeDocument>('countryProgrammes', {
    query: 'SELECT * FROM c WHERE c.type = @type',
    parameters: [{ name: '@type', value: 'countryProgramme' }],
  });
  return betterWorkCountryProgrammes.map((fallback) => {
    const found = stored.find((doc) => doc.countryCode === fallback.countryCode);
    return found ? programmeOf(found) : fallback;
  });
}

/** Refuses (422) when SLCP data sharing does not run in this country now. */
export async function requireSlcpLaunched(deps: EnrolmentDeps, countryCode: string): Promise<CountryProgramme> {
  const { programme } = await loadCountryProgramme(deps.store, countryCode);
  assertSlcpLaunched(programme, deps.clock.now());
  return programme;
}

/**
 * Admin sets (a day) or withdraws (null) the SLCP launch of a country. Written with its audit event in one
 * batch in the programme's partition; `If-Match` guards against lost updates. Setting the date it already
 * has writes nothing.
 */
export async function setSlcpLaunchDate(
  deps: EnrolmentDeps,
  principal: Principal,
  countryCode: string,
  launchDate: string | null,
  ifMatch: string | undefined
): Promise<LoadedProgramme> {
  if (!principal.roles.includes('Admin')) throw new ForbiddenError('Only Better Work administrators set launch dates.');
  programmes.forget(deps.store, countryCode); // a write starts from what is stored, not from the cache
  const current = await loadCountryProgramme(deps.store, countryCode);
  if (requestedVersion(ifMatch) !== undefined && current.etag === undefined) {
    throw new PreconditionFailedError(
      `The country programme ${countryCode} has no stored version yet; send the request without If-Match.`
    );
  }
  assertCurrentVersion(ifMatch, current.etag, `The country programme ${countryCode}`);
  const after = withLaunchDate(current.programme, launchDate);
  if (after.slcpLaunchDate === current.programme.slcpLaunchDate && current.etag !== undefined) return current;

  const now = deps.clock.now().toISOString();
  const doc = countryProgrammeDocument(after, now);
  const audit: CountryProgrammeAuditDocument = {
    id: `audit-${randomUUID()}`,
    type: 'audit',
    countryCode,
    at: now,
    actor: { userId: principal.userId, roles: [...principal.roles] },
    action: launchDate === null ? 'slcpLaunchWithdrawn' : 'slcpLaunchDateSet',
    before: current.programme,
    after,
  };
  const etags = await deps.store.write('countryProgrammes', countryCode, [
    current.etag === undefined
      ? { kind: 'create', doc }
      : { kind: 'replace', doc, ifMatch: requestedVersion(ifMatch) ?? current.etag },
    { kind: 'create', doc: audit },
  ]);
  programmes.forget(deps.store, countryCode);
  return { programme: after, etag: etags[0]! };
}
