// The OpenAPI 3.1 document of the SLCP Gateway contract, generated from the zod schemas that the client
// and the simulator validate with. The committed copy is docs/gateway.openapi.json; a unit test keeps
// it equal to this (UPDATE_CONTRACT=1 npx jest test/unit/gatewayContract.test.ts rewrites it).
//
// One function per part of the contract: the registration hand-off, the callbacks, the look-ups, and the data
// submissions (R17, R18) with their own webhook.
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  dataSubmissionSchema,
  facilityRegistrationFormSchema,
  facilityRegistrationSchema,
  gatewayCallbackEventSchema,
  gatewayCallbackHeadersSchema,
  gatewayFacilityIdSchema,
  gatewayFacilitySchema,
  gatewayProblemSchema,
  gatewaySubmissionEventSchema,
  gatewaySubmissionSchema,
  idempotencyKeyHeader,
  idempotentReplayedHeader,
  maxSubmissionBytes,
  registrationAcceptedSchema,
  registrationIdSchema,
  registrationStateClaimsSchema,
  registrationStateParamSchema,
  submissionKeySchema,
} from '../../schemas/gateway';

const html = (description: string) => ({
  description,
  content: { 'text/html': { schema: { type: 'string' as const } } },
});
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: gatewayProblemSchema } },
});
const htmlOrProblem = (description: string) => ({
  description,
  content: {
    'text/html': { schema: { type: 'string' as const } },
    'application/problem+json': { schema: gatewayProblemSchema },
  },
});

const tags = {
  registration: 'Facility registration',
  lookups: 'Look-ups',
  callbacks: 'Callbacks',
  submissions: 'Data submissions',
} as const;

function registrationPart(registry: OpenAPIRegistry): void {
  registry.register('GatewayRegistrationState', registrationStateClaimsSchema);
  registry.registerPath({
    method: 'get',
    path: '/facility-registration',
    tags: [tags.registration],
    summary: 'The Facility Information Form, opened from the BW platform ("Connect with SLCP")',
    description:
      'BW sends the factory manager here with a signed `state` (R9). The form asks for the facility name (as on ' +
      'the business licence), address, country, contact email (must be the email used on the BW platform) and ' +
      'optionally the OS Hub ID; the verifier is shown as Better Work and cannot be changed. Answers are English ' +
      'HTML with no external assets. A state used once already answers 409.',
    request: { query: z.object({ state: registrationStateParamSchema }) },
    responses: {
      200: html('The form'),
      400: html('The state is missing, not valid or expired: open the link again from the BW platform'),
      409: html('This hand-off was used already'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/facility-registration',
    tags: [tags.registration],
    summary: 'Submit the Facility Information Form for SLCP approval',
    description:
      'Form fields or JSON. Answers HTML, or JSON when the request is JSON or accepts only JSON. On success the ' +
      'Gateway records the registration, sends `facility.registered` to the callbackUrl of the state, and approves ' +
      'or rejects within 3 days (then `facility.approved` with the Gateway Facility ID, or `facility.rejected`).',
    request: {
      body: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': { schema: facilityRegistrationFormSchema },
          'application/json': { schema: facilityRegistrationFormSchema },
        },
      },
    },
    responses: {
      201: {
        description: 'Submitted: "SLCP will confirm by email; approval can take up to 3 days"',
        content: {
          'text/html': { schema: { type: 'string' as const } },
          'application/json': { schema: registrationAcceptedSchema },
        },
      },
      400: htmlOrProblem('The state is missing, not valid or expired, or the body cannot be read'),
      409: htmlOrProblem(
        'The hand-off was used already, or a facility profile exists for this address (one per address: ask BW to ' +
          'link its Gateway ID, R4)'
      ),
      413: htmlOrProblem('The body is larger than 64 KiB'),
      415: htmlOrProblem('Neither form fields nor JSON'),
      422: htmlOrProblem(
        'A field is not valid; in particular the contact email must be the one used on the BW platform, and the ' +
          'verifier can only be Better Work'
      ),
    },
  });
}

