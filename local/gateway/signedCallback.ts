// One delivery attempt of a signed Gateway callback (registration and submission events alike): POST the body
// with the Gateway's signature headers, no redirects, within a timeout. Answers undefined when the platform
// took it (2xx), otherwise what went wrong and whether the request itself failed (no answer, refused).
import { signGatewayCallback } from '../../shared/adapters/gateway/gatewayClient';

export interface CallbackAttempt {
  callbackUrl: string;
  eventId: string;
  body: string;
  secret: string;
  now: Date;
  timeoutMs: number;
  /** Aborts the attempt when the simulator stops. */
  stopping: AbortSignal;
}

export async function postSignedCallback(
  attempt: CallbackAttempt
): Promise<{ failure: string; requestFailed: boolean } | undefined> {
  try {
    const headers = signGatewayCallback({
      eventId: attempt.eventId,
      rawBody: attempt.body,
      secret: attempt.secret,
      timestamp: Math.floor(attempt.now.getTime() / 1000),
    });
    const response = await fetch(attempt.callbackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'slcp-gateway-simulator/1', ...headers },
      body: attempt.body,
      redirect: 'manual',
      signal: AbortSignal.any([AbortSignal.timeout(attempt.timeoutMs), attempt.stopping]),
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status <= 299) return undefined;
    return { failure: `HTTP ${response.status}`, requestFailed: false };
  } catch (error) {
    const e = error as Error & { cause?: Error };
    const failure =
      e?.name === 'TimeoutError'
        ? `no answer within ${attempt.timeoutMs} ms`
        : `${e?.message ?? String(error)}${e?.cause ? ` (${e.cause.message})` : ''}`;
    return { failure, requestFailed: true };
  }
}
