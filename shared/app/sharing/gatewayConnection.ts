// Use cases of the Gateway connection: "Connect with SLCP" (R5, R8, R9), the Gateway's signed callbacks,
// and the manual link of an existing Gateway ID by registration staff (R4).
import { randomUUID } from 'node:crypto';
import {
  CallbackRejected,
  createRegistrationUrl,
  verifyGatewayCallback,
  type HeaderSource,
} from '../../adapters/gateway/gatewayClient';
import type { CommonSettings } from '../../config/settings';
import type { Principal } from '../../domain/access/roles';
import {
  ConflictError,
  DomainError,
  NotFoundError,
  PreconditionFailedError,
  RuleViolationError,
} from '../../domain/errors';
import { countryOfFactoryId, factoryIdPattern, type FactoryDocument } from '../../domain/factory/factory';
import { profileCompletion } from '../../domain/factory/profile';
import {
  applyGatewayEvent,
  assertMayConnect,
  gatewayLinkClaim,
  linkGatewayManually,
  startRegistration,
  type GatewayEvent,
  type GatewayLinkDocument,
} from '../../domain/sharing/gatewayConnection';
import { sharingView, type SharingView } from '../../domain/sharing/sharing';
import type { Clock } from '../../ports/clock';
import type { DocumentStore, StoredDocument, Versioned } from '../../ports/documentStore';
import { loadFactoryFor, saveFactoryChange, type OutboxDraft } from '../factories/factoryStore';
import { actorOf, type UserDocument } from '../users/userDirectory';
import { managerContacts, managerDeliveries, slcpPageLink } from './managerContacts';
import { assertCountryLaunched } from './slcpLaunch';

export interface GatewayDeps {
  store: DocumentStore;
  clock: Clock;
  settings: Pick<CommonSettings, 'gateway' | 'publicApiBaseUrl' | 'portalBaseUrl'>;
}

/** Who the audit trail names for changes the Gateway's callbacks make. */
export const gatewayActor: Principal = {
  userId: 'slcp-gateway',
  roles: ['Gateway'],
  email: undefined,
  name: 'SLCP Gateway',
};

export const gatewayCallbackPath = 'gateway/callbacks';

// ---------------------------------------------------------------------------------------------------
// Connect with SLCP (R5, R8, R9)
// ---------------------------------------------------------------------------------------------------

/**
 * Gives the factory manager the single-use link to the Gateway's Facility Information Form (Better Work
 * preset as verifier, the manager's BW email required) and records the hand-off the callbacks must carry.
 */
export async function startGatewayConnection(
  deps: GatewayDeps,
  principal: Principal,
  factoryId: string,
  ifMatch?: string
): Promise<{ registrationUrl: string; expiresAt: string; etag: string }> {
  const actor = await actorOf(deps.store, principal);
  const loaded = await loadFactoryFor(deps.store, actor, factoryId, 'connectGateway');
  await assertCountryLaunched(deps.store, deps.clock, loaded.doc.countryCode);
  const now = deps.clock.now();
  const profile = profileCompletion(loaded.doc, now);
  assertMayConnect(loaded.doc, { profileComplete: profile.complete, profileMissing: profile.missing });
  const email = principal.email ?? (await directoryEmail(deps.store, principal.userId));
  if (!email) {
    throw new RuleViolationError(
      'R9',
      'Your account has no email address; the Gateway registration needs the email you use on the Better Work platform.'
    );
  }
  const link = await createRegistrationUrl({
    gatewayBaseUrl: deps.settings.gateway.baseUrl,
    secret: deps.settings.gateway.sharedSecret,
    factoryId: loaded.doc.factoryId,
    email,
    callbackUrl: `${deps.settings.publicApiBaseUrl}/${gatewayCallbackPath}`,
    clock: deps.clock,
    jti: randomUUID(),
  });
  const etag = await saveFactoryChange(deps.store, deps.clock, {
    actor: principal,
    action: 'gateway.registrationStarted',
    before: loaded,
    after: startRegistration(loaded.doc, { jti: link.jti, now }),
    ifMatch,
  });
  return { registrationUrl: link.url, expiresAt: link.expiresAt.toISOString(), etag };
}

async function directoryEmail(store: DocumentStore, userId: string): Promise<string | undefined> {
  const user = await store.read<UserDocument>('users', userId, userId);
  return user?.doc.email?.trim() || undefined;
}

// ---------------------------------------------------------------------------------------------------
// The Gateway's callbacks
// ---------------------------------------------------------------------------------------------------

/** A callback that is not provably from the Gateway (401) or not a Gateway event (400). Nothing is written. */
export class GatewayCallbackRejectedError extends DomainError {
  override name = 'GatewayCallbackRejectedError';
  constructor(
    readonly status: 400 | 401,
    message: string,
    readonly reason: string
  ) {
    super(message);
  }
}

