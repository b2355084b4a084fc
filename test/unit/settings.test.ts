import { parseSettings, loadSettings, ConfigurationError } from '../../shared/config/settings';

const local = {
  LOCAL_COSMOS_ENDPOINT: 'https://127.0.0.1:8081/',
  LOCAL_COSMOS_KEY: Buffer.from('local key').toString('base64'),
  LOCAL_COSMOS_CA_FILE: '/tmp/cert.pem',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

const azure = {
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
      },
    });
  });

  it('lists every problem of a half-filled Azure configuration at once', () => {
    const result = parseSettings({ CosmosDB__accountEndpoint: 'http://insecure.example', AZURE_CLIENT_ID: 'me' });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        'CosmosDB__accountEndpoint must be an https:// URL',
        'ServiceBus__fullyQualifiedNamespace is missing',
        'AzureWebJobsStorage__accountName (or AzureWebJobsStorage__blobServiceUri) is missing',
        'AZURE_CLIENT_ID must be the client id (a GUID) of the managed identity',
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

  it('treats blank values as missing and stops start-up with one message', () => {
    expect(() => loadSettings({ ...local, LOCAL_COSMOS_KEY: '  ' })).toThrow(ConfigurationError);
    expect(() => loadSettings({})).toThrow(
      /LOCAL_COSMOS_ENDPOINT is missing; LOCAL_COSMOS_KEY is missing; AzureWebJobsStorage is missing/
    );
    expect(() => loadSettings({ ...local, COSMOS_DATABASE: 'bad name!' })).toThrow(/COSMOS_DATABASE must be 1-255/);
  });
});
