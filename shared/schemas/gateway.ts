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
//   4. data submissions (R17, R18): BW transmits a cycle's self-assessment and compliance data (idempotent by
//      key), reads a submission's status, and the Gateway calls back when SLCP has validated it.
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

// ---------------------------------------------------------------------------------------------------
// 4. Data submissions (R17, R18): BW transmits a cycle's data; SLCP validates it and calls back
// ---------------------------------------------------------------------------------------------------

/** The header that makes a submission idempotent: a retry with the same key never creates a second one. */
export const idempotencyKeyHeader = 'idempotency-key';
/** Set on the answer to a repeated submission (same key, same body): the first answer, replayed. */
export const idempotentReplayedHeader = 'idempotent-replayed';
/** Submissions larger than this are refused with 413. */
export const maxSubmissionBytes = 4 * 1024 * 1024;

export const submissionKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{7,127}$/, '8-128 letters, digits, "-" or "_"')
  .openapi({
    description:
      "BW's transmission id: the `Idempotency-Key` of the submission, and the key BW reads its status with. The same " +
      'key with the same body answers the first answer again; with another body it answers 409.',
    example: 'BD-7KQ2M9XA-C1-TX',
  });

export const submissionIdSchema = z
  .string()
  .regex(/^SUB-[A-Z0-9]{10}$/)
  .openapi({ description: "The Gateway's id of a data submission", example: 'SUB-7KQ2M9XD4P' });

const questionIdSchema = z
  .string()
  .regex(/^[A-Z]{2,3}-[A-Z]{3}-[1-9][0-9]{0,3}$/, 'a question id such as FP-BAS-26')
  .openapi({ description: 'A question of the SLCP tool version (SECTION-SUBTOPIC-n)', example: 'WH-OVT-3' });
const sectionCodeSchema = z
  .string()
  .regex(/^[A-Z]{2,3}$/)
  .openapi({ description: 'The section of the SLCP tool the question is in', example: 'WH' });
const calendarDateSchema = z.iso.date().openapi({ example: '2030-03-01' });
const toolVersionSchema = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$/)
  .openapi({ description: 'A version of the SLCP tool (question bank)', example: '1.4.0' });
const bwIdSchema = z.string().regex(/^[A-Za-z0-9-]{3,64}$/);

export const answerValueSchema = z
  .union([z.boolean(), z.number(), z.string().min(1).max(5000), z.array(z.string().min(1).max(40)).min(1).max(100)])
  .openapi({
    description:
      'As the question asks: yes/no a boolean, a number, a date YYYY-MM-DD or text a string, a single choice its ' +
      'option code, a multiple choice its option codes',
  });

export const selfAssessedAnswerSchema = z
  .object({
    answer: answerValueSchema,
    comment: z.string().max(1000).nullable(),
  })
  .openapi('GatewaySelfAssessedAnswer', { description: "The factory's own answer, as submitted (R13)" });

export const step1VerificationSchema = z
  .enum(['assessedByBetterWork', 'facilityProfile', 'neitherAssessedNorVerified'])
  .openapi({
    description:
      'assessedByBetterWork: Better Work assessed the question (its finding is `betterWork`); facilityProfile: a ' +
      'Facility Profile question, self-reported and never assessed; neitherAssessedNorVerified: after a Virtual ' +
      'Compliance Check, a question outside its scope: the self-assessed answer is neither assessed nor verified (R17).',
  });
export type Step1Verification = z.infer<typeof step1VerificationSchema>;

export const betterWorkFindingSchema = z
  .object({
    result: z.enum(['compliant', 'nonCompliant']),
    notes: z.string().max(1000).nullable(),
    cluster: z.string().min(1).max(100).openapi({ example: 'Working Time' }),
    point: z.string().min(1).max(100).openapi({ example: 'Overtime' }),
  })
  .openapi('GatewayBetterWorkFinding', {
    description: "Better Work's own finding (R15); it stands in for verification",
  });

