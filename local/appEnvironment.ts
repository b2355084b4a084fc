import { azuriteConnectionString, type LocalSecrets } from './dataDir';
import { identityEnvironment, localIdentitySettings } from './identity/devIdentityProvider';

export interface LocalEndpoints {
  /** The address the local servers listen on. */
  host: string;
  apiPort: number;
  cosmosPort: number;
  blobPort: number;
  queuePort: number;
  tablePort: number;
  gatewayPort: number;
  smtpPort: number;
}

/** The app settings that make the function app use the local servers (what `npm start` gives it). */
export function localAppEnvironment(
  endpoints: LocalEndpoints,
  secrets: LocalSecrets,
  cosmosCaFile: string | undefined
): Record<string, string> {
  const host = endpoints.host === '0.0.0.0' ? '127.0.0.1' : endpoints.host;
  const api = `http://${host}:${endpoints.apiPort}`;
  return {
    LOCAL_COSMOS_ENDPOINT: `https://${host}:${endpoints.cosmosPort}/`,
    LOCAL_COSMOS_KEY: secrets.cosmosKey,
    ...(cosmosCaFile ? { LOCAL_COSMOS_CA_FILE: cosmosCaFile } : {}),
    AzureWebJobsStorage: azuriteConnectionString(
      host,
      { blob: endpoints.blobPort, queue: endpoints.queuePort, table: endpoints.tablePort },
      secrets
    ),
    ...identityEnvironment(localIdentitySettings(`${api}/api`)),
    GATEWAY_BASE_URL: `http://${host}:${endpoints.gatewayPort}`,
    GATEWAY_SHARED_SECRET: secrets.gatewaySharedSecret,
    PUBLIC_API_BASE_URL: `${api}/api`,
    PORTAL_BASE_URL: api,
    SMTP_HOST: host,
    SMTP_PORT: String(endpoints.smtpPort),
  };
}