/** The receipt of one Gateway event, written in the same batch as what the event changed. */
export interface GatewayEventReceipt extends StoredDocument {
  type: 'gatewayEvent';
  id: string;
  countryCode: string;
  factoryId: string;
  eventId: string;
  eventType: GatewayEvent['type'];
  outcome: 'applied' | 'ignored';
  receivedAt: string;
}

export function gatewayEventReceiptId(eventId: string): string {
  return `gateway-event-${eventId}`;
}

export interface CallbackAck {
  eventId: string;
  duplicate: boolean;
  outcome: 'applied' | 'ignored' | 'duplicate';
}

const maxCallbackAttempts = 3;

/** The verified event of a Gateway callback; a refused one as the problem the caller gets (401 or 400). */
export function verifiedCallback<T>(verify: () => T): T {
  try {
    return verify();
  } catch (error) {
    if (error instanceof CallbackRejected) {
      throw new GatewayCallbackRejectedError(
        error.status,
        error.status === 401
          ? 'The callback is not signed by the SLCP Gateway.'
          : `The callback is not valid: ${error.message}`,
        error.reason
      );
    }
    throw error;
  }
}

/**
 * Verifies a Gateway callback (signature, timestamp, body) and applies its event once: the receipt
 * `gateway-event-<eventId>` is created in the factory's partition in the same batch as the change, so a
 * second delivery finds it and changes nothing. The event must carry the factory's current hand-off.
 */
export async function handleGatewayCallback(
  deps: GatewayDeps,
  input: { headers: HeaderSource; rawBody: Uint8Array | string }
): Promise<CallbackAck> {
  const event: GatewayEvent = verifiedCallback(() =>
    verifyGatewayCallback({
      headers: input.headers,
      rawBody: input.rawBody,
      secret: deps.settings.gateway.sharedSecret,
      clock: deps.clock,
    })
  );
  const factoryId = event.state.factoryId;
  if (!factoryIdPattern.test(factoryId)) throw new NotFoundError('The event names no known factory.');
  const countryCode = countryOfFactoryId(factoryId);
  const receiptId = gatewayEventReceiptId(event.eventId);
  const duplicate: CallbackAck = { eventId: event.eventId, duplicate: true, outcome: 'duplicate' };
  let claimed: string | undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      if (await deps.store.read('factories', countryCode, receiptId)) return duplicate;
      const loaded = await deps.store.read<FactoryDocument>('factories', countryCode, factoryId);
      if (!loaded || loaded.doc.type !== 'factory') throw new NotFoundError('The event names no known factory.');
      const now = deps.clock.now();
      const outcome = applyGatewayEvent(loaded.doc, event, now);
      const receipt: GatewayEventReceipt = {
        id: receiptId,
        type: 'gatewayEvent',
        countryCode,
        factoryId,
        eventId: event.eventId,
        eventType: event.type,
        outcome: outcome.kind,
        receivedAt: now.toISOString(),
      };
      try {
        if (outcome.kind === 'ignored') {
          await deps.store.write('factories', countryCode, [{ kind: 'create', doc: receipt }]);
          return { eventId: event.eventId, duplicate: false, outcome: 'ignored' };
        }
        if (event.type === 'facility.approved') {
          if (await claimGatewayId(deps.store, loaded.doc, event.gatewayFacilityId, 'gateway', now)) {
            claimed = event.gatewayFacilityId;
          }
        }
        await saveFactoryChange(deps.store, deps.clock, {
          actor: gatewayActor,
          action: `gateway.${event.type}`,
          before: loaded,
          after: outcome.factory,
          deliver: await callbackDeliveries(deps, outcome.factory, outcome.tell),
          alsoWrite: [{ kind: 'create', doc: receipt }],
        });
        claimed = undefined;
        return { eventId: event.eventId, duplicate: false, outcome: 'applied' };
      } catch (error) {
        const raced =
          (error instanceof ConflictError && !(error instanceof GatewayIdTakenError)) ||
          error instanceof PreconditionFailedError;
        if (!raced) throw error;
        // Another delivery of the same event got there first, or the factory changed meanwhile: look again.
        if (await deps.store.read('factories', countryCode, receiptId)) return duplicate;
        if (attempt >= maxCallbackAttempts) throw error;
      }
    }
  } finally {
    if (claimed) await releaseClaimIfUnused(deps.store, countryCode, factoryId, claimed);
  }
}