export const step1EntrySchema = z
  .object({
    questionId: questionIdSchema,
    section: sectionCodeSchema,
    selfAssessment: selfAssessedAnswerSchema
      .nullable()
      .openapi({ description: 'null when the factory left an assessed question unanswered' }),
    verification: step1VerificationSchema,
    betterWork: betterWorkFindingSchema
      .nullable()
      .openapi({ description: 'Present exactly when assessedByBetterWork' }),
  })
  .openapi('GatewayStep1Entry', {
    description: "A Step 1 question: the factory's self-assessed answer side by side with Better Work's finding (R17)",
  });
export type Step1Entry = z.infer<typeof step1EntrySchema>;

export const enhancedEntrySchema = z
  .object({
    questionId: questionIdSchema,
    section: sectionCodeSchema,
    step: z.union([z.literal(2), z.literal(3)]),
    selfAssessment: selfAssessedAnswerSchema,
    verification: z.literal('selfAssessed'),
  })
  .openapi('GatewayEnhancedEntry', {
    description: 'A Step 2 or Step 3 question: "enhanced self-assessment", self-assessed and not assessed (R17)',
  });
export type EnhancedEntry = z.infer<typeof enhancedEntrySchema>;

const maxEntries = 2000;

export const dataSubmissionSchema = z
  .object({
    schemaVersion: z.literal('1'),
    transmissionId: submissionKeySchema.openapi({ description: 'Equal to the Idempotency-Key header' }),
    gatewayFacilityId: gatewayFacilityIdSchema,
    verifier: z.literal(betterWorkVerifier),
    facility: z.object({ factoryId: bwIdSchema.openapi({ example: 'BD-7KQ2M9XA' }), country: countryCodeSchema }),
    cycle: z.object({
      cycleId: bwIdSchema.openapi({ example: 'BD-7KQ2M9XA-C1' }),
      startsOn: calendarDateSchema,
      endsOn: calendarDateSchema,
    }),
    tool: z
      .object({ toolId: z.literal('caf'), version: toolVersionSchema })
      .openapi({ description: 'The SLCP tool version the self-assessment was answered on' }),
    selfAssessment: z.object({
      selfAssessmentId: bwIdSchema,
      step: z.union([z.literal(1), z.literal(2), z.literal(3)]),
      submittedAt: timestampSchema,
    }),
    assessment: z
      .object({
        assessmentId: bwIdSchema,
        method: z.enum(['visit', 'vcc']).openapi({
          description:
            'visit: an unannounced assessment visit; vcc: a Virtual Compliance Check (a subset of questions)',
        }),
        toolVersion: toolVersionSchema,
        firstDay: calendarDateSchema,
        lastDay: calendarDateSchema,
        completedAt: timestampSchema,
      })
      .openapi({ description: "Better Work's compliance assessment of Step 1 (R15)" }),
    report: z
      .object({ reportId: bwIdSchema.openapi({ example: 'BD-7KQ2M9XA-C1-R4K2Q9Z' }), releasedAt: timestampSchema })
      .openapi({ description: 'The released assessment report this data belongs to (R16)' }),
    callbackUrl: callbackUrlSchema.openapi({
      description: "Where the Gateway POSTs this submission's signed events (submission.validated, ...)",
    }),
    step1: z.array(step1EntrySchema).min(1).max(maxEntries),
    enhanced: z.array(enhancedEntrySchema).max(maxEntries),
    summary: z
      .object({
        step1: z.int().nonnegative(),
        assessedByBetterWork: z.int().nonnegative(),
        facilityProfile: z.int().nonnegative(),
        neitherAssessedNorVerified: z.int().nonnegative(),
        enhanced: z.int().nonnegative(),
      })
      .openapi({ description: 'The entry counts, for a quick check on both sides' }),
  })
  .superRefine((submission, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const seen = new Set<string>();
    const count = { assessedByBetterWork: 0, facilityProfile: 0, neitherAssessedNorVerified: 0 };
    submission.step1.forEach((entry, i) => {
      if (seen.has(entry.questionId)) issue(['step1', i, 'questionId'], 'repeats a question');
      seen.add(entry.questionId);
      count[entry.verification] += 1;
      if ((entry.verification === 'assessedByBetterWork') !== (entry.betterWork !== null)) {
        issue(['step1', i, 'betterWork'], 'a finding is given exactly for the questions Better Work assessed');
      }
      if (entry.verification !== 'assessedByBetterWork' && entry.selfAssessment === null) {
        issue(['step1', i, 'selfAssessment'], 'a question Better Work did not assess needs the self-assessed answer');
      }
      if (entry.verification === 'neitherAssessedNorVerified' && submission.assessment.method !== 'vcc') {
        issue(
          ['step1', i, 'verification'],
          'only a Virtual Compliance Check leaves questions neither assessed nor verified'
        );
      }
    });
    submission.enhanced.forEach((entry, i) => {
      if (seen.has(entry.questionId)) issue(['enhanced', i, 'questionId'], 'repeats a question');
      seen.add(entry.questionId);
      if (entry.step > submission.selfAssessment.step) {
        issue(['enhanced', i, 'step'], `the self-assessment is Step ${submission.selfAssessment.step}`);
      }
    });
    const expected = {
      step1: submission.step1.length,
      ...count,
      enhanced: submission.enhanced.length,
    };
    for (const [key, value] of Object.entries(expected)) {
      if (submission.summary[key as keyof typeof expected] !== value) {
        issue(['summary', key], `must be ${value}, the number of such entries`);
      }
    }
  })
  .openapi('GatewayDataSubmission', {
    description:
      "A cycle's data for the Gateway (R17): Step 1 self-assessed answers side by side with Better Work's findings, " +
      'Steps 2 and 3 as enhanced self-assessment, the Gateway Facility ID, the tool version, the cycle and the ' +
      "released report's reference. For Better Work factories the transmitted Better Work data stands in for verification.",
  });
