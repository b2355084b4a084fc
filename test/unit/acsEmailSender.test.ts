import type { EmailClientOptions } from '@azure/communication-email';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { acsOperationId, createAcsEmailSender, toAcsEmailMessage } from '../../shared/adapters/email/acsEmailSender';
import type { EmailMessage } from '../../shared/ports/email';

// The SDK's own HTTP pipeline runs (serialisation, auth policy, retries, long-running-operation polling);
// only the network is replaced, through the `httpClient` that EmailClientOptions accepts.
type HttpClient = NonNullable<EmailClientOptions['httpClient']>;
type PipelineRequest = Parameters<HttpClient['sendRequest']>[0];
type PipelineResponse = Awaited<ReturnType<HttpClient['sendRequest']>>;
type HttpHeaders = PipelineResponse['headers'];

const endpoint = 'https://acs-test.europe.communication.azure.com';
const senderAddress = 'DoNotReply@mail.bw-slcp.example';
const apiVersion = '2025-09-01';

function headers(init: Record<string, string> = {}): HttpHeaders {
  const map = new Map<string, string>(Object.entries(init).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    get: (name) => map.get(name.toLowerCase()),
    has: (name) => map.has(name.toLowerCase()),
    set: (name, value) => void map.set(name.toLowerCase(), String(value)),
    delete: (name) => void map.delete(name.toLowerCase()),
    toJSON: () => Object.fromEntries(map),
    [Symbol.iterator]: () => map.entries(),
  };
}

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

/** A fake ACS: answers emails:send and the operation status from scripted replies, recording every request. */
function fakeAcs(script: { send: Reply[]; poll: Reply[] }) {
  const sent: Sent[] = [];
  const httpClient: HttpClient = {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      sent.push({
        method: request.method,
        url: request.url,
        headers: request.headers.toJSON(),
        body: typeof request.body === 'string' ? JSON.parse(request.body) : request.body,
      });
      const queue = request.method === 'POST' ? script.send : script.poll;
      const reply = (queue.length > 1 ? queue.shift() : queue[0]) ?? { status: 500 };
      return {
        request,
        status: reply.status,
        headers: headers({ 'content-type': 'application/json', ...reply.headers }),
        bodyAsText: reply.body === undefined ? '' : JSON.stringify(reply.body),
      };
    },
  };
  return { sent, httpClient };
}

