import { z } from 'zod';
import { defaultCosmosDatabaseName } from './cosmosContainers';

/**
 * The app's settings, read once from the environment. Identity-based Azure settings select the Azure
 * adapters (DefaultAzureCredential, no keys); their absence selects the local servers of the local host.
 */
export type Settings = AzureSettings | LocalSettings;

/** What both homes need: who issues tokens, where the Gateway is, and the public addresses of the platform. */
export interface CommonSettings {
  identity: { issuer: string; audience: string; jwksUri: string };
  gateway: { baseUrl: string; sharedSecret: string };
  /** The API's public base URL (…/api): the Gateway calls back under it. */
  publicApiBaseUrl: string;
  /** Where people open links from emails (the portal). */
  portalBaseUrl: string;
  /**
   * How the Service Bus–triggered sender (processTransmission) retries the Gateway within ONE delivery:
   * `TRANSMISSION_SEND_ATTEMPTS` attempts (6 by default) within `TRANSMISSION_SEND_BUDGET_MS` (45 000 by
   * default: below the queue's 1-minute lock; at most 4 minutes, below host.json's 5-minute lock renewal).
   * Beyond it the message goes back to Service Bus (redelivered up to its maximum delivery count, then
   * dead-lettered). Leave both unset in Azure; tests and benchmarks shorten them to see many deliveries fast.
   * Optional only so that settings built by hand may leave it out (the defaults then apply).
   */
  transmissionSend?: { maxAttempts: number; budgetMs: number };
  /**
   * The browser origins (scheme://host[:port]) allowed to call the API cross-origin: `CORS_ALLOWED_ORIGINS`,
   * comma-separated; the origin of `PORTAL_BASE_URL` when unset; never `*`. The local host answers CORS from
   * it; in Azure the Function App's platform CORS (siteConfig.cors, infra/app/api.bicep) is set from the same
   * list. Optional only so that settings built by hand may leave it out.
   */
  corsAllowedOrigins?: readonly string[];
}

/** The sender's retry budget when TRANSMISSION_SEND_ATTEMPTS / TRANSMISSION_SEND_BUDGET_MS are not set. */
export const defaultTransmissionSend = { maxAttempts: 6, budgetMs: 45_000 } as const;

export interface AzureSettings extends CommonSettings {
  mode: 'azure';
  email: { kind: 'acs'; endpoint: string; senderAddress: string };
  cosmos: { endpoint: string; databaseName: string };
  storage: { blobServiceUri: string };
  /** The blob service the app keeps documents (released reports) in; the app's storage account when absent. */
  documentsBlobServiceUri?: string | undefined;
  serviceBus: { fullyQualifiedNamespace: string };
  managedIdentityClientId: string | undefined;
  /** Application Insights (Entra ID auth with the managed identity); absent: no OpenTelemetry export. */
  applicationInsightsConnectionString?: string | undefined;
}

export interface LocalSettings extends CommonSettings {
  mode: 'local';
  email: { kind: 'smtp'; host: string; port: number; senderAddress: string };
  cosmos: { endpoint: string; key: string; caFile: string | undefined; databaseName: string };
  storage: { connectionString: string };
  /** The local host's queue API (…/runtime/servicebus), set by the local host; absent: sends fail, saying so. */
  serviceBus?: { url: string };
}

export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
  constructor(readonly problems: string[]) {
    super(`Configuration is not valid: ${problems.join('; ')}.`);
  }
}

/** The settings that, when any is present, mean "running in Azure with managed identity". */
export const azureIdentitySettingNames = [
  'CosmosDB__accountEndpoint',
  'ServiceBus__fullyQualifiedNamespace',
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__blobServiceUri',
] as const;

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();
/** A whole number written in digits, within [min, max]. */
const wholeNumber = (min: number, max: number, error: string) =>
  z
    .string()
    .regex(/^\d{1,9}$/, error)
    .transform(Number)
    .refine((n) => n >= min && n <= max, error);
const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https:// URL' });
const databaseName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/, 'must be 1-255 letters, digits, "-" or "_"')
  .default(defaultCosmosDatabaseName);

