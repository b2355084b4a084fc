// Structured logs: each line is an event name plus fields, carrying the correlation ids (the invocation, and
// the factory, cycle and transmission it is about). Triggers log through `eventLog(context)` instead of bare
// `context.log(string)`:
// - locally (and in Azure without Application Insights) the line goes through the Functions context, and the
//   local host prints it readably: `12:00:01 [processTransmission] transmission.accepted factory=BD-… tx=… inv=…`;
// - in Azure with Application Insights, shared/observability/azureMonitor.ts installs a sink that emits each
//   event as an OpenTelemetry log record whose attributes (custom dimensions) are the fields.
// Fields are a closed set of ids, codes and counts: factory, cycle and transmission ids are not personal data,
// and emails and names never are fields. A value that looks like an email is redacted all the same.
import type { InvocationContext } from '@azure/functions';

export type LogLevel = 'information' | 'warning' | 'error';

/** The fields an event may carry. Never a person's email, name or token. */
export interface LogFields {
  factoryId?: string | undefined;
  cycleId?: string | undefined;
  transmissionId?: string | undefined;
  countryCode?: string | undefined;
  /** A durable orchestration's instance id. */
  instanceId?: string | undefined;
  /** A Service Bus message id. */
  messageId?: string | undefined;
  milestone?: string | undefined;
  outcome?: string | undefined;
  reason?: string | undefined;
  status?: number | undefined;
  deliveryCount?: number | undefined;
  attempts?: number | undefined;
  /** Counts of a sweep (found, sent, delivered, failed…). */
  counts?: Record<string, number> | undefined;
  /** A free-text line of a use case (its own lines hold ids only). */
  detail?: string | undefined;
  /** An error's message (and stack, for unexpected failures). */
  error?: string | undefined;
}

/** How the fields are named on the readable line (short) and as attributes (the field name itself). */
const shortNames: Partial<Record<keyof LogFields | 'invocationId', string>> = {
  factoryId: 'factory',
  cycleId: 'cycle',
  transmissionId: 'tx',
  countryCode: 'country',
  instanceId: 'instance',
  messageId: 'msg',
  invocationId: 'inv',
};

export interface LogEvent {
  level: LogLevel;
  event: string;
  fields: LogFields;
  invocationId: string | undefined;
  functionName: string | undefined;
  /** The readable line (what the console and the host show). */
  line: string;
  error?: Error | undefined;
}

/** Where events go instead of the Functions context (Application Insights in Azure). Returns false to decline. */
export type LogSink = (event: LogEvent) => boolean;

let sink: LogSink | undefined;

/** Installs (or, with undefined, removes) the process's log sink. */
export function useLogSink(next: LogSink | undefined): void {
  sink = next;
}

/** The part of the Functions invocation context the logger writes through. */
export type LogContext = Pick<InvocationContext, 'log' | 'warn' | 'error'> &
  Partial<Pick<InvocationContext, 'invocationId' | 'functionName'>>;

export interface EventLog {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields, error?: unknown): void;
  /** A logger whose events all carry `fields` too. */
  with(fields: LogFields): EventLog;
  /** A `(line) => void` for use cases that log lines: each becomes `event` with the line as its detail. */
  lines(event: string, level?: LogLevel): (line: string) => void;
}

const emailLike = /[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+\.[A-Za-z]{2,}/g;

/** The value as it may be logged: emails redacted, bounded. */
export function safeValue(value: string, max = 2000): string {
  const clean = value.replace(emailLike, '[redacted]');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

function quoted(value: string): string {
  return /^[A-Za-z0-9_.:/+-]+$/.test(value) ? value : JSON.stringify(value);
}

/** `event k=v …`: ids first (factory, cycle, tx), then the rest, the invocation id last. */
export function formatEvent(event: string, fields: LogFields, invocationId?: string): string {
  const parts = [event];
  for (const [name, value] of Object.entries(fields) as [keyof LogFields, LogFields[keyof LogFields]][]) {
    if (value === undefined) continue;
    const label = shortNames[name] ?? name;
    if (typeof value === 'object') {
      for (const [key, count] of Object.entries(value)) parts.push(`${key}=${count}`);
    } else {
      parts.push(`${label}=${typeof value === 'string' ? quoted(safeValue(value)) : String(value)}`);
    }
  }
  if (invocationId) parts.push(`inv=${invocationId}`);
  return parts.join(' ');
}

/** The fields as flat attributes (custom dimensions): ids under their own names, counts as `count.<name>`. */
export function eventAttributes(entry: LogEvent): Record<string, string | number> {
  const attributes: Record<string, string | number> = { event: entry.event };
  for (const [name, value] of Object.entries(entry.fields) as [string, LogFields[keyof LogFields]][]) {
    if (value === undefined) continue;
    if (typeof value === 'object') {
      for (const [key, count] of Object.entries(value)) attributes[`count.${key}`] = count;
    } else {
      attributes[name] = typeof value === 'string' ? safeValue(value) : value;
    }
  }
  if (entry.invocationId) attributes.invocationId = entry.invocationId;
  if (entry.functionName) attributes.functionName = entry.functionName;
  return attributes;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

/** The structured logger of one invocation. */
export function eventLog(context: LogContext, base: LogFields = {}): EventLog {
  const write = (level: LogLevel, event: string, more: LogFields = {}, error?: unknown): void => {
    const fields: LogFields = { ...base, ...more };
    if (error !== undefined) fields.error = describeError(error);
    const entry: LogEvent = {
      level,
      event,
      fields,
      invocationId: context.invocationId,
      functionName: context.functionName,
      line: formatEvent(event, fields, context.invocationId),
      ...(error instanceof Error ? { error } : {}),
    };
    if (sink) {
      try {
        if (sink(entry)) return;
      } catch {
        // The sink failed: the context still has the line.
      }
    }
    if (level === 'error') context.error(entry.line);
    else if (level === 'warning') context.warn(entry.line);
    else context.log(entry.line);
  };
  return {
    info: (event, fields) => write('information', event, fields),
    warn: (event, fields) => write('warning', event, fields),
    error: (event, fields, error) => write('error', event, fields, error),
    with: (fields) => eventLog(context, { ...base, ...fields }),
    lines:
      (event, level = 'information') =>
      (line) =>
        write(level, event, { detail: line }),
  };
}
