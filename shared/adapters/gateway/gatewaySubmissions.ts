// BW's side of the data submissions part of the Gateway contract (R17, R18; docs/gateway.openapi.json,
// "Data submissions"): submitting a cycle's data with an idempotency key, with per-attempt timeouts and
// retries with exponential backoff and full jitter that never come back sooner than `Retry-After`, and
// reading a submission's status by its key. Like the rest of the client it only speaks the contract over
// HTTP, so it works the same against the local simulator and the real Gateway.
import { defaultTransmissionSend } from '../../config/settings';
import type { Clock } from '../../ports/clock';
import {
  gatewayProblemSchema,
  gatewaySubmissionSchema,
  idempotencyKeyHeader,
  idempotentReplayedHeader,
  submissionKeySchema,
  type GatewaySubmission,
} from '../../schemas/gateway';
import { createGatewayApiToken, gatewayEndpoint } from './gatewayClient';

export interface GatewayCallOptions {
  gatewayBaseUrl: string;
  secret: string;
  clock: Clock;
  /** One attempt, body included; 10 s by default. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** What one attempt came to. `rejected` is final (the Gateway refused the request as such); `transient` may pass. */
export type SubmissionAttempt =
  | { kind: 'accepted'; status: number; submission: GatewaySubmission; replayed: boolean }
  | { kind: 'rejected'; status: number; detail: string; reasons: string[] }
  | {
      kind: 'transient';
      status: number | null;
      problem: 'timeout' | 'network' | 'http' | 'protocol';
      detail: string;
      /** From `Retry-After`, when the answer had one. */
      retryAfterMs: number | null;
    };

/**
 * Answers the Gateway gives to a request it will never take as it is: retrying cannot help, a person must
 * look (a payload off the contract, a key reused with another body, a facility the Gateway does not accept,
 * credentials it refuses). Everything else (408, 425, 429, 5xx, timeouts, unreadable answers) may pass.
 */
export const finalRejectionStatuses: readonly number[] = [400, 401, 403, 404, 405, 409, 410, 413, 415, 422];

export const defaultGatewayTimeoutMs = 10_000;
/** The longest `Retry-After` taken as it is; a longer one is capped (the message comes back anyway). */
const maxRetryAfterMs = 60 * 60 * 1000;

/** `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Math.min(Number(text) * 1000, maxRetryAfterMs);
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/[A-Za-z]/.test(text)) return null;
  return Math.min(Math.max(0, at - now.getTime()), maxRetryAfterMs);
}

function reasonsOf(body: unknown): { detail: string; reasons: string[] } {
  const parsed = gatewayProblemSchema.safeParse(body);
  if (!parsed.success) return { detail: 'no problem details', reasons: [] };
  const reasons = (parsed.data.errors ?? []).map((e) => `${e.pointer}: ${e.detail}`).slice(0, 50);
  return { detail: parsed.data.detail ?? parsed.data.title, reasons };
}

function failureOf(error: unknown, what: string, timeoutMs: number): SubmissionAttempt {
  const name = (error as Error)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return {
      kind: 'transient',
      status: null,
      problem: 'timeout',
      detail: `the Gateway did not answer ${what} within ${timeoutMs} ms`,
      retryAfterMs: null,
    };
  }
  const cause = (error as { cause?: Error }).cause;
  return {
    kind: 'transient',
    status: null,
    problem: 'network',
    detail: `the Gateway is unreachable: ${(error as Error)?.message ?? String(error)}${cause ? ` (${cause.message})` : ''}`,
    retryAfterMs: null,
  };
}

async function readAnswer(
  response: Response,
  key: string,
  what: string,
  now: Date
): Promise<SubmissionAttempt | { kind: 'notFound' }> {
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (response.status >= 200 && response.status <= 299) {
    const parsed = gatewaySubmissionSchema.safeParse(json);
    if (!parsed.success || parsed.data.idempotencyKey !== key) {
      return {
        kind: 'transient',
        status: response.status,
        problem: 'protocol',
        detail: `the Gateway's answer to ${what} (${response.status}) does not match the contract`,
        retryAfterMs: null,
      };
    }
    return {
      kind: 'accepted',
      status: response.status,
      submission: parsed.data,
      replayed: response.headers.get(idempotentReplayedHeader) === 'true',
    };
  }
  if (response.status === 404 && what.startsWith('GET')) return { kind: 'notFound' };
  const { detail, reasons } = reasonsOf(json);
  if (finalRejectionStatuses.includes(response.status)) {
    return { kind: 'rejected', status: response.status, detail: `${response.status}: ${detail}`, reasons };
  }
  return {
    kind: 'transient',
    status: response.status,
    problem: 'http',
    detail: `the Gateway answered ${response.status} to ${what}: ${detail}`,
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now),
  };
}

/**
 * One submission attempt: POST /data-submissions with `Idempotency-Key: <key>` and the body exactly as given
 * (the same bytes on every attempt, so the Gateway recognises a retry as the same submission).
 */
export async function submitDataOnce(
  options: GatewayCallOptions,
  body: string,
  idempotencyKey: string
): Promise<SubmissionAttempt> {
  const key = submissionKeySchema.parse(idempotencyKey);
  const timeoutMs = options.timeoutMs ?? defaultGatewayTimeoutMs;
  const what = 'POST /data-submissions';
  try {
    const response = await (options.fetch ?? fetch)(gatewayEndpoint(options.gatewayBaseUrl, 'data-submissions'), {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        authorization: `Bearer ${await createGatewayApiToken(options.secret, options.clock)}`,
        [idempotencyKeyHeader]: key,
      },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const answer = await readAnswer(response, key, what, options.clock.now());
    return answer.kind === 'notFound' ? { kind: 'rejected', status: 404, detail: '404', reasons: [] } : answer;
  } catch (error) {
    return failureOf(error, what, timeoutMs);
  }
}

export interface RetryPolicy {
  /** Attempts in one call, the first included. */
  maxAttempts: number;
  /** The backoff before attempt n+1 is a random share (full jitter) of min(maxDelayMs, baseDelayMs × 2^(n-1)). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The whole call (attempts and waits) ends within this; a wait that would pass it ends the call. */
  budgetMs: number;
}

/**
 * The Service Bus–triggered sender's policy: up to 6 attempts within 45 s, below the queue's 1-minute lock;
 * beyond that the message itself is retried (redelivered) by Service Bus, up to its maximum delivery count.
 * The attempts and the budget come from the settings (TRANSMISSION_SEND_ATTEMPTS, TRANSMISSION_SEND_BUDGET_MS).
 */
export const defaultSubmissionRetry: RetryPolicy = {
  maxAttempts: defaultTransmissionSend.maxAttempts,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  budgetMs: defaultTransmissionSend.budgetMs,
};

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); Math.random by default. */
  random?: () => number;
  /** Elapsed time for the budget, in ms; Date.now by default. */
  now?: () => number;
}

