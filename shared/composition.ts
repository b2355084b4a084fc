import type { BlobServiceClient } from '@azure/storage-blob';
import type { CosmosClient } from '@azure/cosmos';
import { createCosmosClient, cosmosHealthProbe } from './adapters/cosmos/cosmosClient';
import { resolveClock } from './adapters/clock';
import { createBlobServiceClient, storageHealthProbe } from './adapters/storage/blobService';
import { loadSettings, type Settings } from './config/settings';
import type { Clock } from './ports/clock';
import type { HealthProbe } from './ports/health';
import type { DocumentStore } from './ports/documentStore';
import { cosmosDocumentStore } from './adapters/cosmos/cosmosDocumentStore';
import { createTokenVerifier, type TokenVerifier } from './adapters/identity/tokenVerifier';
import { azureCredential } from './adapters/azureCredential';
import { createAcsEmailSender } from './adapters/email/acsEmailSender';
import { createSmtpEmailSender } from './adapters/email/smtpEmailSender';
import type { EmailSender } from './ports/email';
import type { DocumentFiles } from './ports/documentFiles';
import { blobDocumentFiles, createDocumentsBlobService } from './adapters/blob/blobDocumentFiles';
import type { MessageQueue } from './ports/messageQueue';
import { serviceBusMessageQueue } from './adapters/serviceBus/serviceBusMessageQueue';
import { localMessageQueue } from './adapters/serviceBus/localMessageQueue';
import type { Metrics } from './ports/metrics';
import { processMetrics } from './observability/metrics';

/** The composition root: the ports the use cases need, built once per process from the settings. */
export interface Platform {
  settings: Settings;
  clock: Clock;
  cosmos(): Promise<CosmosClient>;
  blobService(): Promise<BlobServiceClient>;
  healthProbes: readonly HealthProbe[];
  store: DocumentStore;
  tokenVerifier: TokenVerifier;
  /** Email through ACS in Azure, the local SMTP sink locally; built on the first send. */
  emailSender: EmailSender;
  /** Documents kept as files (released reports): blob storage with the managed identity in Azure, Azurite locally. */
  documentFiles: DocumentFiles;
  /** Service Bus with the managed identity in Azure (SDK loaded on the first send), the local host's queue locally. */
  messageQueue: MessageQueue;
  /** Custom metrics: an OpenTelemetry meter in Azure with Application Insights, counted in memory otherwise. */
  metrics: Metrics;
}

function once<T>(create: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= create().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}

export function createPlatform(settings: Settings, clock: Clock = resolveClock()): Platform {
  const cosmos = once(() => createCosmosClient(settings));
  const blobService = once(() => createBlobServiceClient(settings));
  const emailSender = once(async (): Promise<EmailSender> =>
    settings.mode === 'azure'
      ? createAcsEmailSender({
          endpoint: settings.email.endpoint,
          senderAddress: settings.email.senderAddress,
          credential: await azureCredential(settings),
        })
      : createSmtpEmailSender({
          host: settings.email.host,
          port: settings.email.port,
          from: `Better Work SLCP <${settings.email.senderAddress}>`,
        })
  );
  return {
    settings,
    clock,
    cosmos,
    blobService,
    healthProbes: [cosmosHealthProbe(cosmos, settings.cosmos.databaseName), storageHealthProbe(blobService)],
    store: cosmosDocumentStore(cosmos, settings.cosmos.databaseName),
    tokenVerifier: createTokenVerifier({ ...settings.identity, clock }),
    emailSender: { send: async (message) => (await emailSender()).send(message) },
    documentFiles: blobDocumentFiles(once(() => createDocumentsBlobService(settings))),
    messageQueue:
      settings.mode === 'azure'
        ? serviceBusMessageQueue({
            fullyQualifiedNamespace: settings.serviceBus.fullyQualifiedNamespace,
            credential: () => azureCredential(settings),
          })
        : localMessageQueue({ url: settings.serviceBus?.url }),
    metrics: processMetrics,
  };
}

let current: Platform | undefined;

/** The process's platform; the settings are validated when the app starts, so a bad configuration stops start-up. */
export function platform(): Platform {
  current ??= createPlatform(loadSettings());
  return current;
}
