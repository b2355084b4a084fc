// Turns on OpenTelemetry to Application Insights in Azure, the way Microsoft documents it for the Node.js v4
// model (host.json `"telemetryMode": "OpenTelemetry"` for the host's own telemetry; in the worker, what the
// @azure/functions-opentelemetry-instrumentation package does, done here with the Azure Monitor distro):
// - `app.setup({ capabilities: { WorkerOpenTelemetryEnabled: true } })` while the app loads: the host then
//   leaves the worker's logs to the worker (no duplicates);
// - an appStart hook, which the worker awaits before any invocation, loads the distro lazily (its own chunk of
//   the bundle) and starts it with the managed identity;
// - app.hook.log sends the context's plain lines as log records, and app.hook.preInvocation runs each handler
//   in the host's trace context, so the worker's logs and dependencies join the host's request in one trace.
// Nothing happens locally, nor in Azure without APPLICATIONINSIGHTS_CONNECTION_STRING.
import { app } from '@azure/functions';
import { azureCredential } from '../adapters/azureCredential';
import type { Settings } from '../config/settings';
import type { AzureMonitorTelemetry } from './azureMonitor';

let telemetry: AzureMonitorTelemetry | undefined;
let enabled = false;

/** Registers the telemetry's setup and hooks when the settings ask for it; returns whether they do. */
export function enableAzureMonitor(settings: Settings, env: Record<string, string | undefined> = process.env): boolean {
  if (enabled) return true;
  if (settings.mode !== 'azure' || !settings.applicationInsightsConnectionString) return false;
  const connectionString = settings.applicationInsightsConnectionString;
  enabled = true;
  app.setup({ capabilities: { WorkerOpenTelemetryEnabled: true } });
  app.hook.appStart(async () => {
    try {
      const [{ startAzureMonitor }, credential] = await Promise.all([
        import('./azureMonitor'),
        azureCredential(settings),
      ]);
      telemetry = startAzureMonitor({ connectionString, credential, serviceName: env.WEBSITE_SITE_NAME });
    } catch (error) {
      // Telemetry must not stop the app: its logs then go to the host (stderr) only.
      console.error(`Application Insights telemetry did not start: ${(error as Error).message}`);
    }
  });
  app.hook.log((hook) => telemetry?.emitContextLog(hook));
  app.hook.preInvocation((hook) => telemetry?.bindTraceContext(hook));
  app.hook.appTerminate(async () => {
    await telemetry?.shutdown();
  });
  return true;
}
