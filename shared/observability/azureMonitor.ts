// OpenTelemetry to Application Insights (Azure Monitor), loaded only in Azure when
// APPLICATIONINSIGHTS_CONNECTION_STRING is set (shared/observability/functionsTelemetry.ts imports this module
// lazily, at app start): neither the local host nor the cold load of the app pays for it.
// - Traces (the Azure SDK clients: Cosmos DB, Service Bus, Blob, Key Vault) and the distro's standard metrics,
//   exported with Entra ID: the component has local authentication off, so the exporter uses the app's managed
//   identity (the `credential` option; the role is Monitoring Metrics Publisher).
// - Logs: the structured events (shared/observability/log.ts) as log records whose attributes are their fields
//   (custom dimensions), and every other line of the Functions context (through app.hook.log).
// - Custom metrics: the Metrics port on an OpenTelemetry meter (shared/ports/metrics.ts names the counters).
import type { TokenCredential } from '@azure/identity';
import type { LogLevel as FunctionsLogLevel, PreInvocationContext, LogHookContext } from '@azure/functions';
import { shutdownAzureMonitor, useAzureMonitor } from '@azure/monitor-opentelemetry';
import { context as otelContext, metrics as otelMetrics, propagation, type Counter } from '@opentelemetry/api';
import { logs, SeverityNumber, type AnyValueMap } from '@opentelemetry/api-logs';
import { metricNames, type MetricName, type Metrics } from '../ports/metrics';
import { eventAttributes, safeValue, useLogSink, type LogLevel } from './log';
import { useMetrics } from './metrics';

export interface AzureMonitorOptions {
  connectionString: string;
  credential: TokenCredential;
  /** The cloud role name (the function app's name in Azure). */
  serviceName?: string | undefined;
}

export interface AzureMonitorTelemetry {
  /** app.hook.log: a line of the Functions context (not a structured event) as a log record. */
  emitContextLog(hook: LogHookContext): void;
  /** app.hook.preInvocation: runs the handler in the host's trace context (its traceparent). */
  bindTraceContext(hook: PreInvocationContext): void;
  shutdown(): Promise<void>;
}

const scope = 'bw-slcp-data-sharing';

function severity(level: LogLevel | FunctionsLogLevel): SeverityNumber {
  switch (level) {
    case 'trace':
      return SeverityNumber.TRACE;
    case 'debug':
      return SeverityNumber.DEBUG;
    case 'information':
      return SeverityNumber.INFO;
    case 'warning':
      return SeverityNumber.WARN;
    case 'error':
      return SeverityNumber.ERROR;
    case 'critical':
      return SeverityNumber.FATAL;
    default:
      return SeverityNumber.UNSPECIFIED;
  }
}

/** The Metrics port on an OpenTelemetry meter: one counter per declared name. */
export function meterMetrics(meter = otelMetrics.getMeter(scope)): Metrics {
  const counters = new Map<MetricName, Counter>();
  for (const name of Object.values(metricNames)) counters.set(name, meter.createCounter(name));
  return {
    add(name, attributes = {}, value = 1) {
      const clean = Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== undefined));
      counters.get(name)?.add(value, clean);
    },
  };
}

export function startAzureMonitor(options: AzureMonitorOptions): AzureMonitorTelemetry {
  if (options.serviceName && !process.env.OTEL_SERVICE_NAME) process.env.OTEL_SERVICE_NAME = options.serviceName;
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString: options.connectionString, credential: options.credential },
    instrumentationOptions: {
      azureSdk: { enabled: true },
      http: { enabled: true },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
      bunyan: { enabled: false },
      winston: { enabled: false },
    },
  });
  const logger = logs.getLogger(scope);
  useLogSink((entry) => {
    const attributes: AnyValueMap = eventAttributes(entry);
    if (entry.error) {
      attributes['exception.type'] = entry.error.name;
      attributes['exception.message'] = safeValue(entry.error.message);
      if (entry.error.stack) attributes['exception.stacktrace'] = safeValue(entry.error.stack, 8000);
    }
    logger.emit({
      body: entry.line,
      severityNumber: severity(entry.level),
      severityText: entry.level,
      attributes,
    });
    return true;
  });
  useMetrics(meterMetrics());
  return {
    emitContextLog(hook) {
      logger.emit({
        body: safeValue(hook.message, 8000),
        severityNumber: severity(hook.level),
        severityText: hook.level,
        attributes: {
          category: hook.category,
          ...(hook.invocationContext ? { invocationId: hook.invocationContext.invocationId } : {}),
        },
      });
    },
    bindTraceContext(hook) {
      const trace = hook.invocationContext.traceContext;
      if (!trace?.traceParent) return;
      const carrier: Record<string, string> = { traceparent: trace.traceParent };
      if (trace.traceState) carrier.tracestate = trace.traceState;
      hook.functionHandler = otelContext.bind(propagation.extract(otelContext.active(), carrier), hook.functionHandler);
    },
    async shutdown() {
      useLogSink(undefined);
      await shutdownAzureMonitor();
    },
  };
}
