// The correlation ids of an invocation, read from what the trigger received: route parameters, a transmission
// message, an activity's input. Only ids that look like the app's own (factory BD-XXXXXXXX, its cycles and
// transmissions) are taken: never a free-text value.
import type { LogFields } from './log';

const idPattern = /^[A-Z]{2}-[A-Za-z0-9-]{1,80}$/;

function idOf(value: unknown): string | undefined {
  return typeof value === 'string' && idPattern.test(value) ? value : undefined;
}

function fieldsOf(source: Record<string, unknown>): LogFields {
  const fields: LogFields = {};
  const factoryId = idOf(source.factoryId);
  const cycleId = idOf(source.cycleId);
  const transmissionId = idOf(source.transmissionId);
  if (factoryId) fields.factoryId = factoryId;
  if (cycleId) fields.cycleId = cycleId;
  if (transmissionId) fields.transmissionId = transmissionId;
  return fields;
}

function record(value: unknown): Record<string, unknown> | undefined {
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    try {
      return record(JSON.parse(value.toString()));
    } catch {
      return undefined;
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** factoryId, cycleId, transmissionId of an HTTP route's parameters. */
export function routeIds(params: Record<string, string> | undefined): LogFields {
  return params ? fieldsOf(params) : {};
}

/** The ids a transmission message carries (factory, cycle, transmission); none when it is not one. */
export function transmissionIds(body: unknown): LogFields {
  const message = record(body);
  return message ? fieldsOf(message) : {};
}

/** The ids of an activity's input (factory, cycle). */
export function activityIds(input: unknown): LogFields {
  const value = record(input);
  return value ? fieldsOf(value) : {};
}
