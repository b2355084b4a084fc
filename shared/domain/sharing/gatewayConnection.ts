// The factory's connection to the SLCP Gateway (R4, R5, R8, R9): who may start it, what each Gateway
// event does to it, and the manual link of an existing Gateway ID. Pure: time is passed in.
import { ConflictError, RuleViolationError } from '../errors';
import type { FactoryDocument } from '../factory/factory';

export type GatewayState = FactoryDocument['gateway'];
export type GatewayStatus = GatewayState['status'];

/** A Gateway Facility ID as SLCP issues it. */
export const gatewayFacilityIdPattern = /^GW-[0-9A-Z]{8}$/;

/** The events the Gateway calls back with (the contract's callback events, as far as the rules need them). */
export type GatewayEvent =
  | { type: 'facility.registered'; eventId: string; state: HandOff; registrationId: string }
  | {
      type: 'facility.approved';
      eventId: string;
      state: HandOff;
      registrationId: string;
      gatewayFacilityId: string;
    }
  | { type: 'facility.rejected'; eventId: string; state: HandOff; registrationId: string; reason: string };

export interface HandOff {
  factoryId: string;
  jti: string;
}

export interface ConnectFacts {
  /** From the profile rules (R10): all Profile Info fields filled and the T&C signature less than a year old. */
  profileComplete: boolean;
  /** What the profile still lacks, to say so. */
  profileMissing: readonly string[];
}

/**
 * R8, R9: "Connect with SLCP" is offered only to a factory registered on the BW platform whose profile is
 * 100 % complete, and not while a connection exists or a registration waits for SLCP approval (a new
 * hand-off would orphan the one under review). The country's launch is checked by the caller.
 */
export function assertMayConnect(factory: FactoryDocument, facts: ConnectFacts): void {
  if (factory.status !== 'registered') {
    throw new RuleViolationError(
      'R8',
      'The factory must be registered on the Better Work platform before it connects to the SLCP Gateway.'
    );
  }
  if (!facts.profileComplete) {
    const missing = facts.profileMissing.length > 0 ? ` Still missing: ${facts.profileMissing.join(', ')}.` : '';
    throw new RuleViolationError('R9', `The factory profile must be 100 % complete to connect with SLCP.${missing}`);
  }
  if (factory.gateway.status === 'connected') {
    throw new RuleViolationError(
      factory.gateway.linkedBy === 'staff' ? 'R4' : 'R9',
      `The factory is already connected to the SLCP Gateway (${factory.gateway.gatewayFacilityId ?? 'Gateway ID on record'}).`
    );
  }
  if (factory.gateway.status === 'registered') {
    throw new RuleViolationError(
      'R9',
      'The Gateway registration is waiting for SLCP approval (up to 3 days); a new link is not needed.'
    );
  }
}

/** R9: the hand-off has been made; the Gateway's callbacks must carry this `jti`. */
export function startRegistration(factory: FactoryDocument, input: { jti: string; now: Date }): FactoryDocument {
  return {
    ...factory,
    gateway: {
      status: 'registrationStarted',
      gatewayFacilityId: undefined,
      stateJti: input.jti,
      registrationId: undefined,
      rejectedReason: undefined,
      linkedBy: undefined,
      updatedAt: input.now.toISOString(),
    },
  };
}

export type GatewayEventOutcome =
  | { kind: 'applied'; factory: FactoryDocument; tell: 'approved' | 'rejected' | undefined }
  /** The event is genuine but changes nothing (a late or repeated one): acknowledge it, write nothing but the receipt. */
  | { kind: 'ignored'; reason: string };

/**
 * What a verified Gateway event does to the connection (R9). Events of one registration can arrive out
 * of order and more than once: nothing goes backwards (a late "registered" after the approval changes
 * nothing), and an approval stands against a late rejection. An event for another hand-off than the
 * factory's current one is a conflict.
 */
