// The SLCP Gateway contract as zod schemas. The Gateway (operated by ITC) has no public API, so the
// project defines the contract; `docs/gateway.openapi.json` is generated from these schemas
// (shared/adapters/gateway/gatewayContract.ts) and the local simulator (local/gateway/simulator.ts)
// speaks exactly this. The schemas both validate and document: change them here, then regenerate the
// document (UPDATE_CONTRACT=1 npx jest test/unit/gatewayContract.test.ts).
//
// The contract has one part per stage of a factory's life on the Gateway:
//   1. registration hand-off (R8, R9): BW sends the factory manager to the Facility Information Form;
//   2. callbacks: the Gateway tells BW about the registration (registered, approved, rejected);
//   3. look-ups: BW reads a registration or a facility (R4 manual linking, R19 "BW confirmed as verifier");
// the data submissions (transmission of assessment data, R17/R18) will be the next part, with their own
// schemas next to these and their own event types added to `gatewayCallbackEventSchema`.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

// ---------------------------------------------------------------------------------------------------
// Shared building blocks
// ---------------------------------------------------------------------------------------------------

/** The verifier body BW's hand-off presets; the form shows it and nobody can choose another (R9). */
export const betterWorkVerifier = 'BetterWork' as const;

/** The one secret BW and the Gateway share: it signs the hand-off state, BW's API tokens and the callbacks. */
export const gatewaySharedSecretSchema = z.string().min(32, 'the Gateway shared secret must be at least 32 characters');

export const factoryIdSchema = z
  .string()
  .min(1)
  .max(128)
  .openapi({ description: "The factory's id on the Better Work platform", example: 'fac-bd-000123' });

export const handOffIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{16,128}$/, '16-128 letters, digits, "-" or "_"')
  .openapi({
    description: 'Id of one hand-off (the `jti` of the state): single use, so BW can match callbacks to the attempt',
    example: '7d0f6f0e-4a4b-4d0c-9d64-1b0cf3c3a9e1',
  });

export const emailSchema = z
  .email()
  .max(254)
  .openapi({ description: 'An email address; compared case-insensitively', example: 'manager@factory.example' });

/** The same-email rule (R9): addresses are compared trimmed and case-insensitively. */
export function sameEmail(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

export const callbackUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048)
  .openapi({
    description: "BW's endpoint that receives the Gateway's callbacks for this hand-off (https outside a laptop)",
    example: 'https://bw-slcp.example/api/gateway/callbacks',
  });

export const registrationIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/)
  .openapi({ description: "The Gateway's id of a facility registration", example: 'REG-7KQ2M9XD4P' });

export const gatewayFacilityIdSchema = z
  .string()
  .regex(/^GW-[A-Z0-9]{8}$/, 'a Gateway Facility ID looks like GW-7KQ2M9XD')
  .openapi({
    description: 'The Gateway Facility ID, issued when SLCP approves the registration',
    example: 'GW-7KQ2M9XD',
  });

export const countryCodeSchema = z
  .string()
  .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code such as BD, ID or VN')
  .openapi({ description: 'ISO 3166-1 alpha-2 country code', example: 'BD' });

export const osHubIdSchema = z
  .string()
  .regex(/^[A-Z]{2}\d{7}[A-Z0-9]{6}$/, 'an Open Supply Hub ID such as BD2019085HK3WN1')
  .openapi({ description: "The facility's Open Supply Hub (OS Hub) ID", example: 'BD2019085HK3WN1' });

const timestampSchema = z.iso.datetime({ offset: true }).openapi({ example: '2030-03-01T08:00:00.000Z' });

export const gatewayProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string().optional(),
    errors: z
      .array(z.object({ pointer: z.string(), detail: z.string() }))
      .optional()
      .openapi({ description: 'One entry per invalid field (400, 422)' }),
  })
  .openapi('GatewayProblem', { description: 'RFC 9457 problem details' });

// ---------------------------------------------------------------------------------------------------
// 1. Registration hand-off (R8, R9)
// ---------------------------------------------------------------------------------------------------

/** How long a hand-off link is valid. */
export const registrationStateLifetimeSeconds = 24 * 60 * 60;
/** The JWS `typ` of the state: a state is never accepted as an API token, nor the other way round. */
export const registrationStateType = 'slcp-registration-state+jwt';

export const registrationStateClaimsSchema = z
  .object({
    factoryId: factoryIdSchema,
    verifier: z.literal(betterWorkVerifier),
    email: emailSchema.openapi({
      description: "The factory manager's email on the BW platform: the form only accepts this one (R9)",
    }),
    callbackUrl: callbackUrlSchema,
    jti: handOffIdSchema,
    iat: z.int().nonnegative().openapi({ description: 'Issued at, unix seconds' }),
    exp: z.int().positive().openapi({ description: 'Expires at, unix seconds: iat + 24 h' }),
  })
  .openapi('GatewayRegistrationState', {
    description:
      'Claims of the `state` query parameter: a compact JWS (HS256, key = the UTF-8 bytes of the shared secret, ' +
      `header typ "${registrationStateType}"). The Gateway verifies it, shows the form for it and uses each jti once.`,
  });