function fakeCredential() {
  const scopes: (string | string[])[] = [];
  const credential: TokenCredential = {
    async getToken(scope: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
      scopes.push(scope);
      return { token: 'fake-managed-identity-token', expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
  return { scopes, credential };
}

const message: EmailMessage = {
  id: 'report-released:factory-42:cycle-2026',
  to: 'manager@factory.example',
  subject: 'Your assessment report is released',
  text: 'The report is released.',
  html: '<p>The report is <b>released</b>.</p>',
};

const operationLocation = (id: string) => `${endpoint}/emails/operations/${id}?api-version=${apiVersion}`;

function accepted(id: string): Reply {
  return {
    status: 202,
    body: { id, status: 'Running' },
    headers: { 'operation-location': operationLocation(id), 'retry-after': '0' },
  };
}

function sender(httpClient: HttpClient, credential: TokenCredential, extra: { maxWaitMs?: number } = {}) {
  return createAcsEmailSender({
    endpoint,
    senderAddress,
    credential,
    clientOptions: { httpClient, retryOptions: { maxRetries: 2, retryDelayInMs: 1, maxRetryDelayInMs: 5 } },
    pollIntervalMs: 1,
    ...extra,
  });
}

describe('ACS email sender', () => {
  const opId = acsOperationId(message.id);

  it('sends the sender, recipient, subject, bodies and the operation id with the managed identity, then polls', async () => {
    const acs = fakeAcs({
      send: [accepted(opId)],
      poll: [
        { status: 200, body: { id: opId, status: 'Running' } },
        { status: 200, body: { id: opId, status: 'Succeeded' } },
      ],
    });
    const { scopes, credential } = fakeCredential();

    await sender(acs.httpClient, credential).send(message);

    const [send, ...polls] = acs.sent;
    expect(send?.method).toBe('POST');
    expect(send?.url).toBe(`${endpoint}/emails:send?api-version=${apiVersion}`);
    expect(send?.headers['operation-id']).toBe(opId);
    expect(send?.headers.authorization).toBe('Bearer fake-managed-identity-token');
    expect(send?.body).toEqual({
      senderAddress,
      recipients: { to: [{ address: 'manager@factory.example' }] },
      content: {
        subject: 'Your assessment report is released',
        plainText: 'The report is released.',
        html: '<p>The report is <b>released</b>.</p>',
      },
    });
    expect(polls.length).toBeGreaterThanOrEqual(2);
    for (const poll of polls) {
      expect(poll.method).toBe('GET');
      expect(poll.url).toBe(operationLocation(opId));
      expect(poll.headers.authorization).toBe('Bearer fake-managed-identity-token');
    }
    expect(scopes.flat()).toContain('https://communication.azure.com//.default');
  });

  it('gives every attempt at the same message the same operation id, SDK retries included', async () => {
    const acs = fakeAcs({
      send: [{ status: 503, body: { error: { code: 'ServiceUnavailable', message: 'busy' } } }, accepted(opId)],
      poll: [{ status: 200, body: { id: opId, status: 'Succeeded' } }],
    });
    const { credential } = fakeCredential();
    const acsSender = sender(acs.httpClient, credential);

    await acsSender.send(message);
    await acsSender.send({ ...message });

    const posts = acs.sent.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(3);
    expect(new Set(posts.map((r) => r.headers['operation-id']))).toEqual(new Set([opId]));
  });

  it('throws when the operation fails, naming the message, the operation and the reason', async () => {
    const acs = fakeAcs({
      send: [accepted(opId)],
      poll: [
        {
          status: 200,
          body: {
            id: opId,
            status: 'Failed',
            error: { code: 'EmailDroppedAllRecipientsSuppressed', message: 'suppressed' },
          },
        },
      ],
    });
    const { credential } = fakeCredential();
    const attempt = sender(acs.httpClient, credential).send(message);
    await expect(attempt).rejects.toThrow(`email ${message.id} (ACS operation ${opId}) was not sent:`);
    await expect(attempt).rejects.toThrow(/has failed.*EmailDroppedAllRecipientsSuppressed.*suppressed/);
  });

  it('throws when the service refuses the request', async () => {
    const acs = fakeAcs({
      send: [{ status: 400, body: { error: { code: 'InvalidSenderAddress', message: 'The sender is not verified' } } }],
      poll: [],
    });
    const { credential } = fakeCredential();
    await expect(sender(acs.httpClient, credential).send(message)).rejects.toThrow(
      /was not sent: The sender is not verified \(HTTP 400 InvalidSenderAddress\)/
    );
    expect(acs.sent).toHaveLength(1);
  });

  it('throws when the operation does not finish within the bounded wait', async () => {
    const acs = fakeAcs({ send: [accepted(opId)], poll: [{ status: 200, body: { id: opId, status: 'Running' } }] });
    const { credential } = fakeCredential();
    const started = Date.now();
    await expect(sender(acs.httpClient, credential, { maxWaitMs: 200 }).send(message)).rejects.toThrow(
      /was not confirmed within 0\.2 s; a retry reuses the same operation id/
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('sends a text-only message without an html part', () => {
    expect(toAcsEmailMessage({ id: 'x', to: 'a@b.example', subject: 's', text: 't' }, senderAddress)).toEqual({
      senderAddress,
      recipients: { to: [{ address: 'a@b.example' }] },
      content: { subject: 's', plainText: 't' },
    });
  });
});

describe('acsOperationId', () => {
  it('maps any id to a stable name-based UUID, and keeps a UUID as it is', () => {
    const id = acsOperationId('reminder:factory-1:2026-11');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(acsOperationId('reminder:factory-1:2026-11')).toBe(id);
    expect(acsOperationId('reminder:factory-1:2026-12')).not.toBe(id);
    expect(acsOperationId('9F0C5D2E-8B1A-4C3D-9E2F-0A1B2C3D4E5F')).toBe('9f0c5d2e-8b1a-4c3d-9e2f-0a1b2c3d4e5f');
  });
});
