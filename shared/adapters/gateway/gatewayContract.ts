// The OpenAPI 3.1 document of the SLCP Gateway contract, generated from the zod schemas that the client
// and the simulator validate with. The committed copy is docs/gateway.openapi.json; a unit test keeps
// it equal to this (UPDATE_CONTRACT=1 npx jest test/unit/gatewayContract.test.ts rewrites it).
//
// One function per part of the contract. The data submissions (transmission of assessment data to the
// Gateway, R17/R18) will be one more part in `contractParts`, with its own tag.
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  facilityRegistrationFormSchema,
  facilityRegistrationSchema,
  gatewayCallbackEventSchema,
  gatewayCallbackHeadersSchema,
  gatewayFacilityIdSchema,
  gatewayFacilitySchema,
  gatewayProblemSchema,
  registrationAcceptedSchema,
  registrationIdSchema,
  registrationStateClaimsSchema,
  registrationStateParamSchema,
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

const contractParts: ((registry: OpenAPIRegistry) => void)[] = [registrationPart, callbacksPart, lookupsPart];

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
        'Gateway Facility ID, and the Gateway tells BW through signed callbacks. All parties share one secret ' +
        '(at least 32 characters; Key Vault in Azure).',
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
    ],
  });
}