export type RegistrationState = z.infer<typeof registrationStateClaimsSchema>;

export const registrationStateParamSchema = z
  .string()
  .min(1)
  .max(4096)
  .openapi({ description: 'The signed hand-off state made by BW (see GatewayRegistrationState)' });

/** What the factory manager submits on the Facility Information Form. */
export const facilityRegistrationFormSchema = z
  .object({
    state: registrationStateParamSchema,
    facilityName: z
      .string()
      .trim()
      .min(2)
      .max(200)
      .openapi({ description: 'Facility name as on the business licence', example: 'Dhaka Knit Ltd.' }),
    address: z.string().trim().min(5).max(500).openapi({
      description: 'Facility address; the Gateway keeps one facility profile per address',
      example: 'Plot 12, Road 3, Savar EPZ, Dhaka',
    }),
    country: countryCodeSchema,
    contactEmail: emailSchema.openapi({
      description: 'Must be the email the factory manager uses on the Better Work platform (the state email)',
    }),
    osHubId: osHubIdSchema.optional(),
    verifier: z.literal(betterWorkVerifier).optional().openapi({
      description: 'Fixed by the hand-off: Better Work. Any other value is refused (R9).',
    }),
  })
  .openapi('GatewayFacilityRegistrationForm', {
    description: 'The Facility Information Form, as form fields (application/x-www-form-urlencoded) or JSON',
  });
export type FacilityRegistrationForm = z.infer<typeof facilityRegistrationFormSchema>;

export const registrationStatusSchema = z.enum(['PENDING_APPROVAL', 'APPROVED', 'REJECTED']).openapi({
  description:
    'PENDING_APPROVAL: submitted, waiting for SLCP (up to 3 days); APPROVED: a Gateway Facility ID is issued; ' +
    'REJECTED: SLCP refused it (see rejectionReason).',
});
export type RegistrationStatus = z.infer<typeof registrationStatusSchema>;

export const handOffRefSchema = z
  .object({ factoryId: factoryIdSchema, jti: handOffIdSchema })
  .openapi('GatewayHandOffRef', { description: 'The hand-off a registration came from, echoed from its state' });

export const registrationAcceptedSchema = z
  .object({
    registrationId: registrationIdSchema,
    status: z.literal('PENDING_APPROVAL'),
    approvalExpectedBy: timestampSchema,
    message: z.string(),
  })
  .openapi('GatewayRegistrationAccepted');

export const facilityRegistrationSchema = z
  .object({
    registrationId: registrationIdSchema,
    status: registrationStatusSchema,
    state: handOffRefSchema,
    verifier: z.literal(betterWorkVerifier),
    submittedAt: timestampSchema,
    decidedAt: timestampSchema.nullable(),
    gatewayFacilityId: gatewayFacilityIdSchema.nullable(),
    rejectionReason: z.string().nullable(),
  })
  .openapi('GatewayFacilityRegistration', {
    description: 'A registration made through a BW hand-off, for BW to reconcile when a callback went missing',
  });
export type FacilityRegistration = z.infer<typeof facilityRegistrationSchema>;

// ---------------------------------------------------------------------------------------------------
// 2. Callbacks: the Gateway POSTs these to the hand-off's callbackUrl (application/json)
// ---------------------------------------------------------------------------------------------------

const eventBase = {
  eventId: z.uuid().openapi({ description: 'Same on every delivery attempt of one event: deduplicate on it' }),
  occurredAt: timestampSchema,
  state: handOffRefSchema,
  registrationId: registrationIdSchema,
  email: emailSchema.openapi({ description: 'The contact email the registration was made with' }),
};

export const facilityRegisteredEventSchema = z
  .object({ ...eventBase, type: z.literal('facility.registered') })
  .openapi('GatewayFacilityRegisteredEvent', {
    description: 'The Facility Information Form was submitted; SLCP approval follows (up to 3 days)',
  });

export const facilityApprovedEventSchema = z
  .object({ ...eventBase, type: z.literal('facility.approved'), gatewayFacilityId: gatewayFacilityIdSchema })
  .openapi('GatewayFacilityApprovedEvent', {
    description: 'SLCP approved the registration and issued the Gateway Facility ID: the connection is established',
  });

