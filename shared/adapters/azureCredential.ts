import type { TokenCredential } from '@azure/identity';
import type { AzureSettings } from '../config/settings';

let credential: Promise<TokenCredential> | undefined;

/** The app's managed identity (DefaultAzureCredential), one per process so every client shares its token cache. */
export function azureCredential(settings: AzureSettings): Promise<TokenCredential> {
  credential ??= import('@azure/identity').then(
    ({ DefaultAzureCredential }) =>
      new DefaultAzureCredential(
        settings.managedIdentityClientId ? { managedIdentityClientId: settings.managedIdentityClientId } : {}
      )
  );
  return credential;
}
