import { parseSettings, loadSettings, ConfigurationError } from '../../shared/config/settings';

const common = {
  IDENTITY_ISSUER: 'http://127.0.0.1:7071/api/_dev/identity',
  IDENTITY_AUDIENCE: 'api://bw-slcp-data-sharing',
  IDENTITY_JWKS_URI: 'http://127.0.0.1:7071/api/_dev/identity/keys',
  GATEWAY_BASE_URL: 'http://127.0.0.1:7072/',
  GATEWAY_SHARED_SECRET: 'x'.repeat(48),
  PUBLIC_API_BASE_URL: 'http://127.0.0.1:7071/api',
  PORTAL_BASE_URL: 'http://127.0.0.1:7071',
};
const commonSettings = {
  identity: {
    issuer: common.IDENTITY_ISSUER,
    audience: common.IDENTITY_AUDIENCE,
    jwksUri: common.IDENTITY_JWKS_URI,
  },
  gateway: { baseUrl: 'http://127.0.0.1:7072', sharedSecret: common.GATEWAY_SHARED_SECRET },
  publicApiBaseUrl: common.PUBLIC_API_BASE_URL,
  portalBaseUrl: common.PORTAL_BASE_URL,
  transmissionSend: { maxAttempts: 6, budgetMs: 45_000 },
  corsAllowedOrigins: ['http://127.0.0.1:7071'],
};