export function applyGatewayEvent(factory: FactoryDocument, event: GatewayEvent, now: Date): GatewayEventOutcome {
  if (event.state.factoryId !== factory.factoryId) {
    throw new ConflictError('The event belongs to another factory.');
  }
  if (factory.gateway.stateJti === undefined || event.state.jti !== factory.gateway.stateJti) {
    throw new ConflictError("The event is for a registration link that is not the factory's current one.");
  }
  const status = factory.gateway.status;
  const at = now.toISOString();
  switch (event.type) {
    case 'facility.registered':
      if (status !== 'registrationStarted') return { kind: 'ignored', reason: `already ${status}` };
      return {
        kind: 'applied',
        tell: undefined,
        factory: {
          ...factory,
          gateway: { ...factory.gateway, status: 'registered', registrationId: event.registrationId, updatedAt: at },
        },
      };
    case 'facility.approved':
      if (status === 'connected') {
        if (factory.gateway.gatewayFacilityId === event.gatewayFacilityId) {
          return { kind: 'ignored', reason: 'already connected' };
        }
        throw new ConflictError(
          `The factory is already connected to another Gateway ID (${factory.gateway.gatewayFacilityId ?? 'unknown'}).`
        );
      }
      return {
        kind: 'applied',
        tell: 'approved',
        factory: {
          ...factory,
          gateway: {
            ...factory.gateway,
            status: 'connected',
            gatewayFacilityId: event.gatewayFacilityId,
            registrationId: event.registrationId,
            rejectedReason: undefined,
            linkedBy: 'gateway',
            updatedAt: at,
          },
        },
      };
    case 'facility.rejected':
      if (status === 'connected' || status === 'rejected') return { kind: 'ignored', reason: `already ${status}` };
      return {
        kind: 'applied',
        tell: 'rejected',
        factory: {
          ...factory,
          gateway: {
            ...factory.gateway,
            status: 'rejected',
            registrationId: event.registrationId,
            rejectedReason: event.reason,
            updatedAt: at,
          },
        },
      };
  }
}

/**
 * R4: registration staff link the Gateway ID a factory already has. Linking the same ID again changes
 * nothing; a factory connected to another ID keeps it (one Gateway profile per facility). That no other
 * factory holds the ID is checked by the claim in the `gatewayLinks` container.
 */
export function linkGatewayManually(
  factory: FactoryDocument,
  input: { gatewayFacilityId: string; now: Date }
): { changed: boolean; factory: FactoryDocument } {
  if (!gatewayFacilityIdPattern.test(input.gatewayFacilityId)) {
    throw new RuleViolationError('R4', 'A Gateway Facility ID looks like GW-7KQ2M9XD.');
  }
  if (factory.gateway.status === 'connected') {
    if (factory.gateway.gatewayFacilityId === input.gatewayFacilityId) return { changed: false, factory };
    throw new ConflictError(
      `The factory is already connected to Gateway ID ${factory.gateway.gatewayFacilityId ?? 'on record'}.`
    );
  }
  return {
    changed: true,
    factory: {
      ...factory,
      gateway: {
        status: 'connected',
        gatewayFacilityId: input.gatewayFacilityId,
        stateJti: undefined,
        registrationId: factory.gateway.registrationId,
        rejectedReason: undefined,
        linkedBy: 'staff',
        updatedAt: input.now.toISOString(),
      },
    },
  };
}

/** The claim of a Gateway ID (container `gatewayLinks`, id = partition = the Gateway ID): one factory per ID (R4). */
export interface GatewayLinkDocument {
  id: string;
  type: 'gatewayLink';
  gatewayFacilityId: string;
  factoryId: string;
  countryCode: string;
  linkedAt: string;
  linkedBy: 'gateway' | 'staff';
  [field: string]: unknown;
}

export function gatewayLinkClaim(
  factory: FactoryDocument,
  gatewayFacilityId: string,
  linkedBy: 'gateway' | 'staff',
  now: Date
): GatewayLinkDocument {
  return {
    id: gatewayFacilityId,
    type: 'gatewayLink',
    gatewayFacilityId,
    factoryId: factory.factoryId,
    countryCode: factory.countryCode,
    linkedAt: now.toISOString(),
    linkedBy,
  };
}
