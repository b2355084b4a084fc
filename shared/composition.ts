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
  };
}

let current: Platform | undefined;

/** The process's platform; the settings are validated when the app starts, so a bad configuration stops start-up. */
export function platform(): Platform {
  current ??= createPlatform(loadSettings());
  return current;
}
