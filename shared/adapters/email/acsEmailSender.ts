import { createHash } from 'node:crypto';
import type {
  EmailClient,
  EmailClientOptions,
  EmailMessage as AcsEmailMessage,
  EmailSendOptionalParams,
} from '@azure/communication-email';
import type { TokenCredential } from '@azure/identity';
import type { EmailMessage, EmailSender } from '../../ports/email';

export interface AcsEmailSenderConfig {
  /** The Communication Services resource, e.g. https://<name>.<geo>.communication.azure.com */
  endpoint: string;
  /** A MailFrom address of a domain connected to the resource, e.g. DoNotReply@<domain> */
  senderAddress: string;
  /** The app's managed identity (see azureCredential). */
  credential: TokenCredential;
  /** Pipeline options for the SDK client (tests pass an `httpClient`). */
  clientOptions?: EmailClientOptions;
  /** How often to ask for the send operation's status; default 1 s (a Retry-After from the service wins). */
  pollIntervalMs?: number;
  /** The longest a send waits for the operation to finish, requests and polling included; default 60 s. */
  maxWaitMs?: number;
}

/** Namespace of the name-based (v5) UUIDs made from message ids; fixed forever, or retries stop matching. */
const operationIdNamespace = 'ccd385bd-012b-4686-955a-47f3efcd7101';
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The ACS send operation id for a message id. The service takes a UUID in the `Operation-Id` header,
 * so an id that is not one is mapped to a name-based UUID (RFC 9562 v5): the same id always gives the
 * same operation id, which is what makes a retry reuse the first attempt's operation.
 */
export function acsOperationId(messageId: string): string {
  if (uuidPattern.test(messageId)) return messageId.toLowerCase();
  const namespace = Buffer.from(operationIdNamespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(namespace).update(messageId, 'utf8').digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The ACS request body for one of the app's messages. */
export function toAcsEmailMessage(message: EmailMessage, senderAddress: string): AcsEmailMessage {
  return {
    senderAddress,
    recipients: { to: [{ address: message.to }] },
    content: {
      subject: message.subject,
      plainText: message.text,
      ...(message.html !== undefined ? { html: message.html } : {}),
    },
  };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { statusCode?: unknown }).statusCode;
  const code = (error as { code?: unknown }).code;
  const details = [typeof status === 'number' ? `HTTP ${status}` : '', typeof code === 'string' ? code : '']
    .filter(Boolean)
    .join(' ');
  return details ? `${error.message} (${details})` : error.message;
}

/**
 * Sends email through Azure Communication Services with the managed identity. The SDK is loaded on first
 * use. `send` resolves when the operation has succeeded and throws when it failed, was canceled, or did
 * not finish within `maxWaitMs`; a retry of the same message reuses the same operation id.
 */
export function createAcsEmailSender(config: AcsEmailSenderConfig): EmailSender {
  const pollIntervalMs = config.pollIntervalMs ?? 1_000;
  const maxWaitMs = config.maxWaitMs ?? 60_000;
  let client: Promise<EmailClient> | undefined;
  const getClient = () => {
    if (!client) {
      client = import('@azure/communication-email').then(
        ({ EmailClient }) => new EmailClient(config.endpoint, config.credential, config.clientOptions ?? {})
      );
      // A failed load is tried again on the next send.
      client.catch(() => {
        client = undefined;
      });
    }
    return client;
  };

  return {
    async send(message) {
      const operationId = acsOperationId(message.id);
      const what = `email ${message.id} (ACS operation ${operationId})`;
      const abortSignal = AbortSignal.timeout(maxWaitMs);
      try {
        const emailClient = await getClient();
        const options: EmailSendOptionalParams = { operationId, updateIntervalInMs: pollIntervalMs, abortSignal };
        const poller = await emailClient.beginSend(toAcsEmailMessage(message, config.senderAddress), options);
        const result = await poller.pollUntilDone({ abortSignal });
        if (result.status !== 'Succeeded') {
          const reason = result.error?.message ?? result.error?.code ?? 'no reason given';
          throw new Error(`the operation ended with status ${result.status}: ${reason}`);
        }
      } catch (error) {
        const reason = abortSignal.aborted
          ? `it was not confirmed within ${maxWaitMs / 1000} s; a retry reuses the same operation id`
          : describe(error);
        throw new Error(`${what} was not sent: ${reason}`, { cause: error });
      }
    },
  };
}
