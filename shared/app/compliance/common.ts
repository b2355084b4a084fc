// What the compliance use cases share: the factory's cycle, the documents kept beside the factory (the
// assessment, the improvement plan), their audit events, the outline of a tool version, waking the cycle's
// timeline after a commit, and retrying a write that lost a race.
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../domain/access/roles';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../domain/errors';
import type { AuditEventDocument, CycleEntry, FactoryDocument } from '../../domain/factory/factory';
import { complianceOutline, type ComplianceOutline } from '../../domain/compliance/scope';
import type { TimelineSignal } from '../../ports/cycleTimeline';
import type { DocumentStore, StoredDocument, Versioned } from '../../ports/documentStore';
import type { ComplianceDeps } from './deps';

export function cycleOf(factory: FactoryDocument, cycleId: string): CycleEntry {
  const cycle = factory.cycles.find((c) => c.cycleId === cycleId);
  if (!cycle) throw new NotFoundError(`Factory ${factory.factoryId} has no cycle ${cycleId}.`);
  return cycle;
}

/** A document of the factory's partition by id and type; undefined when there is none of that type. */
export async function readBeside<T extends StoredDocument>(
  store: DocumentStore,
  factory: FactoryDocument,
  id: string,
  type: T['type']
): Promise<Versioned<T> | undefined> {
  const read = await store.read<T>('factories', factory.countryCode, id);
  return read && read.doc.type === type && read.doc.factoryId === factory.factoryId ? read : undefined;
}

/** An audit event of a change to a document kept beside the factory (who, when, what, before → after). */
export function auditEvent(
  factory: Pick<FactoryDocument, 'countryCode' | 'factoryId'>,
  principal: Principal,
  at: string,
  event: { action: string; before: unknown; after: unknown }
): AuditEventDocument {
  return {
    id: `audit-${randomUUID()}`,
    type: 'audit',
    countryCode: factory.countryCode,
    factoryId: factory.factoryId,
    at,
    actor: { userId: principal.userId, roles: [...principal.roles] },
    ...event,
  };
}

/** The compliance outline of a tool version (a version never changes). */
export async function outlineOf(deps: Pick<ComplianceDeps, 'banks'>, version: string): Promise<ComplianceOutline> {
  const bank = await deps.banks.version(version);
  if (!bank) throw new Error(`Question bank version ${version} is missing.`);
  return complianceOutline(bank);
}

/** How often a change re-reads and retries when someone else changed the same documents meanwhile. */
export const maxWriteAttempts = 5;

/**
 * Runs `attempt` again when its conditional write lost a race (see `raceable`), with jittered backoff; after a
 * few tries the caller gets a 409. Any other failure (a 412 about the caller's own If-Match too) goes through.
 */
export async function retryOnRace<T>(what: string, attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof RaceLostError)) throw error;
      if (n >= maxWriteAttempts) {
        throw new ConflictError(
          `${what} is being changed by others right now; your change was not taken, send it again.`
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 10 * 2 ** n)));
    }
  }
}

/** A conditional write found its documents changed meanwhile: read again and retry. */
export class RaceLostError extends Error {
  override name = 'RaceLostError';
}

/**
 * A write conditional on what the attempt read: a stale ETag (412) or a document created meanwhile (409) means
 * someone else won the race, and the attempt is run again on fresh data.
 */
export async function raceable<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof PreconditionFailedError || error instanceof ConflictError) {
      throw new RaceLostError((error as Error).message);
    }
    throw error;
  }
}

/** Wakes the cycle's timeline (the Durable client), as the HTTP function hands it in. */
export type TimelineWaker = (cycleId: string, signal: TimelineSignal) => Promise<void>;

/**
 * Wakes the cycle's timeline after the change has committed. The facts are in Cosmos already, so a signal
 * that fails (the Durable engine is unreachable, the instance is not running) is logged and the request still
 * succeeds: the daily reconciliation finds the cycle and its timeline catches up on its next run.
 */
export async function wakeTimeline(
  wake: TimelineWaker | undefined,
  cycleId: string,
  signal: TimelineSignal,
  warn: (message: string) => void
): Promise<boolean> {
  if (!wake) return false;
  try {
    await wake(cycleId, signal);
    return true;
  } catch (error) {
    warn(
      `timeline signal ${signal} for cycle ${cycleId} failed after the change committed (the daily reconciliation catches up): ${
        (error as Error)?.message ?? String(error)
      }`
    );
    return false;
  }
}
