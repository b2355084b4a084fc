import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CorruptDataError, HostStartError } from './errors';

/** Bumped when the layout of the data folder changes incompatibly. */
export const dataLayoutVersion = 1;

const localSecretsSchema = z.object({
  layoutVersion: z.literal(dataLayoutVersion),
  azuriteAccountName: z.string().regex(/^[a-z0-9]{3,24}$/),
  azuriteAccountKey: z.base64(),
  cosmosKey: z.base64(),
  /** Signs the Gateway hand-off state and the Gateway's callbacks (Key Vault holds it in Azure). */
  gatewaySharedSecret: z.string().min(32).optional(),
});
export type LocalSecrets = z.infer<typeof localSecretsSchema> & { gatewaySharedSecret: string };

export interface DataLayout {
  root: string;
  azurite: string;
  cosmos: string;
  cosmosCaFile: string;
  secrets: LocalSecrets;
}

/**
 * Prepares the data folder. The keys of the local servers are made here, per machine, on first start:
 * none is in the repository.
 */
export function prepareDataDir(root: string): DataLayout {
  if (existsSync(root) && !statSync(root).isDirectory()) {
    throw new HostStartError(`the data folder ${root} is a file: move it aside or choose another with --data-dir`);
  }
  mkdirSync(root, { recursive: true });
  claimDataDir(root);
  const secretsFile = join(root, 'local-keys.json');
  let secrets: LocalSecrets;
  if (existsSync(secretsFile)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(secretsFile, 'utf8'));
    } catch {
      throw new CorruptDataError(secretsFile, 'is not valid JSON');
    }
    const result = localSecretsSchema.safeParse(parsed);
    if (!result.success) throw new CorruptDataError(secretsFile, 'is not a data folder of this version');
    secrets = result.data as LocalSecrets;
    if (!secrets.gatewaySharedSecret) {
      secrets = { ...secrets, gatewaySharedSecret: randomBytes(32).toString('base64url') };
      writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    }
  } else {
    secrets = {
      layoutVersion: dataLayoutVersion,
      azuriteAccountName: 'bwslcplocal',
      azuriteAccountKey: randomBytes(64).toString('base64'),
      cosmosKey: randomBytes(64).toString('base64'),
      gatewaySharedSecret: randomBytes(32).toString('base64url'),
    };
    writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  const layout = { root, azurite: join(root, 'azurite'), cosmos: join(root, 'cosmos'), secrets };
  mkdirSync(layout.azurite, { recursive: true });
  mkdirSync(layout.cosmos, { recursive: true });
  return { ...layout, cosmosCaFile: join(layout.cosmos, 'cert.pem') };
}

export function azuriteConnectionString(
  host: string,
  ports: { blob: number; queue: number; table: number },
  secrets: LocalSecrets
): string {
  const account = secrets.azuriteAccountName;
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${account}`,
    `AccountKey=${secrets.azuriteAccountKey}`,
    `BlobEndpoint=http://${host}:${ports.blob}/${account}`,
    `QueueEndpoint=http://${host}:${ports.queue}/${account}`,
    `TableEndpoint=http://${host}:${ports.table}/${account}`,
  ].join(';');
}

/**
 * One local host per data folder: two would write the same Cosmos journal. The lock names the owner's
 * pid; a lock left by a host that died (kill -9) is taken over.
 */
function claimDataDir(root: string): void {
  const lockFile = join(root, 'host.lock');
  if (existsSync(lockFile)) {
    const owner = Number(readFileSync(lockFile, 'utf8').trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new HostStartError(
        `the data folder ${root} is in use by another local host (pid ${owner}): stop it, or choose another folder with --data-dir`
      );
    }
  }
  writeFileSync(lockFile, String(process.pid));
  process.once('exit', () => {
    try {
      if (readFileSync(lockFile, 'utf8').trim() === String(process.pid)) rmSync(lockFile);
    } catch {
      // already gone
    }
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