/** The wait before attempt `attempt + 1`: full jitter on the exponential backoff, but never below Retry-After. */
export function retryDelay(
  attempt: number,
  retryAfterMs: number | null,
  policy: RetryPolicy,
  random: () => number = Math.random
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(retryAfterMs ?? 0, jittered);
}

export interface AttemptRecord {
  attempt: number;
  kind: SubmissionAttempt['kind'];
  status: number | null;
  detail: string;
  /** The wait after it, when another attempt followed (or the budget was waited out). */
  waitedMs: number;
}

export interface SubmissionResult {
  outcome: SubmissionAttempt;
  attempts: AttemptRecord[];
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Submits with retries: a final answer (accepted, rejected) ends the call; a transient one is retried after
 * `retryDelay`. When `Retry-After` asks for longer than the budget has left, the call waits out the budget and
 * ends (so the caller, whose message Service Bus redelivers, does not come back sooner than asked).
 */
export async function submitData(
  options: GatewayCallOptions & { retry?: RetryPolicy; hooks?: RetryHooks },
  body: string,
  idempotencyKey: string
): Promise<SubmissionResult> {
  const policy = options.retry ?? defaultSubmissionRetry;
  const sleep = options.hooks?.sleep ?? realSleep;
  const random = options.hooks?.random ?? Math.random;
  const now = options.hooks?.now ?? Date.now;
  const started = now();
  const attempts: AttemptRecord[] = [];
  const perAttempt = options.timeoutMs ?? defaultGatewayTimeoutMs;
  for (let attempt = 1; ; attempt++) {
    const left = policy.budgetMs - (now() - started);
    const outcome = await submitDataOnce(
      { ...options, timeoutMs: Math.max(1, Math.min(perAttempt, left)) },
      body,
      idempotencyKey
    );
    const record: AttemptRecord = {
      attempt,
      kind: outcome.kind,
      status: outcome.status,
      detail: outcome.kind === 'accepted' ? `${outcome.status} ${outcome.submission.submissionId}` : outcome.detail,
      waitedMs: 0,
    };
    attempts.push(record);
    if (outcome.kind !== 'transient' || attempt >= policy.maxAttempts) return { outcome, attempts };
    const delay = retryDelay(attempt, outcome.retryAfterMs, policy, random);
    const remaining = policy.budgetMs - (now() - started);
    if (delay >= remaining) {
      if (outcome.retryAfterMs !== null && remaining > 0) {
        record.waitedMs = remaining;
        await sleep(remaining);
      }
      return { outcome, attempts };
    }
    record.waitedMs = delay;
    await sleep(delay);
  }
}

export type SubmissionStatusAnswer =
  | { kind: 'found'; submission: GatewaySubmission }
  | { kind: 'notFound' }
  | Exclude<SubmissionAttempt, { kind: 'accepted' }>;

/** GET /data-submissions/{key}: the submission made with this key and its validation status (R18); one attempt. */
export async function fetchSubmissionStatus(
  options: GatewayCallOptions,
  idempotencyKey: string
): Promise<SubmissionStatusAnswer> {
  const key = submissionKeySchema.parse(idempotencyKey);
  const timeoutMs = options.timeoutMs ?? defaultGatewayTimeoutMs;
  const what = `GET /data-submissions/${key}`;
  try {
    const response = await (options.fetch ?? fetch)(
      gatewayEndpoint(options.gatewayBaseUrl, `data-submissions/${encodeURIComponent(key)}`),
      {
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${await createGatewayApiToken(options.secret, options.clock)}`,
        },
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      }
    );
    const answer = await readAnswer(response, key, what, options.clock.now());
    if (answer.kind === 'accepted') return { kind: 'found', submission: answer.submission };
    return answer;
  } catch (error) {
    const failed = failureOf(error, what, timeoutMs);
    return failed.kind === 'transient' ? failed : { kind: 'notFound' };
  }
}
