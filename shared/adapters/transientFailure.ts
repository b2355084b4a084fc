// Which failures of an Azure SDK call are transient: the service could not be reached (connection refused or
// dropped, a timeout) or said it is unavailable for now. The adapters turn them into ServiceUnavailableError (a
// 503 problem with Retry-After for an HTTP caller; a retry for a queue delivery or an activity) instead of an
// unexpected failure (500). Anything else (a real error, a bug) is left as it is.
import { ServiceUnavailableError } from '../domain/errors';

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'REQUEST_SEND_ERROR',
  'TimeoutError',
]);

/**
 * The Cosmos SDK's transactional batch rethrows a failed request as a plain `Error("Batch request error: <the
 * cause's message>")`, without its code: there only the message tells a dropped connection.
 */
const droppedConnection = /^Batch request error: (socket hang up|.*\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE)\b)/;

export function isTransientFailure(error: unknown): boolean {
  const e = error as { code?: unknown; statusCode?: unknown; name?: unknown; message?: unknown } | undefined;
  const status = typeof e?.statusCode === 'number' ? e.statusCode : typeof e?.code === 'number' ? e.code : undefined;
  if (status === 503 || status === 408) return true;
  if (typeof e?.code === 'string' && networkCodes.has(e.code)) return true;
  if (status === undefined && e?.code === undefined && typeof e?.message === 'string') {
    if (droppedConnection.test(e.message)) return true;
  }
  return e?.name === 'TimeoutError';
}

/** Rethrows a transient failure of `service` as ServiceUnavailableError; anything else as it is. */
export function rethrowTransient(error: unknown, service: string): never {
  if (isTransientFailure(error)) {
    throw new ServiceUnavailableError(`The ${service} cannot be reached right now; try again shortly.`);
  }
  throw error;
}

/** Runs `work`, turning a transient failure of `service` into ServiceUnavailableError. */
export async function transientAsUnavailable<T>(service: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    return rethrowTransient(error, service);
  }
}
