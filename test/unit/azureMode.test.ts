// The function app started with the settings infra/app/api.bicep gives it in Azure (fake endpoints, the
// Key Vault reference already resolved, the variables the Functions platform adds): the composition picks
// the Azure adapters with the managed identity, and nothing of the local host (local/) is loaded, neither in
// this process nor in the production bundle.
import { execFileSync } from 'node:child_process';
import { join, resolve, sep } from 'node:path';
import { registrations } from '../support/recordingCoreApi';

jest.mock(
  '@azure/functions-core',
  () => jest.requireActual<typeof import('../support/recordingCoreApi')>('../support/recordingCoreApi').coreApi,
  { virtual: true }
);

const root = resolve(__dirname, '..', '..');
const identityClientId = '11111111-2222-4333-8444-555555555555';

/** What the app's environment holds in Azure: api.bicep's app settings (resolved) plus the platform's own. */
const azureEnvironment: Record<string, string> = {
  FUNCTIONS_WORKER_RUNTIME: 'node',
  FUNCTIONS_EXTENSION_VERSION: '~4',
  WEBSITE_SITE_NAME: 'func-abc',
  AzureWebJobsStorage__accountName: 'stabc',
  AzureWebJobsStorage__blobServiceUri: 'https://stabc.blob.core.windows.net/',
  AzureWebJobsStorage__queueServiceUri: 'https://stabc.queue.core.windows.net/',
  AzureWebJobsStorage__tableServiceUri: 'https://stabc.table.core.windows.net/',
  AzureWebJobsStorage__credential: 'managedidentity',
  AzureWebJobsStorage__clientId: identityClientId,
  DOCUMENTS_BLOB_SERVICE_URI: 'https://stabc.blob.core.windows.net/',
  CosmosDB__accountEndpoint: 'https://cosmos-abc.documents.azure.com:443/',
  CosmosDB__credential: 'managedidentity',
  CosmosDB__clientId: identityClientId,
  COSMOS_DATABASE: 'slcp',
  ServiceBus__fullyQualifiedNamespace: 'sb-abc.servicebus.windows.net',
  ServiceBus__credential: 'managedidentity',
  ServiceBus__clientId: identityClientId,
  AZURE_CLIENT_ID: identityClientId,
  KEY_VAULT_URI: 'https://kv-abc.vault.azure.net/',
  IDENTITY_ISSUER: 'https://login.microsoftonline.com/00000000-0000-4000-8000-000000000001/v2.0',
  IDENTITY_JWKS_URI: 'https://login.microsoftonline.com/00000000-0000-4000-8000-000000000001/discovery/v2.0/keys',
  IDENTITY_AUDIENCE: '99999999-8888-4777-8666-555555555555',
  GATEWAY_BASE_URL: 'https://gateway.example.org',
  // The platform resolves the Key Vault reference before the worker starts.
  GATEWAY_SHARED_SECRET: 'resolved-from-key-vault-0123456789abcdef',
  PUBLIC_API_BASE_URL: 'https://func-abc.azurewebsites.net/api',
  PORTAL_BASE_URL: 'https://portal.example.org',
  COMMUNICATION_SERVICES_ENDPOINT: 'https://acs-abc.europe.communication.azure.com',
  EMAIL_SENDER_ADDRESS: 'DoNotReply@abc.azurecomm.net',
  NODE_OPTIONS: '--enable-source-maps',
};

/** Anything a developer's shell or the local host may have set that would point the app at local servers. */
const localVariables = [
  'AzureWebJobsStorage',
  'LOCAL_COSMOS_ENDPOINT',
  'LOCAL_COSMOS_KEY',
  'LOCAL_COSMOS_CA_FILE',
  'LOCAL_SERVICE_BUS_URL',
  'SMTP_HOST',
  'SMTP_PORT',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
];

const saved = { ...process.env };

/** Modules of this repository loaded in this test's module registry, relative to the root. */
const loadedSources = () =>
  Object.keys(require.cache)
    .filter((file) => file.startsWith(root + sep) && !file.includes(`${sep}node_modules${sep}`))
    .map((file) =>
      file
        .slice(root.length + 1)
        .split(sep)
        .join('/')
    );