function lookupsPart(registry: OpenAPIRegistry): void {
  const bearer = registry.registerComponent('securitySchemes', 'gatewayApiToken', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'A compact JWS made by BW: HS256 with the shared secret, header typ "slcp-gateway-api+jwt", claims ' +
      '{ iss: "BetterWork", aud: "SLCP-Gateway", jti, iat, exp } (at most 5 minutes).',
  });
  const security = [{ [bearer.name]: [] }];
  const unauthorized = problem('No valid bearer token');
  registry.registerPath({
    method: 'get',
    path: '/facility-registrations/{registrationId}',
    tags: [tags.lookups],
    summary: 'A registration made through a BW hand-off: PENDING_APPROVAL, APPROVED or REJECTED',
    description: 'For BW to reconcile when a callback went missing, and to chase an approval that is late.',
    security,
    request: { params: z.object({ registrationId: registrationIdSchema }) },
    responses: {
      200: { description: 'The registration', content: { 'application/json': { schema: facilityRegistrationSchema } } },
      401: unauthorized,
      404: problem('No such registration'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/facilities/{gatewayFacilityId}',
    tags: [tags.lookups],
    summary: 'An approved facility and the status of its latest assessment (ASI, ASC, VRP, VRC, VRF)',
    description:
      'Facility IDs exist only once SLCP approved a registration, so this never answers PENDING_APPROVAL or ' +
      'REJECTED: those are registration statuses. BW uses it to check a Gateway ID given for manual linking (R4) ' +
      'and that the facility confirmed Better Work as verifier (R19).',
    security,
    request: { params: z.object({ gatewayFacilityId: gatewayFacilityIdSchema }) },
    responses: {
      200: { description: 'The facility', content: { 'application/json': { schema: gatewayFacilitySchema } } },
      401: unauthorized,
      404: problem('No facility has this ID'),
    },
  });
}

function callbacksPart(registry: OpenAPIRegistry): void {
  registry.registerWebhook({
    method: 'post',
    path: 'gatewayEvent',
    tags: [tags.callbacks],
    summary: 'The Gateway tells BW about a registration; POSTed to the callbackUrl of the hand-off state',
    description:
      'Signed: `x-gateway-signature: v1=<hex HMAC-SHA256 of "<x-gateway-timestamp>.<raw body>" keyed with the ' +
      'shared secret>`. BW verifies the signature in constant time over the raw bytes, refuses timestamps more ' +
      'than 300 s from its clock, and deduplicates on eventId. Any answer but 2xx (or no answer within 10 s) is ' +
      'retried with backoff (1 min, 5 min, 30 min, 2 h: 5 attempts in all), each attempt with the same eventId and ' +
      'body and a fresh timestamp and signature. Events are not ordered: `facility.approved` can arrive before ' +
      '`facility.registered`.',
    request: {
      headers: gatewayCallbackHeadersSchema,
      body: { required: true, content: { 'application/json': { schema: gatewayCallbackEventSchema } } },
    },
    responses: {
      204: { description: 'Received (any 2xx)' },
      400: problem('Signed correctly but not an event of this contract (retried like any answer but 2xx)'),
      401: problem('Signature missing, wrong or outside the time tolerance'),
    },
  });
}

const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait before trying again (or an HTTP date); BW never retries sooner',
    schema: { type: 'string' as const, example: '30' },
  },
};

