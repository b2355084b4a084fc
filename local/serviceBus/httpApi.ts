// The local queue's HTTP API at /runtime/servicebus/ on the host's port, answered to loopback callers only
// (like the Durable HTTP API). The app's local MessageQueue adapter sends through it; people and tests
// peek and resubmit with it. It does not exist in Azure (there: @azure/service-bus, the portal's Service
// Bus Explorer).
//
//   GET  /runtime/servicebus/queues                                    the queues, their settings and counts
//   POST /runtime/servicebus/queues/{queue}/messages                   send {"messages":[…]}: all or none
//   GET  /runtime/servicebus/queues/{queue}/messages?top=&from=        peek active, scheduled, locked
//   GET  /runtime/servicebus/queues/{queue}/$DeadLetterQueue/messages  peek the dead letters
//   POST /runtime/servicebus/queues/{queue}/$DeadLetterQueue/messages/{sequenceNumber}/resubmit
//        {"messageId"?: "…"}: back to the queue as a new message (same MessageId unless one is given)

import { z } from 'zod';
import { maxMessageIdLength, maxMessagesPerSend } from '../../shared/adapters/serviceBus/limits';
import { problemContentType, problemDetails } from '../../shared/http/problem';
import type { WebhookRequest, WebhookResponse } from '../http/server';
import { LocalServiceBusError, type LocalServiceBus, type ServiceBusErrorCode } from './engine';
import { deadLetterQueueSuffix } from './model';

export const serviceBusWebhookPath = ['runtime', 'servicebus'] as const;

const propertyValue = z.union([z.string(), z.number(), z.boolean()]);
const messageSchema = z.strictObject({
  messageId: z.string().min(1).max(maxMessageIdLength),
  body: z.unknown().optional(),
  contentType: z.string().min(1).max(256).optional(),
  subject: z.string().max(256).optional(),
  correlationId: z.string().max(128).optional(),
  applicationProperties: z.record(z.string(), propertyValue).optional(),
  scheduledEnqueueTimeUtc: z.iso.datetime({ offset: true }).optional(),
});
const sendSchema = z.strictObject({ messages: z.array(messageSchema).min(1).max(maxMessagesPerSend) });
const resubmitSchema = z.strictObject({ messageId: z.string().min(1).max(maxMessageIdLength).optional() });

/** The wire shape of a message sent through this API (what the local adapter posts). */
export type LocalApiMessage = z.infer<typeof messageSchema>;

const statusOf: Record<ServiceBusErrorCode, number> = {
  MessagingEntityNotFound: 404,
  MessageNotFound: 404,
  InvalidMessage: 400,
  MessageSizeExceeded: 413,
  DuplicateMessage: 409,
  MessageBusy: 409,
  MessageLockLost: 410,
  ServiceUnavailable: 503,
};

function problem(status: number, detail: string, extra: Record<string, unknown> = {}): WebhookResponse {
  return { status, body: problemDetails(status, detail, extra), contentType: problemContentType };
}

function parseJson(body: Buffer, empty: unknown): { ok: true; value: unknown } | { ok: false } {
  const text = body.toString('utf8').trim();
  if (text === '') return { ok: true, value: empty };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function invalid(error: z.ZodError): WebhookResponse {
  return problem(400, 'The request does not match the queue API.', {
    errors: error.issues.map((i) => ({ pointer: `/${i.path.join('/')}`, detail: i.message })),
  });
}

function numberParam(value: string | null, fallback: number, max: number): number | undefined {
  if (value === null) return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n <= max ? n : undefined;
}

export function serviceBusHttpApi(
  bus: () => LocalServiceBus | undefined,
  logError: (line: string) => void
): (request: WebhookRequest) => Promise<WebhookResponse> {
  return async (request) => {
    const queueBus = bus();
    if (!queueBus) return problem(503, 'The local Service Bus queue has not started.');
    try {
      return await route(queueBus, request);
    } catch (error) {
      if (error instanceof LocalServiceBusError) {
        return problem(statusOf[error.code], error.message, { code: error.code });
      }
      logError(
        `service bus API ${request.method} /${request.path.join('/')}: ${(error as Error).stack ?? String(error)}`
      );
      return problem(500, 'The local queue failed; the host log has the details.');
    }
  };
}

async function route(bus: LocalServiceBus, request: WebhookRequest): Promise<WebhookResponse> {
  const [head, queue, ...rest] = request.path;
  const method = request.method;
  if (head === undefined || (head === 'queues' && queue === undefined)) {
    if (method !== 'GET') return problem(405, `${method} is not allowed here.`);
    return { status: 200, body: { queues: bus.describeQueues() } };
  }
  if (head !== 'queues' || queue === undefined) return problem(404, 'No such queue API path.');
  const deadLetter = rest[0]?.toLowerCase() === deadLetterQueueSuffix.toLowerCase();
  const tail = deadLetter ? rest.slice(1) : rest;
  const entityPath = deadLetter ? `${queue}/${deadLetterQueueSuffix}` : queue;

  if (tail.length === 0) {
    if (method !== 'GET') return problem(405, `${method} is not allowed here.`);
    const name = bus.entity(queue).queue.declaration.name;
    return { status: 200, body: bus.describeQueues().find((q) => q.name === name) };
  }
  if (tail[0] !== 'messages') return problem(404, 'No such queue API path.');

  if (tail.length === 1 && method === 'GET') {
    const top = numberParam(request.query.get('top'), 100, 1000);
    const from = numberParam(request.query.get('from'), 0, Number.MAX_SAFE_INTEGER);
    if (top === undefined || from === undefined) {
      return problem(400, '"top" (0 to 1000) and "from" (a sequence number) are whole numbers.');
    }
    return {
      status: 200,
      body: { entity: entityPath, messages: bus.peek(entityPath, { top, fromSequenceNumber: from }) },
    };
  }

  if (tail.length === 1 && method === 'POST' && !deadLetter) {
    const parsed = parseJson(request.body, undefined);
    if (!parsed.ok) return problem(400, 'The body must be JSON: {"messages":[{"messageId":"…","body":…}]}.');
    const command = sendSchema.safeParse(parsed.value);
    if (!command.success) return invalid(command.error);
    const result = await bus.send(
      queue,
      command.data.messages.map((m) => ({
        messageId: m.messageId,
        body: m.body,
        contentType: m.contentType,
        subject: m.subject,
        correlationId: m.correlationId,
        applicationProperties: m.applicationProperties,
        scheduledEnqueueTime: m.scheduledEnqueueTimeUtc ? new Date(m.scheduledEnqueueTimeUtc) : undefined,
      }))
    );
    return { status: 201, body: result };
  }

  if (tail.length === 3 && deadLetter && tail[2] === 'resubmit') {
    if (method !== 'POST') return problem(405, `${method} is not allowed here.`);
    const sequenceNumber = Number(tail[1]);
    if (!Number.isSafeInteger(sequenceNumber) || sequenceNumber < 1) {
      return problem(400, 'The sequence number is a whole number.');
    }
    const parsed = parseJson(request.body, {});
    if (!parsed.ok) return problem(400, 'The body must be empty or JSON: {"messageId":"…"}.');
    const command = resubmitSchema.safeParse(parsed.value);
    if (!command.success) return invalid(command.error);
    const resubmitted = await bus.resubmit(queue, sequenceNumber, command.data.messageId);
    return { status: 201, body: resubmitted };
  }
  return problem(tail.length === 1 ? 405 : 404, `${method} /${request.path.join('/')} is not part of the queue API.`);
}
