// The transmission record as stored beside its factory (container `factories`, partition = country code):
// reading it, and changing it with its audit event and its alerts (staff emails and notifications through the
// outbox) in one transactional batch, conditional on the ETag that was read. A change that lost a race reads
// again and decides again on what is stored then.
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../domain/access/roles';
import { ConflictError, PreconditionFailedError } from '../../domain/errors';
import type { AuditEventDocument, FactoryDocument } from '../../domain/factory/factory';
import { auditViewOf, type TransmissionDocument } from '../../domain/transmission/transmission';
import type { Clock } from '../../ports/clock';
import type { DocumentStore, Versioned, WriteOperation } from '../../ports/documentStore';
import { outboxDocuments, type OutboxDraft } from '../factories/factoryStore';
import { portalLinks, staffContacts, staffDeliveries } from '../timeline/contacts';

/** Who the audit trail names for what the transmission pipeline does on its own. */
export const transmissionActor: Principal = {
  userId: 'bw-slcp-transmission',
  roles: [],
  email: undefined,
  name: 'Transmission to the SLCP Gateway',
};

export async function readTransmission(
  store: DocumentStore,
  countryCode: string,
  transmissionId: string
): Promise<Versioned<TransmissionDocument> | undefined> {
  const found = await store.read<TransmissionDocument>('factories', countryCode, transmissionId);
  return found && found.doc.type === 'transmission' ? found : undefined;
}

export function transmissionAudit(
  doc: Pick<TransmissionDocument, 'countryCode' | 'factoryId'>,
  actor: Principal,
  at: string,
  event: { action: string; before: TransmissionDocument | null; after: TransmissionDocument }
): AuditEventDocument {
  return {
    id: `audit-${randomUUID()}`,
    type: 'audit',
    countryCode: doc.countryCode,
    factoryId: doc.factoryId,
    at,
    actor: { userId: actor.userId, roles: [...actor.roles] },
    action: event.action,
    before: event.before ? auditViewOf(event.before) : null,
    after: auditViewOf(event.after),
  };
}

/** Where staff open a cycle's transmission in the portal. */
export function transmissionLink(portalBaseUrl: string, factoryId: string, cycleId: string): string {
  return `${portalLinks.cycle(portalBaseUrl, factoryId, cycleId)}/transmission`;
}

/** A notification and an email for each Better Work staff member of the factory's country. */
export async function staffAlert(
  store: DocumentStore,
  portalBaseUrl: string,
  doc: Pick<TransmissionDocument, 'countryCode' | 'factoryId' | 'cycleId'>,
  message: { subject: string; text: string }
): Promise<OutboxDraft[]> {
  const staff = await staffContacts(store, doc.countryCode);
  return staffDeliveries(staff, { ...message, link: transmissionLink(portalBaseUrl, doc.factoryId, doc.cycleId) });
}

/** The factory's name for a staff alert (its id when it is gone). */
export async function factoryName(store: DocumentStore, countryCode: string, factoryId: string): Promise<string> {
  const found = await store.read<FactoryDocument>('factories', countryCode, factoryId);
  return found?.doc.type === 'factory' ? found.doc.name : factoryId;
}

export interface RecordChange {
  after: TransmissionDocument;
  action: string;
  deliver?: OutboxDraft[];
  alsoWrite?: WriteOperation[];
}

/** Writes a change of the record with its audit event and its outbox messages in one batch (If-Match). */
export async function saveTransmissionChange(
  store: DocumentStore,
  clock: Clock,
  before: Versioned<TransmissionDocument>,
  change: RecordChange,
  actor: Principal = transmissionActor,
  ifMatch?: string
): Promise<string> {
  const now = clock.now().toISOString();
  const after: TransmissionDocument = { ...change.after, updatedAt: change.after.updatedAt ?? now };
  const etags = await store.write('factories', after.countryCode, [
    { kind: 'replace', doc: after, ifMatch: ifMatch ?? before.etag },
    { kind: 'create', doc: transmissionAudit(after, actor, now, { action: change.action, before: before.doc, after }) },
    ...outboxDocuments(after, change.deliver ?? [], now).map((doc): WriteOperation => ({ kind: 'create', doc })),
    ...(change.alsoWrite ?? []),
  ]);
  return etags[0]!;
}

export const maxRecordAttempts = 5;

/**
 * Reads the record (or starts from `known`, a version just read or written), lets `decide` turn it into a
 * change (undefined: nothing to do), and writes it; when another writer changed the record meanwhile (412),
 * reads again and decides again, a few times. Answers the record as it is now, with its ETag when known.
 */
export async function changeTransmission(
  store: DocumentStore,
  clock: Clock,
  ref: { countryCode: string; transmissionId: string },
  decide: (current: Versioned<TransmissionDocument>) => Promise<RecordChange | undefined>,
  known?: Versioned<TransmissionDocument>
): Promise<{ doc: TransmissionDocument | undefined; etag?: string; changed: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const current = attempt === 1 && known ? known : await readTransmission(store, ref.countryCode, ref.transmissionId);
    if (!current) return { doc: undefined, changed: false };
    const change = await decide(current);
    if (!change) return { doc: current.doc, etag: current.etag, changed: false };
    try {
      const etag = await saveTransmissionChange(store, clock, current, change);
      return { doc: change.after, etag, changed: true };
    } catch (error) {
      const raced = error instanceof PreconditionFailedError || error instanceof ConflictError;
      if (!raced || attempt >= maxRecordAttempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