function submissionsPart(registry: OpenAPIRegistry): void {
  const security = [{ gatewayApiToken: [] }];
  const receipt = (description: string, headers?: Record<string, { description: string; schema: object }>) => ({
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema: gatewaySubmissionSchema } },
  });
  const transient = (description: string) => ({ ...problem(description), headers: retryAfter });
  registry.registerPath({
    method: 'post',
    path: '/data-submissions',
    tags: [tags.submissions],
    summary: "Transmit a cycle's self-assessment and compliance data (R17); idempotent by key",
    description:
      'BW sends the data of a cycle once its report is released and the factory completed the steps (sharing ' +
      "effective for the cycle, Gateway connected, self-assessment submitted). The `Idempotency-Key` is BW's " +
      'transmission id and equals `transmissionId` in the body: a retry with the same key and body never creates a ' +
      'second submission (it answers 200 with the first receipt and `Idempotent-Replayed: true`); the same key with ' +
      'another body answers 409. BW treats 400, 401, 403, 404, 409, 413 and 422 as final (not retried: staff look ' +
      'into it) and 408, 425, 429, 5xx, a timeout or an answer off this contract as transient: it retries with ' +
      'exponential backoff and jitter, never sooner than `Retry-After`. SLCP validates the data within 15 days of ' +
      "the report's release (R18) and tells BW with `submission.validated` at the body's callbackUrl.",
    security,
    request: {
      headers: z.object({ [idempotencyKeyHeader]: submissionKeySchema }),
      body: { required: true, content: { 'application/json': { schema: dataSubmissionSchema } } },
    },
    responses: {
      202: receipt('Received: SLCP validates it'),
      200: receipt('The same key and body were received before: the first receipt, replayed', {
        [idempotentReplayedHeader]: { description: 'true', schema: { type: 'string', enum: ['true'] } },
      }),
      400: problem('No Idempotency-Key, a key that differs from transmissionId, or a body that is not JSON'),
      401: problem('No valid bearer token'),
      409: problem('This Idempotency-Key was used with another body'),
      413: problem(`The body is larger than ${maxSubmissionBytes / 1024 / 1024} MiB`),
      422: problem(
        'The body does not match the contract (errors[] names each field), or the Gateway Facility ID is not an ' +
          'approved facility with Better Work as its verifier'
      ),
      429: transient('Too many requests: wait Retry-After'),
      503: transient('The Gateway is unavailable (maintenance, outage): wait Retry-After'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/data-submissions/{idempotencyKey}',
    tags: [tags.submissions],
    summary: 'A data submission and its validation status, by the key it was submitted with',
    description:
      'BW asks when no `submission.validated` came by 15 days after the release (R18), and to reconcile a ' +
      'submission whose answer got lost. Faults as for the submission (429, 503 with Retry-After).',
    security,
    request: { params: z.object({ idempotencyKey: submissionKeySchema }) },
    responses: {
      200: receipt('The submission'),
      401: problem('No valid bearer token'),
      404: problem('Nothing was submitted with this key'),
      429: transient('Too many requests: wait Retry-After'),
      503: transient('The Gateway is unavailable: wait Retry-After'),
    },
  });
  registry.registerWebhook({
    method: 'post',
    path: 'submissionEvent',
    tags: [tags.callbacks],
    summary: "The Gateway tells BW about a data submission; POSTed to the submission's callbackUrl",
    description:
      'Signed and retried exactly as the registration callbacks (the same headers, tolerance and backoff). BW ' +
      'deduplicates on eventId. `submission.validated`: SLCP validated the data and sharing via the Gateway is ' +
      'enabled (R18); `submission.validationFailed`: it did not, with the reason.',
    request: {
      headers: gatewayCallbackHeadersSchema,
      body: { required: true, content: { 'application/json': { schema: gatewaySubmissionEventSchema } } },
    },
    responses: {
      204: { description: 'Received (any 2xx)' },
      400: problem('Signed correctly but not an event of this contract'),
      401: problem('Signature missing, wrong or outside the time tolerance'),
    },
  });
}

const contractParts: ((registry: OpenAPIRegistry) => void)[] = [
  registrationPart,
  callbacksPart,
  lookupsPart,
  submissionsPart,
];

export function gatewayOpenApiDocument() {
  const registry = new OpenAPIRegistry();
  for (const part of contractParts) part(registry);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'SLCP Gateway: contract with Better Work',
      version: '1.0.0',
      description:
        'The SLCP Gateway (operated by ITC) has no public API; this is the contract the Better Work platform and ' +
        'the Gateway agree on, and the one the local simulator (local/gateway/simulator.ts) implements. BW sends a ' +
        "factory manager to the Gateway's Facility Information Form with Better Work preset as verifier; the " +
        'manager registers with the email used on the BW platform; SLCP approves within 3 days and issues a ' +
        "Gateway Facility ID, and the Gateway tells BW through signed callbacks. After each cycle's report is " +
        'released BW transmits the data (idempotent by key), and SLCP validates it within 15 days and calls back. ' +
        'All parties share one secret (at least 32 characters; Key Vault in Azure).',
    },
    servers: [
      {
        url: '{gatewayBaseUrl}',
        description: 'The Gateway; the local simulator listens on http://127.0.0.1:7072',
        variables: { gatewayBaseUrl: { default: 'http://127.0.0.1:7072' } },
      },
    ],
    tags: [
      { name: tags.registration, description: 'The hand-off from BW and the Facility Information Form (R8, R9)' },
      { name: tags.callbacks, description: 'What the Gateway tells BW, signed with the shared secret' },
      { name: tags.lookups, description: 'What BW reads from the Gateway, with a bearer token' },
      {
        name: tags.submissions,
        description: "BW transmits a cycle's data (R17) and reads its validation status (R18), with a bearer token",
      },
    ],
  });
}
