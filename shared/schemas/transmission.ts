// The transmission to the SLCP Gateway (R17, R18, R19): the Service Bus message the sender reads, and the HTTP
// shapes of the staff's views (list, one transmission, replay) and of the mid-cycle request.
import { z } from '../http/openapi';
import {
  attentionStatuses,
  transmissionStatuses,
  whyOf,
  type TransmissionDocument,
} from '../domain/transmission/transmission';
import { cycleParams } from './selfAssessment';

// ---------------------------------------------------------------------------------------------------
// The Service Bus message (queue `gateway-transmissions`; its MessageId is the send's message id)
// ---------------------------------------------------------------------------------------------------

export const transmissionMessageKind = 'slcp-data-submission';

/**
 * The payload travels in the message (`payload`, the exact JSON text sent to the Gateway) when the message stays
 * under `inlinePayloadLimitBytes`; otherwise the message names its blob (`payloadBlob`). Either way the
 * record's SHA-256 of the payload is checked before anything is sent.
 */
export const transmissionMessageSchema = z
  .object({
    kind: z.literal(transmissionMessageKind),
    transmissionId: z.string().regex(/^[A-Z]{2}-[0-9A-Z]{8}-C[1-9][0-9]{0,3}-TX$/),
    countryCode: z.string().regex(/^[A-Z]{2}$/),
    factoryId: z.string().regex(/^[A-Z]{2}-[0-9A-Z]{8}$/),
    cycleId: z.string().min(1).max(64),
    payloadSha256: z.string().regex(/^[0-9a-f]{64}$/),
    payloadBytes: z.int().positive(),
    payload: z.string().optional(),
    payloadBlob: z.string().min(1).max(512).optional(),
  })
  .refine((m) => (m.payload === undefined) !== (m.payloadBlob === undefined), {
    message: 'a message carries the payload or the name of its blob, exactly one',
  });
export type TransmissionMessage = z.infer<typeof transmissionMessageSchema>;

/**
 * The largest message body that carries its payload inline. Service Bus Standard allows 256 KiB per message,
 * headers and properties included; this leaves room for them and for the JSON escaping of the payload text.
 */
export const inlinePayloadLimitBytes = 192 * 1024;

// ---------------------------------------------------------------------------------------------------
// Staff views
// ---------------------------------------------------------------------------------------------------

const timestamp = z.iso.datetime({ offset: true });
const status = z.enum(transmissionStatuses).openapi({
  description:
    'queued: waiting to be sent; accepted: the Gateway has it; validated: SLCP validated it (R18); rejected: the ' +
    'Gateway refused it for good; failed: sending failed, Service Bus delivers it again; deadLettered: Service Bus ' +
    'gave up; invalid: the payload failed validation and was never sent; validationFailed: SLCP did not validate it',
});

export { countryCodeParams } from './enrolment';

export const transmissionListQuery = z.object({
  status: z
    .union([z.enum(transmissionStatuses), z.array(z.enum(transmissionStatuses)).max(transmissionStatuses.length)])
    .optional()
    .openapi({
      description: `Which statuses to list (repeat the parameter for several); by default those that need attention: ${attentionStatuses.join(', ')}`,
    }),
});

export { cycleParams };

const summarySchema = z.object({
  transmissionId: z.string().openapi({ example: 'BD-7KQ2M9XA-C1-TX' }),
  factoryId: z.string(),
  cycleId: z.string(),
  status,
  why: z.string().nullable().openapi({ description: 'Why it needs attention, in one line (null when it does not)' }),
  trigger: z.enum(['R17', 'R19']),
  queuedAt: timestamp,
  sentToQueueAt: timestamp.nullable(),
  deliveries: z.int(),
  attempts: z.int(),
  replays: z.int(),
  submissionId: z.string().nullable(),
  updatedAt: timestamp,
});

export const transmissionListSchema = z
  .object({
    countryCode: z.string(),
    statuses: z.array(status),
    transmissions: z.array(summarySchema),
  })
  .openapi('TransmissionList', { description: 'Transmissions of a country programme, most recently changed first' });