export const facilityRejectedEventSchema = z
  .object({ ...eventBase, type: z.literal('facility.rejected'), reason: z.string().min(1).max(2000) })
  .openapi('GatewayFacilityRejectedEvent', { description: 'SLCP refused the registration' });

export const gatewayCallbackEventSchema = z
  .discriminatedUnion('type', [facilityRegisteredEventSchema, facilityApprovedEventSchema, facilityRejectedEventSchema])
  .openapi('GatewayCallbackEvent', {
    description:
      'Receivers ignore unknown properties. Events of one registration can arrive out of order and more than once.',
  });
export type GatewayCallbackEvent = z.infer<typeof gatewayCallbackEventSchema>;
export type GatewayCallbackEventType = GatewayCallbackEvent['type'];

// Callback signing: `x-gateway-signature: v1=<hex HMAC-SHA256("<x-gateway-timestamp>.<raw body>")>`,
// keyed with the UTF-8 bytes of the shared secret.
export const gatewayCallbackHeaders = {
  eventId: 'x-gateway-event-id',
  timestamp: 'x-gateway-timestamp',
  signature: 'x-gateway-signature',
} as const;
export const gatewaySignatureVersion = 'v1';
/** How far a callback's timestamp may be from the receiver's clock, by default. */
export const defaultCallbackToleranceSeconds = 300;

export const gatewayCallbackHeadersSchema = z
  .object({
    [gatewayCallbackHeaders.eventId]: z.uuid().openapi({ description: 'The eventId of the body' }),
    [gatewayCallbackHeaders.timestamp]: z
      .string()
      .regex(/^\d{1,15}$/)
      .openapi({ description: 'When this attempt was signed, unix seconds', example: '1898582400' }),
    [gatewayCallbackHeaders.signature]: z
      .string()
      .regex(/^v1=[0-9a-f]{64}$/)
      .openapi({
        description:
          'v1=<lowercase hex HMAC-SHA256 of "<x-gateway-timestamp>.<raw body bytes>" keyed with the shared secret>. ' +
          'Receivers compare in constant time and refuse timestamps more than 300 s from their clock.',
        example: 'v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd',
      }),
  })
  .openapi({ description: 'Signature headers of every callback attempt' });

// ---------------------------------------------------------------------------------------------------
// 3. Look-ups: BW reads registrations and facilities (bearer token signed with the shared secret)
// ---------------------------------------------------------------------------------------------------

/** The JWS `typ` of BW's API tokens. */
export const gatewayApiTokenType = 'slcp-gateway-api+jwt';
export const gatewayApiTokenLifetimeSeconds = 5 * 60;
export const gatewayApiTokenIssuer = betterWorkVerifier;
export const gatewayApiTokenAudience = 'SLCP-Gateway';

export const gatewayApiTokenClaimsSchema = z
  .object({
    iss: z.literal(gatewayApiTokenIssuer),
    aud: z.literal(gatewayApiTokenAudience),
    jti: z.string().min(16).max(128),
    iat: z.int().nonnegative(),
    exp: z.int().positive(),
  })
  .openapi('GatewayApiToken', {
    description:
      `Claims of BW's bearer token: a compact JWS (HS256, shared secret, header typ "${gatewayApiTokenType}"), ` +
      'valid at most 5 minutes.',
  });

export const assessmentStatusSchema = z.enum(['ASI', 'ASC', 'VRP', 'VRC', 'VRF']).openapi({
  description:
    'SLCP assessment status: Assessment Initiated, Assessment Completed, Verification in Progress, ' +
    'Verification Completed, Verification Finalized. A facility edits its data only at ASI and ASC.',
});
export type AssessmentStatus = z.infer<typeof assessmentStatusSchema>;

export const gatewayFacilitySchema = z
  .object({
    gatewayFacilityId: gatewayFacilityIdSchema,
    registrationId: registrationIdSchema
      .nullable()
      .openapi({ description: 'The BW hand-off registration it came from; null when registered elsewhere (R4)' }),
    facilityName: z.string(),
    address: z.string(),
    country: countryCodeSchema,
    osHubId: osHubIdSchema.nullable(),
    verifier: z
      .string()
      .nullable()
      .openapi({
        description: `The verifier body the facility confirmed; "${betterWorkVerifier}" for Better Work (R19)`,
        example: betterWorkVerifier,
      }),
    assessmentStatus: assessmentStatusSchema
      .nullable()
      .openapi({ description: 'Status of the latest assessment; null while none has started' }),
    approvedAt: timestampSchema,
  })
  .openapi('GatewayFacility', {
    description:
      'An approved facility profile. Registrations waiting for approval or rejected have no Gateway Facility ID: ' +
      'their status is PENDING_APPROVAL or REJECTED on GET /facility-registrations/{registrationId}.',
  });
export type GatewayFacility = z.infer<typeof gatewayFacilitySchema>;
