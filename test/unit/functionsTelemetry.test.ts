// OpenTelemetry is switched on only in Azure with Application Insights configured (issue 8): then the app tells
// the Functions host that the worker exports its own telemetry (WorkerOpenTelemetryEnabled, so the host does not
// duplicate the logs), starts the Azure Monitor distro in an appStart hook (awaited by the worker before any
// invocation; the distro's chunk is loaded only then) and hooks the context's logs and the trace context.
// Locally nothing of it is registered, so the local host and the cold load never pay for it.
import { parseSettings, type Settings } from '../../shared/config/settings';

const setup = jest.fn();
const hooks: Record<string, jest.Mock> = {
  appStart: jest.fn(),
  appTerminate: jest.fn(),
  log: jest.fn(),
  preInvocation: jest.fn(),
};
jest.mock('@azure/functions', () => ({ app: { setup, hook: hooks } }));

const common = {
  IDENTITY_ISSUER: 'https://login.microsoftonline.com/tenant/v2.0',
  IDENTITY_AUDIENCE: 'api://bw-slcp-data-sharing',
  IDENTITY_JWKS_URI: 'https://login.microsoftonline.com/tenant/discovery/v2.0/keys',
  GATEWAY_BASE_URL: 'https://gateway.example',
  GATEWAY_SHARED_SECRET: 'a-shared-secret-of-at-least-32-characters',
  PUBLIC_API_BASE_URL: 'https://func.example/api',
  PORTAL_BASE_URL: 'https://portal.example',
};
const azure = {
  ...common,
  COMMUNICATION_SERVICES_ENDPOINT: 'https://acs.example.communication.azure.com',
  EMAIL_SENDER_ADDRESS: 'no-reply@bw.example.org',
  CosmosDB__accountEndpoint: 'https://cosmos.example.documents.azure.com:443/',
  ServiceBus__fullyQualifiedNamespace: 'sb-example.servicebus.windows.net',
  AzureWebJobsStorage__accountName: 'stexample',
  AZURE_CLIENT_ID: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
};
const local = {
  ...common,
  SMTP_PORT: '2525',
  LOCAL_COSMOS_ENDPOINT: 'https://127.0.0.1:8081/',
  LOCAL_COSMOS_KEY: 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};
const connectionString =
  'InstrumentationKey=00000000-0000-0000-0000-000000000002;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/';

function settingsOf(env: Record<string, string>): Settings {
  const parsed = parseSettings(env);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.settings;
}

async function enable(settings: Settings): Promise<boolean> {
  let result = false;
  await jest.isolateModulesAsync(async () => {
    const { enableAzureMonitor } = await import('../../shared/observability/functionsTelemetry');
    result = enableAzureMonitor(settings, {});
  });
  return result;
}

beforeEach(() => {
  setup.mockClear();
  for (const hook of Object.values(hooks)) hook.mockClear();
});

describe('OpenTelemetry switch', () => {
  it('locally: nothing is registered', async () => {
    expect(await enable(settingsOf(local))).toBe(false);
    expect(setup).not.toHaveBeenCalled();
    expect(Object.values(hooks).every((hook) => hook.mock.calls.length === 0)).toBe(true);
  });

  it('in Azure without APPLICATIONINSIGHTS_CONNECTION_STRING: nothing is registered', async () => {
    expect(await enable(settingsOf(azure))).toBe(false);
    expect(setup).not.toHaveBeenCalled();
  });

  it('in Azure with Application Insights: the worker capability, the appStart start-up and the log and trace hooks', async () => {
    const settings = settingsOf({ ...azure, APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString });
    expect(settings).toMatchObject({ mode: 'azure', applicationInsightsConnectionString: connectionString });
    expect(await enable(settings)).toBe(true);
    expect(setup).toHaveBeenCalledWith({ capabilities: { WorkerOpenTelemetryEnabled: true } });
    for (const name of ['appStart', 'appTerminate', 'log', 'preInvocation']) {
      expect(hooks[name]).toHaveBeenCalledTimes(1);
    }
    // Before the distro started, the hooks do nothing (and do not throw).
    const logHook = hooks.log!.mock.calls[0]![0] as (c: unknown) => void;
    expect(() => logHook({ message: 'x', level: 'information', category: 'user' })).not.toThrow();
  });

  it('refuses a connection string that is not one', () => {
    const parsed = parseSettings({ ...azure, APPLICATIONINSIGHTS_CONNECTION_STRING: 'not a connection string' });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems.join(' ')).toMatch(/APPLICATIONINSIGHTS_CONNECTION_STRING/);
  });
});