export const transmissionViewSchema = summarySchema
  .extend({
    gatewayFacilityId: z.string().nullable(),
    messageId: z.string(),
    payload: z
      .object({
        sha256: z.string(),
        bytes: z.int(),
        step1: z.int(),
        assessedByBetterWork: z.int(),
        facilityProfile: z.int(),
        neitherAssessedNorVerified: z.int(),
        enhanced: z.int(),
      })
      .nullable(),
    invalidReasons: z.array(z.string()),
    lastAttempt: z
      .object({
        at: timestamp,
        deliveryCount: z.int(),
        outcome: z.string(),
        status: z.int().nullable(),
        detail: z.string(),
      })
      .nullable(),
    acceptedAt: timestamp.nullable(),
    rejection: z
      .object({ at: timestamp, status: z.int(), detail: z.string(), reasons: z.array(z.string()) })
      .nullable(),
    failure: z.object({ at: timestamp, deliveryCount: z.int(), detail: z.string() }).nullable(),
    deadLetter: z
      .object({ at: timestamp, reason: z.string(), description: z.string(), deliveryCount: z.int() })
      .nullable(),
    validatedAt: timestamp.nullable(),
    validationFailure: z.object({ at: timestamp, reason: z.string() }).nullable(),
    lastReplay: z.object({ at: timestamp, by: z.string() }).nullable(),
    history: z.array(z.object({ at: timestamp, event: z.string(), detail: z.string().nullable() })),
  })
  .openapi('Transmission', {
    description: "A cycle's transmission to the SLCP Gateway, with what happened to it (Better Work staff only)",
  });
export type TransmissionView = z.infer<typeof transmissionViewSchema>;

export function toTransmissionSummary(doc: TransmissionDocument): z.infer<typeof summarySchema> {
  return {
    transmissionId: doc.transmissionId,
    factoryId: doc.factoryId,
    cycleId: doc.cycleId,
    status: doc.status,
    why: whyOf(doc),
    trigger: doc.trigger,
    queuedAt: doc.queuedAt,
    sentToQueueAt: doc.sentToQueueAt,
    deliveries: doc.deliveries,
    attempts: doc.attempts,
    replays: doc.replays,
    submissionId: doc.submissionId,
    updatedAt: doc.updatedAt,
  };
}

export function toTransmissionView(doc: TransmissionDocument): TransmissionView {
  return {
    ...toTransmissionSummary(doc),
    gatewayFacilityId: doc.gatewayFacilityId,
    messageId: doc.messageId,
    payload: doc.payload ? { sha256: doc.payload.sha256, bytes: doc.payload.bytes, ...doc.payload.summary } : null,
    invalidReasons: doc.invalidReasons,
    lastAttempt: doc.lastAttempt,
    acceptedAt: doc.acceptedAt,
    rejection: doc.rejection,
    failure: doc.failure,
    deadLetter: doc.deadLetter,
    validatedAt: doc.validatedAt,
    validationFailure: doc.validationFailure,
    lastReplay: doc.lastReplay,
    history: doc.history,
  };
}

export const replayResultSchema = z
  .object({
    transmission: transmissionViewSchema,
    sentToQueue: z.boolean().openapi({
      description: 'The message reached the queue now; when false the platform sends it within minutes',
    }),
  })
  .openapi('TransmissionReplay');

// ---------------------------------------------------------------------------------------------------
// R19: the mid-cycle request
// ---------------------------------------------------------------------------------------------------

export const midCycleRequestResultSchema = z
  .object({
    factoryId: z.string(),
    cycleId: z.string(),
    sharingEffective: z.literal(true),
    requestedAt: timestamp.nullable().openapi({ description: 'When the mid-cycle request was made (R19)' }),
    changed: z.boolean().openapi({ description: 'False when sharing already applied to the cycle' }),
    transmission: z.object({ transmissionId: z.string(), status }).nullable().openapi({
      description:
        'The transmission, when it is queued (the report is released and the self-assessment submitted); null: it follows when they are (R17)',
    }),
  })
  .openapi('MidCycleSharingRequest');