async function callbackDeliveries(
  deps: GatewayDeps,
  factory: FactoryDocument,
  tell: 'approved' | 'rejected' | undefined
): Promise<OutboxDraft[]> {
  if (!tell) return [];
  const contacts = await managerContacts(deps.store, factory);
  const link = slcpPageLink(deps.settings.portalBaseUrl, factory.factoryId);
  if (tell === 'approved') {
    return managerDeliveries(contacts, {
      subject: 'Your factory is connected to the SLCP Gateway',
      text:
        `SLCP approved the Gateway registration of ${sentenceEnd(factory.name)} Its Gateway Facility ID is ` +
        `${factory.gateway.gatewayFacilityId ?? ''}; the connection with the Better Work platform is established.`,
      link,
      email: true,
    });
  }
  return managerDeliveries(contacts, {
    subject: 'SLCP did not approve the Gateway registration',
    text:
      `SLCP did not approve the Gateway registration of ${factory.name}: ${factory.gateway.rejectedReason ?? 'no reason given'}. ` +
      'You can connect with SLCP again from the Better Work platform.',
    link,
    email: false,
  });
}

// ---------------------------------------------------------------------------------------------------
// One Gateway ID per factory (R4)
// ---------------------------------------------------------------------------------------------------

/** 409: the Gateway ID is claimed by another factory (R4). */
export class GatewayIdTakenError extends ConflictError {
  override name = 'GatewayIdTakenError';
}

/**
 * Claims a Gateway ID for a factory in `gatewayLinks` (id = the Gateway ID, so creating it twice fails).
 * Returns true when this call made the claim, false when the factory already held it; a claim by another
 * factory is a conflict that does not say which factory holds it.
 */
async function claimGatewayId(
  store: DocumentStore,
  factory: FactoryDocument,
  gatewayFacilityId: string,
  linkedBy: 'gateway' | 'staff',
  now: Date
): Promise<boolean> {
  const claim = gatewayLinkClaim(factory, gatewayFacilityId, linkedBy, now);
  try {
    await store.write('gatewayLinks', gatewayFacilityId, [{ kind: 'create', doc: claim }]);
    return true;
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const existing = await store.read<GatewayLinkDocument>('gatewayLinks', gatewayFacilityId, gatewayFacilityId);
    if (existing?.doc.factoryId === factory.factoryId) return false;
    throw new GatewayIdTakenError(`Gateway ID ${gatewayFacilityId} already belongs to another factory (R4).`);
  }
}

/** Undoes a claim this call made when the factory change that needed it did not land. */
async function releaseClaimIfUnused(
  store: DocumentStore,
  countryCode: string,
  factoryId: string,
  gatewayFacilityId: string
): Promise<void> {
  try {
    const factory = await store.read<FactoryDocument>('factories', countryCode, factoryId);
    if (factory?.doc.gateway.gatewayFacilityId === gatewayFacilityId) return;
    const claim = await store.read<GatewayLinkDocument>('gatewayLinks', gatewayFacilityId, gatewayFacilityId);
    if (claim && claim.doc.factoryId === factoryId) {
      await store.write('gatewayLinks', gatewayFacilityId, [
        { kind: 'delete', id: gatewayFacilityId, ifMatch: claim.etag },
      ]);
    }
  } catch {
    // Best effort: a claim left behind still names this factory, so a retry for it succeeds.
  }
}

/** R4: registration staff link the Gateway ID the factory already has; one Gateway ID belongs to one factory. */
export async function linkGatewayFacility(
  deps: GatewayDeps,
  principal: Principal,
  factoryId: string,
  gatewayFacilityId: string,
  ifMatch?: string
): Promise<{ view: SharingView; etag: string; changed: boolean }> {
  const actor = await actorOf(deps.store, principal);
  const loaded: Versioned<FactoryDocument> = await loadFactoryFor(deps.store, actor, factoryId, 'linkGateway');
  await assertCountryLaunched(deps.store, deps.clock, loaded.doc.countryCode);
  const now = deps.clock.now();
  const decision = linkGatewayManually(loaded.doc, { gatewayFacilityId, now });
  if (!decision.changed) return { view: sharingView(loaded.doc), etag: loaded.etag, changed: false };
  let claimed = await claimGatewayId(deps.store, loaded.doc, gatewayFacilityId, 'staff', now);
  try {
    const contacts = await managerContacts(deps.store, decision.factory);
    const etag = await saveFactoryChange(deps.store, deps.clock, {
      actor: principal,
      action: 'gateway.linkedByStaff',
      before: loaded,
      after: decision.factory,
      ifMatch,
      deliver: managerDeliveries(contacts, {
        subject: 'Your SLCP Gateway profile is linked',
        text: `Better Work linked the SLCP Gateway profile ${gatewayFacilityId} to ${sentenceEnd(decision.factory.name)}`,
        link: slcpPageLink(deps.settings.portalBaseUrl, factoryId),
        email: false,
      }),
    });
    claimed = false;
    return { view: sharingView(decision.factory), etag, changed: true };
  } finally {
    if (claimed) await releaseClaimIfUnused(deps.store, loaded.doc.countryCode, factoryId, gatewayFacilityId);
  }
}

/** Ends a sentence with a name that may end in a full stop itself ("Jamuna Woven Ltd."). */
function sentenceEnd(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}
