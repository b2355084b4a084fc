import { platform } from '../shared/composition';
import { enableAzureMonitor } from '../shared/observability/functionsTelemetry';

// In Azure with Application Insights configured: OpenTelemetry, started lazily by an appStart hook.
enableAzureMonitor(platform().settings);
