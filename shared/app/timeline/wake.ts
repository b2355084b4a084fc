// How an HTTP function tells the durable timelines about a change it just stored: after the use case
// succeeded, best effort. The facts are in Cosmos already; a start or signal that fails (the engine is down)
// is logged and the request still succeeds: the daily reconciliation catches up.
export async function bestEffort(
  what: string,
  action: () => Promise<unknown>,
  warn: (message: string) => void
): Promise<void> {
  try {
    await action();
  } catch (error) {
    warn(`could not ${what} (the daily reconciliation catches up): ${(error as Error)?.message ?? String(error)}`);
  }
}

/**
 * The factory a Gateway callback approved (R9), read from its body once the callback use case verified and
 * applied it; undefined for any other event.
 */
export function approvedFactoryOf(rawBody: Uint8Array | string): string | undefined {
  try {
    const event = JSON.parse(typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8')) as {
      type?: unknown;
      state?: { factoryId?: unknown };
    };
    return event.type === 'facility.approved' && typeof event.state?.factoryId === 'string'
      ? event.state.factoryId
      : undefined;
  } catch {
    return undefined;
  }
}