const local = {
  ...common,
  SMTP_PORT: '2525',
  LOCAL_COSMOS_ENDPOINT: 'https://127.0.0.1:8081/',
  LOCAL_COSMOS_KEY: Buffer.from('local key').toString('base64'),
  LOCAL_COSMOS_CA_FILE: '/tmp/cert.pem',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

const azure = {
  ...common,
  COMMUNICATION_SERVICES_ENDPOINT: 'https://bwslcp.communication.azure.com/',
  EMAIL_SENDER_ADDRESS: 'donotreply@example.org',
  CosmosDB__accountEndpoint: 'https://bwslcp.documents.azure.com:443/',
  ServiceBus__fullyQualifiedNamespace: 'bwslcp.servicebus.windows.net',
  AzureWebJobsStorage__accountName: 'stbwslcp',
  AZURE_CLIENT_ID: '6f1d3c2a-4b5e-4c7d-8e9f-0a1b2c3d4e5f',
};

describe('settings', () => {
  it('selects the local servers when no Azure identity setting is present', () => {
    const result = parseSettings(local);
    expect(result).toEqual({
      ok: true,
      settings: {
        mode: 'local',
        cosmos: {
          endpoint: local.LOCAL_COSMOS_ENDPOINT,
          key: local.LOCAL_COSMOS_KEY,
          caFile: '/tmp/cert.pem',
          databaseName: 'slcp',
        },
        storage: { connectionString: 'UseDevelopmentStorage=true' },
        email: { kind: 'smtp', host: '127.0.0.1', port: 2525, senderAddress: 'no-reply@bw-slcp.local' },
        ...commonSettings,
      },
    });
  });

  it('selects the Azure adapters with managed identity when the identity-based settings are present', () => {
    const result = parseSettings({ ...azure, COSMOS_DATABASE: 'slcp-prod' });
    expect(result).toEqual({
      ok: true,
      settings: {
        mode: 'azure',
        cosmos: { endpoint: azure.CosmosDB__accountEndpoint, databaseName: 'slcp-prod' },
        storage: { blobServiceUri: 'https://stbwslcp.blob.core.windows.net' },
        serviceBus: { fullyQualifiedNamespace: azure.ServiceBus__fullyQualifiedNamespace },
        managedIdentityClientId: azure.AZURE_CLIENT_ID,
        email: {
          kind: 'acs',
          endpoint: azure.COMMUNICATION_SERVICES_ENDPOINT,
          senderAddress: 'donotreply@example.org',
        },
        ...commonSettings,
      },
    });
  });

  it('lists every problem of a half-filled Azure configuration at once', () => {
    const result = parseSettings({
      ...common,
      GATEWAY_SHARED_SECRET: 'short',
      CosmosDB__accountEndpoint: 'http://insecure.example',
      AZURE_CLIENT_ID: 'me',
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        'CosmosDB__accountEndpoint must be an https:// URL',
        'ServiceBus__fullyQualifiedNamespace is missing',
        'AzureWebJobsStorage__accountName (or AzureWebJobsStorage__blobServiceUri) is missing',
        'AZURE_CLIENT_ID must be the client id (a GUID) of the managed identity',
        'GATEWAY_SHARED_SECRET must be at least 32 characters (from Key Vault in Azure)',
        'COMMUNICATION_SERVICES_ENDPOINT is missing',
      ])
    );
  });

  it('refuses shared keys in Azure', () => {
    const result = parseSettings({
      ...azure,
      AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc',
    });
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.problems.join()).toMatch(/shared key/);
  });

  it("takes the sender's retry budget from TRANSMISSION_SEND_*: 6 attempts within 45 s unless set, bounded", () => {
    const shortened = parseSettings({ ...local, TRANSMISSION_SEND_ATTEMPTS: '3', TRANSMISSION_SEND_BUDGET_MS: '1500' });
    expect(shortened.ok && shortened.settings.transmissionSend).toEqual({ maxAttempts: 3, budgetMs: 1500 });
    const inAzure = parseSettings(azure);
    expect(inAzure.ok && inAzure.settings.transmissionSend).toEqual({ maxAttempts: 6, budgetMs: 45_000 });
    const problems = (env: Record<string, string>) => {
      const result = parseSettings({ ...local, ...env });
      return result.ok ? [] : result.problems;
    };
    expect(problems({ TRANSMISSION_SEND_ATTEMPTS: '0' })).toEqual([
      'TRANSMISSION_SEND_ATTEMPTS must be a whole number of attempts (1-20)',
      expect.stringContaining('npm start'),
    ]);
    expect(problems({ TRANSMISSION_SEND_ATTEMPTS: 'many' })[0]).toBe(
      'TRANSMISSION_SEND_ATTEMPTS must be a whole number of attempts (1-20)'
    );
    expect(problems({ TRANSMISSION_SEND_BUDGET_MS: '300000' })[0]).toMatch(
      /^TRANSMISSION_SEND_BUDGET_MS must be milliseconds \(100-240000\)/
    );
    expect(problems({ TRANSMISSION_SEND_BUDGET_MS: '2.5' })[0]).toMatch(/^TRANSMISSION_SEND_BUDGET_MS must be/);
  });

  it('allows CORS for the listed origins only, the portal origin by default, never *', () => {
    const origins = (env: Record<string, string>) => {
      const result = parseSettings({ ...local, ...env });
      return result.ok ? result.settings.corsAllowedOrigins : result.problems[0];
    };
    expect(origins({ PORTAL_BASE_URL: 'https://portal.example.org/app/' })).toEqual(['https://portal.example.org']);
    expect(origins({ CORS_ALLOWED_ORIGINS: 'https://portal.example.org, http://localhost:5173' })).toEqual([
      'https://portal.example.org',
      'http://localhost:5173',
    ]);
    expect(origins({ CORS_ALLOWED_ORIGINS: '   ' })).toEqual(['http://127.0.0.1:7071']); // blank: the default
    for (const bad of [
      '*',
      'https://*.example.org',
      'https://portal.example.org/',
      'portal.example.org',
      'ftp://x.org',
    ]) {
      expect(origins({ CORS_ALLOWED_ORIGINS: `https://ok.example.org,${bad}` })).toMatch(
        /^CORS_ALLOWED_ORIGINS must be/
      );
    }
  });

  it('treats blank values as missing and stops start-up with one message', () => {
    expect(() => loadSettings({ ...local, LOCAL_COSMOS_KEY: '  ' })).toThrow(ConfigurationError);
    expect(() => loadSettings({ ...common, SMTP_PORT: '25' })).toThrow(
      /LOCAL_COSMOS_ENDPOINT is missing; LOCAL_COSMOS_KEY is missing; AzureWebJobsStorage is missing/
    );
    expect(() => loadSettings({})).toThrow(/IDENTITY_ISSUER is missing; .*GATEWAY_BASE_URL is missing/);
    expect(() => loadSettings({ ...local, COSMOS_DATABASE: 'bad name!' })).toThrow(/COSMOS_DATABASE must be 1-255/);
  });
});