describe('the app in Azure mode', () => {
  type Composition = typeof import('../../shared/composition');
  let composition: Composition;
  const acs = jest.requireActual<typeof import('../../shared/adapters/email/acsEmailSender')>(
    '../../shared/adapters/email/acsEmailSender'
  );
  const smtp = jest.requireActual<typeof import('../../shared/adapters/email/smtpEmailSender')>(
    '../../shared/adapters/email/smtpEmailSender'
  );
  const serviceBus = jest.requireActual<typeof import('../../shared/adapters/serviceBus/serviceBusMessageQueue')>(
    '../../shared/adapters/serviceBus/serviceBusMessageQueue'
  );
  const localQueue = jest.requireActual<typeof import('../../shared/adapters/serviceBus/localMessageQueue')>(
    '../../shared/adapters/serviceBus/localMessageQueue'
  );
  const sent: unknown[] = [];
  const acsSpy = jest
    .spyOn(acs, 'createAcsEmailSender')
    .mockImplementation(() => ({ send: async (message) => void sent.push(message) }));
  const smtpSpy = jest.spyOn(smtp, 'createSmtpEmailSender');
  const serviceBusSpy = jest.spyOn(serviceBus, 'serviceBusMessageQueue');
  const localQueueSpy = jest.spyOn(localQueue, 'localMessageQueue');

  beforeAll(async () => {
    for (const name of localVariables) delete process.env[name];
    Object.assign(process.env, azureEnvironment);
    await import('../../functions/index');
    composition = await import('../../shared/composition');
  });

  afterAll(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    jest.restoreAllMocks();
  });

  it('starts: every trigger registers, with the settings read as Azure settings', () => {
    const settings = composition.platform().settings;
    expect(settings.mode).toBe('azure');
    const triggers = registrations.map((r) => Object.values(r.bindings).find((b) => b.direction === 'in')?.type);
    expect(triggers.filter((t) => t === 'httpTrigger').length).toBeGreaterThan(40);
    for (const kind of ['timerTrigger', 'serviceBusTrigger', 'orchestrationTrigger', 'activityTrigger']) {
      expect(triggers).toContain(kind);
    }
  });

  it('picks the Service Bus queue with the namespace and the managed identity, not the local queue', async () => {
    expect(localQueueSpy).not.toHaveBeenCalled();
    expect(serviceBusSpy).toHaveBeenCalledTimes(1);
    const config = serviceBusSpy.mock.calls[0]![0];
    expect(config.fullyQualifiedNamespace).toBe('sb-abc.servicebus.windows.net');
    const credential = await (config.credential as () => Promise<object>)();
    expect(credential.constructor.name).toBe('DefaultAzureCredential');
  });

  it('sends email through Azure Communication Services with the managed identity, not SMTP', async () => {
    await composition
      .platform()
      .emailSender.send({ id: 'azure-mode-test', to: 'someone@example.org', subject: 's', text: 't' });
    expect(smtpSpy).not.toHaveBeenCalled();
    expect(acsSpy).toHaveBeenCalledTimes(1);
    const config = acsSpy.mock.calls[0]![0];
    expect(config.endpoint).toBe(azureEnvironment.COMMUNICATION_SERVICES_ENDPOINT);
    expect(config.senderAddress).toBe(azureEnvironment.EMAIL_SENDER_ADDRESS);
    expect(config.credential.constructor.name).toBe('DefaultAzureCredential');
    expect(sent).toHaveLength(1);
  });

  it('reaches Cosmos DB and blob storage at their https endpoints with the identity, without keys', async () => {
    const platform = composition.platform();
    const blob = await platform.blobService();
    expect(blob.url).toBe('https://stabc.blob.core.windows.net/');
    expect(blob.credential.constructor.name).toBe('DefaultAzureCredential');
    const cosmos = await platform.cosmos();
    expect(cosmos.constructor.name).toBe('CosmosClient');
    // Built with the identity (aadCredentials) for the account endpoint; no key is configured at all.
    expect(platform.settings).toMatchObject({ cosmos: { endpoint: azureEnvironment.CosmosDB__accountEndpoint } });
    expect(JSON.stringify(platform.settings)).not.toMatch(/"key"/);
  });

  it('loads no module of the local host (local/) in this process', () => {
    const loaded = loadedSources();
    expect(loaded).toContain('functions/index.ts');
    expect(loaded.filter((file) => file.startsWith('shared/')).length).toBeGreaterThan(50);
    expect(loaded.filter((file) => file.startsWith('local/'))).toEqual([]);
  });
});

describe('the production bundle (scripts/build.mjs)', () => {
  it('has no input under local/ and no test code', () => {
    // Builds the bundle in memory with the build script's own options and lists its inputs (metafile).
    const script = [
      "const { build } = await import('esbuild');",
      `const { appBuildOptions } = await import(${JSON.stringify('file://' + join(root, 'scripts', 'build.mjs'))});`,
      'const result = await build({ ...appBuildOptions({ quiet: true }), write: false, sourcemap: false, metafile: true });',
      'process.stdout.write(JSON.stringify(Object.keys(result.metafile.inputs)));',
    ].join('\n');
    const inputs = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' })
    ) as string[];
    expect(inputs).toContain('functions/index.ts');
    expect(inputs.filter((file) => file.startsWith('shared/')).length).toBeGreaterThan(50);
    expect(inputs.filter((file) => /^(local|test|bench)\//.test(file))).toEqual([]);
  });
});