export type DataSubmission = z.infer<typeof dataSubmissionSchema>;

export const submissionStatusSchema = z.enum(['RECEIVED', 'VALIDATED', 'VALIDATION_FAILED']).openapi({
  description:
    'RECEIVED: SLCP validates it (the facility is at VRP, Verification in Progress); VALIDATED: SLCP validated it ' +
    '(VRF, Verification Finalized) and sharing via the Gateway is enabled; VALIDATION_FAILED: SLCP did not validate it.',
});
export type SubmissionStatus = z.infer<typeof submissionStatusSchema>;

export const gatewaySubmissionSchema = z
  .object({
    submissionId: submissionIdSchema,
    idempotencyKey: submissionKeySchema,
    status: submissionStatusSchema,
    gatewayFacilityId: gatewayFacilityIdSchema,
    assessmentStatus: assessmentStatusSchema,
    receivedAt: timestampSchema,
    validationExpectedBy: timestampSchema,
    validatedAt: timestampSchema.nullable(),
    validationFailureReason: z.string().nullable(),
  })
  .openapi('GatewaySubmission', { description: 'A data submission as the Gateway holds it' });
export type GatewaySubmission = z.infer<typeof gatewaySubmissionSchema>;

const submissionEventBase = {
  eventId: z.uuid().openapi({ description: 'Same on every delivery attempt of one event: deduplicate on it' }),
  occurredAt: timestampSchema,
  submissionId: submissionIdSchema,
  idempotencyKey: submissionKeySchema,
  gatewayFacilityId: gatewayFacilityIdSchema,
  factoryId: bwIdSchema.openapi({ description: "The factory's id on the BW platform, from the submission" }),
  cycleId: bwIdSchema,
};

export const submissionValidatedEventSchema = z
  .object({ ...submissionEventBase, type: z.literal('submission.validated'), assessmentStatus: z.literal('VRF') })
  .openapi('GatewaySubmissionValidatedEvent', {
    description: 'SLCP validated the data (R18): sharing via the Gateway is enabled',
  });

export const submissionValidationFailedEventSchema = z
  .object({
    ...submissionEventBase,
    type: z.literal('submission.validationFailed'),
    reason: z.string().min(1).max(2000),
  })
  .openapi('GatewaySubmissionValidationFailedEvent', { description: 'SLCP did not validate the data' });

export const gatewaySubmissionEventSchema = z
  .discriminatedUnion('type', [submissionValidatedEventSchema, submissionValidationFailedEventSchema])
  .openapi('GatewaySubmissionEvent', {
    description: 'Receivers ignore unknown properties. An event can arrive more than once (same eventId).',
  });
export type GatewaySubmissionEvent = z.infer<typeof gatewaySubmissionEventSchema>;
