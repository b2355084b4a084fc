// The factory aggregate as stored (container `factories`, partition = country code). Everything that
// must change together with a factory (its audit events, its outbox) lives in the same partition.
import type { StoredDocument } from '../../ports/documentStore';

/** Factory ids carry their country programme, so every factory request knows its partition: `BD-7KQ2M9XA`. */
export const factoryIdPattern = /^[A-Z]{2}-[0-9A-Z]{8}$/;

export function countryOfFactoryId(factoryId: string): string {
  return factoryId.slice(0, 2);
}

export interface FactoryDocument extends StoredDocument {
  type: 'factory';
  /** Same as factoryId. */
  id: string;
  factoryId: string;
  countryCode: string;
  name: string;
  address: string;
  osHubId: string | undefined;
  status: 'invited' | 'registered';
  managerUserIds: string[];
  advisorUserIds: string[];
  subscribedBrandIds: string[];
  /** "Profile Info" (R10); fields are filled one by one, so each may be absent. See profile.ts. */
  profile: Record<string, unknown>;
  /** The Terms & Conditions signature; it lasts one year (R10). */
  terms: { signedAt: string; signedBy: string } | undefined;
  /** Service cycles, oldest first (R7, R23). */
  cycles: CycleEntry[];
  currentCycleId: string | undefined;
  /** SLCP data sharing (R1, R2, R6, R23): off by default; a request takes effect from the next cycle. */
  sharing: {
    pendingForNextCycle: boolean;
    requestedAt: string | undefined;
    requestedBy: string | undefined;
    optedOutAt: string | undefined;
    optOutReason: string | undefined;
  };
  /** The Gateway connection (R4, R8, R9). */
  gateway: {
    status: 'notConnected' | 'registrationStarted' | 'registered' | 'connected' | 'rejected';
    gatewayFacilityId: string | undefined;
    /** The `jti` of the last hand-off state sent to the Gateway; a callback must carry it. */
    stateJti: string | undefined;
    registrationId: string | undefined;
    rejectedReason: string | undefined;
    linkedBy: 'gateway' | 'staff' | undefined;
    updatedAt: string | undefined;
  };
  /**
   * What the factory's durable waits acted on (R9 approval chases per hand-off, R10 expiry notices per
   * signature), by name, with when; recorded in the same write as their emails, like `CycleEntry.milestones`.
   */
  milestones?: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  [field: string]: unknown;
}

export interface CycleEntry {
  /** `${factoryId}-C${sequence}` */
  cycleId: string;
  sequence: number;
  startsOn: string;
  endsOn: string;
  registeredAt: string;
  /** Sharing via SLCP applies to this cycle (the request was made before it was registered: R2, R23). */
  sharingEffective: boolean;
  /** R3: when the factory managers were invited to state their preference for the next cycle; once per cycle. */
  preferenceReminderSentAt?: string;
  /** R11: when Better Work activated the service cycle (its self-assessment opens), and who did. */
  activatedAt?: string;
  activatedBy?: string;
  /** R15: Better Work's compliance assessment of this cycle, once the assessors completed it. */
  assessment?: {
    assessmentId: string;
    method: 'visit' | 'vcc';
    /** The assessment's last day (YYYY-MM-DD): the release deadline counts from it (R16). */
    lastDay: string;
    completedAt: string;
    completedBy: string;
  };
  /** R16: the released assessment report. */
  report?: { reportId: string; releasedAt: string; releasedBy: string };
  /** R17: when the timeline handed the cycle to the transmission step. */
  readyToTransmitAt?: string;
  /**
   * R17, R18: the cycle's transmission to the Gateway (its record lives beside the factory, id = transmissionId),
   * and when SLCP validated it (the Gateway's callback, or its status when asked).
   */
  transmission?: { transmissionId: string; queuedAt: string; validatedAt?: string };
  /** R19: the factory asked to share this cycle after its assessment (sharing applies to it from then on). */
  midCycleRequest?: { requestedAt: string; requestedBy: string };
  /** R18: when sharing via the Gateway was enabled after validation. */
  sharingEnabledAt?: string;
  /**
   * Milestones the timeline has acted on, by name, with when. An activity acts only when its milestone
   * is absent and records it in the same write as its emails, so a retried activity sends nothing twice.
   */
  milestones?: Record<string, string>;
}

export function newFactoryDocument(fields: {
  factoryId: string;
  name: string;
  address: string;
  osHubId: string | undefined;
  now: string;
}): FactoryDocument {
  return {
    id: fields.factoryId,
    type: 'factory',
    factoryId: fields.factoryId,
    countryCode: countryOfFactoryId(fields.factoryId),
    name: fields.name,
    address: fields.address,
    osHubId: fields.osHubId,
    status: 'invited',
    managerUserIds: [],
    advisorUserIds: [],
    subscribedBrandIds: [],
    profile: {},
    terms: undefined,
    cycles: [],
    currentCycleId: undefined,
    sharing: {
      pendingForNextCycle: false,
      requestedAt: undefined,
      requestedBy: undefined,
      optedOutAt: undefined,
      optOutReason: undefined,
    },
    gateway: {
      status: 'notConnected',
      gatewayFacilityId: undefined,
      stateJti: undefined,
      registrationId: undefined,
      rejectedReason: undefined,
      linkedBy: undefined,
      updatedAt: undefined,
    },
    createdAt: fields.now,
    updatedAt: fields.now,
  };
}

export interface AuditEventDocument extends StoredDocument {
  type: 'audit';
  countryCode: string;
  factoryId: string;
  at: string;
  actor: { userId: string; roles: string[] };
  action: string;
  before: unknown;
  after: unknown;
}

/** Something to deliver after the change commits: an email, or a portal notification for a user. */
export interface OutboxDocument extends StoredDocument {
  type: 'outbox';
  countryCode: string;
  factoryId: string;
  kind: 'email' | 'notification';
  /** email: the address; notification: the user id. */
  to: string;
  subject: string;
  text: string;
  link: string | undefined;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string;
  createdAt: string;
  lastError: string | undefined;
}
