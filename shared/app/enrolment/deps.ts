// What the enrolment use cases need from the platform, so unit tests can hand them a memory store and a
// fixed clock.
import type { Platform } from '../../composition';
import { PreconditionFailedError, ValidationError } from '../../domain/errors';
import type { Clock } from '../../ports/clock';
import type { DocumentStore, Page } from '../../ports/documentStore';

export interface EnrolmentDeps {
  store: DocumentStore;
  clock: Clock;
  /** Where people open links from emails (invitation links). */
  portalBaseUrl: string;
}

export function enrolmentDeps(p: Pick<Platform, 'store' | 'clock' | 'settings'>): EnrolmentDeps {
  return { store: p.store, clock: p.clock, portalBaseUrl: p.settings.portalBaseUrl };
}

/** The version an `If-Match` asks for; absent or `*` (any current version) asks for none. */
export function requestedVersion(ifMatch: string | undefined): string | undefined {
  const value = ifMatch?.trim();
  return value && value !== '*' ? value : undefined;
}

/** 412 when the caller's `If-Match` names another version than the current one. */
export function assertCurrentVersion(ifMatch: string | undefined, etag: string | undefined, what: string): void {
  const wanted = requestedVersion(ifMatch);
  if (wanted !== undefined && wanted !== etag) {
    throw new PreconditionFailedError(
      `${what} was changed since you read it (If-Match does not match its ETag); read it again and retry.`
    );
  }
}

export interface PageRequest {
  pageSize: number;
  continuation?: string | undefined;
}

const invalidContinuation = () =>
  new ValidationError('The continuation token is not valid.', [
    { pointer: '/continuation', detail: 'pass back the continuation of the previous page of this list unchanged' },
  ]);

/**
 * One page of a query. The store's continuation token travels inside an envelope naming the list it
 * belongs to (`scope`), so a token that was not made for this list is refused (400) instead of being
 * handed to the database, which may not say.
 */
export async function pageOf<T>(
  scope: string,
  page: PageRequest,
  run: (continuation: string | undefined) => Promise<Page<T>>
): Promise<Page<T>> {
  let inner: string | undefined;
  if (page.continuation !== undefined) {
    try {
      const envelope = JSON.parse(Buffer.from(page.continuation, 'base64url').toString('utf8')) as unknown;
      const { s, t } = envelope as { s?: unknown; t?: unknown };
      if (s !== scope || typeof t !== 'string' || t === '') throw invalidContinuation();
      inner = t;
    } catch {
      throw invalidContinuation();
    }
  }
  let result: Page<T>;
  try {
    result = await run(inner);
  } catch (error) {
    const status =
      (error as { code?: unknown; statusCode?: unknown })?.code ?? (error as { statusCode?: unknown })?.statusCode;
    if (inner !== undefined && status === 400) throw invalidContinuation();
    throw error;
  }
  return {
    items: result.items,
    continuation:
      result.continuation === undefined
        ? undefined
        : Buffer.from(JSON.stringify({ s: scope, t: result.continuation }), 'utf8').toString('base64url'),
  };
}