/** scheme://host[:port], nothing more: what a browser sends as Origin. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return /^https?:$/.test(url.protocol) && url.origin === value && !value.includes('*');
  } catch {
    return false;
  }
}

const commonSchema = z.object({
  IDENTITY_ISSUER: z.url({
    error: 'must be the token issuer URL (Entra ID: https://login.microsoftonline.com/<tenant>/v2.0)',
  }),
  IDENTITY_AUDIENCE: z.string().min(1, "must be the API's application ID URI or client id"),
  IDENTITY_JWKS_URI: z.url({ error: "must be the URL of the issuer's signing keys (JWKS)" }),
  GATEWAY_BASE_URL: z.url({ error: 'must be the SLCP Gateway base URL' }),
  GATEWAY_SHARED_SECRET: z.string().min(32, 'must be at least 32 characters (from Key Vault in Azure)'),
  PUBLIC_API_BASE_URL: z.url({ error: 'must be the public base URL of this API (…/api)' }),
  PORTAL_BASE_URL: z.url({ error: 'must be the base URL of the portal' }),
  CORS_ALLOWED_ORIGINS: z
    .string()
    .refine(
      (v) => v.split(',').every((origin) => isOrigin(origin.trim())),
      'must be comma-separated origins such as https://portal.example.org (scheme, host, port; no path; * is not allowed)'
    )
    .optional(),
  TRANSMISSION_SEND_ATTEMPTS: wholeNumber(1, 20, 'must be a whole number of attempts (1-20)').default(
    defaultTransmissionSend.maxAttempts
  ),
  TRANSMISSION_SEND_BUDGET_MS: wholeNumber(
    100,
    240_000,
    "must be milliseconds (100-240000): below host.json's 5-minute lock renewal"
  ).default(defaultTransmissionSend.budgetMs),
});

function commonOf(s: z.infer<typeof commonSchema>): CommonSettings {
  return {
    identity: { issuer: s.IDENTITY_ISSUER, audience: s.IDENTITY_AUDIENCE, jwksUri: s.IDENTITY_JWKS_URI },
    gateway: { baseUrl: s.GATEWAY_BASE_URL.replace(/\/+$/, ''), sharedSecret: s.GATEWAY_SHARED_SECRET },
    publicApiBaseUrl: s.PUBLIC_API_BASE_URL.replace(/\/+$/, ''),
    portalBaseUrl: s.PORTAL_BASE_URL.replace(/\/+$/, ''),
    transmissionSend: { maxAttempts: s.TRANSMISSION_SEND_ATTEMPTS, budgetMs: s.TRANSMISSION_SEND_BUDGET_MS },
    corsAllowedOrigins: s.CORS_ALLOWED_ORIGINS
      ? [...new Set(s.CORS_ALLOWED_ORIGINS.split(',').map((origin) => origin.trim()))]
      : [new URL(s.PORTAL_BASE_URL).origin],
  };
}

const azureSchema = commonSchema.extend({
  COMMUNICATION_SERVICES_ENDPOINT: httpsUrl,
  EMAIL_SENDER_ADDRESS: z.email({ error: 'must be the sender address of the email domain' }),
  CosmosDB__accountEndpoint: httpsUrl,
  COSMOS_DATABASE: databaseName,
  ServiceBus__fullyQualifiedNamespace: z
    .string()
    .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'must be a host name such as myns.servicebus.windows.net'),
  AzureWebJobsStorage__accountName: z
    .string()
    .regex(/^[a-z0-9]{3,24}$/, 'must be a storage account name (3-24 lower-case letters and digits)')
    .optional(),
  AzureWebJobsStorage__blobServiceUri: httpsUrl.optional(),
  AzureWebJobsStorage: z
    .string()
    .refine((v) => !/AccountKey=|SharedAccessSignature=/i.test(v), {
      message: 'holds a shared key; in Azure use AzureWebJobsStorage__accountName with the managed identity instead',
    })
    .optional(),
  AZURE_CLIENT_ID: z.uuid({ error: 'must be the client id (a GUID) of the managed identity' }).optional(),
  DOCUMENTS_BLOB_SERVICE_URI: httpsUrl.optional(),
  APPLICATIONINSIGHTS_CONNECTION_STRING: z
    .string()
    .regex(/(^|;)\s*(InstrumentationKey|IngestionEndpoint)=/i, 'must be the connection string of Application Insights')
    .optional(),
});

const localSchema = commonSchema.extend({
  SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535, 'must be a port number'),
  EMAIL_SENDER_ADDRESS: z.email().default('no-reply@bw-slcp.local'),
  LOCAL_COSMOS_ENDPOINT: httpsUrl,
  LOCAL_COSMOS_KEY: z.base64({ error: 'must be a base64 key' }),
  LOCAL_COSMOS_CA_FILE: z.string().min(1).optional(),
  COSMOS_DATABASE: databaseName,
  AzureWebJobsStorage: z.string().min(1, 'must be a storage connection string (Azurite locally)'),
  LOCAL_SERVICE_BUS_URL: z
    .url({
      protocol: /^http$/,
      error: "must be the local host's queue API, http://127.0.0.1:<port>/runtime/servicebus",
    })
    .optional(),
});

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const name = issue.path.join('.') || 'settings';
    return issue.code === 'invalid_type' && issue.input === undefined
      ? `${name} is missing`
      : `${name} ${issue.message}`;
  });
}

function withoutBlanks(env: Record<string, string | undefined>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const trimmed = optionalText.parse(value);
    if (trimmed !== undefined) clean[name] = trimmed;
  }
  return clean;
}

export function parseSettings(
  rawEnv: Record<string, string | undefined>
): { ok: true; settings: Settings } | { ok: false; problems: string[] } {
  const env = withoutBlanks(rawEnv);
  const azure = azureIdentitySettingNames.some((name) => env[name] !== undefined);
  if (azure) {
    const parsed = azureSchema.safeParse(env);
    const problems = parsed.success ? [] : describeIssues(parsed.error);
    if (!env.AzureWebJobsStorage__accountName && !env.AzureWebJobsStorage__blobServiceUri) {
      problems.push('AzureWebJobsStorage__accountName (or AzureWebJobsStorage__blobServiceUri) is missing');
    }
    if (!parsed.success || problems.length > 0) return { ok: false, problems };
    const s = parsed.data;
    return {
      ok: true,
      settings: {
        mode: 'azure',
        cosmos: { endpoint: s.CosmosDB__accountEndpoint, databaseName: s.COSMOS_DATABASE },
        storage: {
          blobServiceUri:
            s.AzureWebJobsStorage__blobServiceUri ??
            `https://${s.AzureWebJobsStorage__accountName}.blob.core.windows.net`,
        },
        documentsBlobServiceUri: s.DOCUMENTS_BLOB_SERVICE_URI,
        serviceBus: { fullyQualifiedNamespace: s.ServiceBus__fullyQualifiedNamespace },
        managedIdentityClientId: s.AZURE_CLIENT_ID,
        applicationInsightsConnectionString: s.APPLICATIONINSIGHTS_CONNECTION_STRING,
        email: { kind: 'acs', endpoint: s.COMMUNICATION_SERVICES_ENDPOINT, senderAddress: s.EMAIL_SENDER_ADDRESS },
        ...commonOf(s),
      },
    };
  }
  const parsed = localSchema.safeParse(env);
  if (!parsed.success) {
    return {
      ok: false,
      problems: [
        ...describeIssues(parsed.error),
        `(no Azure identity setting such as ${azureIdentitySettingNames[0]} is set, so the local servers are expected; start them with "npm start")`,
      ],
    };
  }
  const s = parsed.data;
  return {
    ok: true,
    settings: {
      mode: 'local',
      cosmos: {
        endpoint: s.LOCAL_COSMOS_ENDPOINT,
        key: s.LOCAL_COSMOS_KEY,
        caFile: s.LOCAL_COSMOS_CA_FILE,
        databaseName: s.COSMOS_DATABASE,
      },
      storage: { connectionString: s.AzureWebJobsStorage },
      ...(s.LOCAL_SERVICE_BUS_URL ? { serviceBus: { url: s.LOCAL_SERVICE_BUS_URL.replace(/\/+$/, '') } } : {}),
      email: { kind: 'smtp', host: s.SMTP_HOST, port: s.SMTP_PORT, senderAddress: s.EMAIL_SENDER_ADDRESS },
      ...commonOf(s),
    },
  };
}

/** Reads the settings or stops start-up with one message listing every problem. */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const result = parseSettings(env);
  if (!result.ok) throw new ConfigurationError(result.problems);
  return result.settings;
}
