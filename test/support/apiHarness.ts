// The function app in-process for API tests: the real function registrations (functions/index) loaded
// into the local Functions host and served over real HTTP, a real local Cosmos server reached through the
// real SDK, and ES256 bearer tokens for the demo users from the development identity provider, whose keys
// (JWKS) the app fetches over HTTP. Importing this module registers the module mock it needs
// (`@azure/functions-core` answered by the local host), so a test file only calls `startApiHarness()` in
// `beforeAll` and `stop()` in `afterAll`.

import type { Database } from '@azure/cosmos';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localAppEnvironment } from '../../local/appEnvironment';
import { LocalClock } from '../../local/clock';
import type { CoreApi } from '../../local/core/coreApi';
import { provisionCosmos } from '../../local/cosmos/provision';
import { CosmosInstanceStore, durableDatabaseName } from '../../local/durable/cosmosStore';
import { durableTaskSettings } from '../../local/durable/settings';
import { freePort } from '../../local/processes/ports';
import { CosmosMessageStore, serviceBusDatabaseName } from '../../local/serviceBus/cosmosStore';
import { serviceBusHostSettings } from '../../local/serviceBus/settings';
import { CERT_FILE, startCosmosServer, type CosmosServer } from '../../local/cosmos/server';
import { LocalHost } from '../../local/host';
import {
  localIdentityAudience,
  startDevIdentityProvider,
  type DevIdentityProvider,
} from '../../local/identity/devIdentityProvider';
import { findDemoUser, type DemoUser } from '../../local/seed/demoUsers';
import { createCosmosClient } from '../../shared/adapters/cosmos/cosmosClient';
import { cosmosContainers, defaultCosmosDatabaseName } from '../../shared/config/cosmosContainers';
import { loadSettings } from '../../shared/config/settings';
import type { Role } from '../../shared/domain/access/roles';
import type { Platform } from '../../shared/composition';
import type { Clock } from '../../shared/ports/clock';
import type { DocumentStore } from '../../shared/ports/documentStore';
import { startAzuriteBlob, type AzuriteBlob } from './azurite';

let mockCoreApi: CoreApi | undefined;
jest.mock(
  '@azure/functions-core',
  () =>
    new Proxy(
      {},
      { get: (_target, property) => (mockCoreApi as unknown as Record<string | symbol, unknown>)[property] }
    ),
  { virtual: true }
);

export interface ApiHarnessOptions {
  /** Writes the data the test needs, through the app's own store, before the host serves requests. */
  seed?: (store: DocumentStore, clock: Clock) => Promise<void>;
  /**
   * Runs a real Azurite blob service (in memory, a child process of the test) for the app's blob storage
   * (released reports); off by default, when nothing listens where the app's storage points.
   */
  azurite?: boolean;
  /**
   * Fire timer triggers (the outbox delivery every minute) on the clock; off by default, so nothing
   * changes the data between a test's requests.
   */
  timers?: boolean;
  /** Where the host's log lines go; dropped by default. */
  writeLine?: (line: string) => void;
  /** The host logs debug lines and its own system lines too (as `npm start --verbose`); off by default. */
  verbose?: boolean;
  /**
   * The SMTP port of a mail sink the test started, where the app sends its emails; by default nothing
   * listens there, so emails stay in the outbox, retrying.
   */
  smtpPort?: number;
  /** Moves the virtual clock to this moment before the data is seeded and the host starts. */
  startAt?: Date;
  /**
   * App settings over the harness's own (`PORTAL_BASE_URL` is `https://portal.example.org`; the Gateway's
   * shared secret a random one), set before the app loads.
   */
  env?: Record<string, string>;
}

/** A user of the test's own, not one of the demo users: the token carries no email or name it lacks. */
export interface TokenUser {
  userId: string;
  roles: Role[];
  email?: string;
  name?: string;
}

export interface ApiHarness {
  /** `http://127.0.0.1:<port>/api` */
  base: string;
  /** A bearer token for a demo user (`fm-bd-1`, `admin`, ... see local/seed/demoUsers.ts) or a user of the test's own. */
  tokenFor(user: string | TokenUser, override?: Partial<DemoUser>): Promise<string>;
  /** The development identity provider that signs the tokens (its issuer and audience are the app's). */
  identity: DevIdentityProvider;
  /** A folder of the harness's own, removed by `stop()`. */
  dataDir: string;
  /** The app's own document store (the same client the functions use). */
  store: DocumentStore;
  /** The app's platform (the same ports the functions use: its document files, say). */
  app: Platform;
  /** The app's database, for queries a test needs beyond the store (ETags, cross-container checks). */
  database(): Promise<Database>;
  /** Every document of every container as `container/id@etag`, sorted: equal before and after = nothing written. */
  fingerprint(): Promise<string[]>;
  clock: LocalClock;
  host: LocalHost;
  stop(): Promise<void>;
}

export async function startApiHarness(options: ApiHarnessOptions = {}): Promise<ApiHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'api-harness-'));
  const savedEnv = { ...process.env };
  const clock = new LocalClock('virtual');
  if (options.startAt) clock.jumpTo(options.startAt);
  const hostJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'host.json'), 'utf8')) as unknown;
  // The app's settings (LOCAL_SERVICE_BUS_URL) name the host's port before the host listens: pick it first.
  const port = await freePort();
  const host = new LocalHost({
    host: '127.0.0.1',
    port,
    routePrefix: 'api',
    maxRequestBodyBytes: 1024 * 1024,
    functionAppDirectory: dataDir,
    clock,
    writeLine: options.writeLine ?? (() => undefined),
    verbose: options.verbose ?? false,
    // The local durable engine on the harness's Cosmos server (its own database), as npm start wires it.
    durable: {
      store: new CosmosInstanceStore({
        connect: () => createCosmosClient(loadSettings(process.env)),
        databaseName: durableDatabaseName(defaultCosmosDatabaseName),
      }),
      settings: durableTaskSettings(hostJson),
    },
    // The local Service Bus queue on the same server (its own database), as npm start wires it.
    serviceBus: {
      store: new CosmosMessageStore({
        connect: () => createCosmosClient(loadSettings(process.env)),
        databaseName: serviceBusDatabaseName(defaultCosmosDatabaseName),
      }),
      settings: serviceBusHostSettings(hostJson),
    },
  });
  let cosmos: CosmosServer | undefined;
  let azurite: AzuriteBlob | undefined;
  let jwksServer: Server | undefined;
  let started = false;

  const stop = async (): Promise<void> => {
    try {
      if (started) await host.stop();
      if (mockCoreApi === host.coreApi) mockCoreApi = undefined;
      await cosmos?.close();
      await azurite?.stop();
      if (jwksServer) await new Promise((resolve) => jwksServer!.close(resolve));
    } finally {
      process.env = savedEnv;
      rmSync(dataDir, { recursive: true, force: true });
    }
  };

  try {
    cosmos = await startCosmosServer({ port: 0, dataDir: join(dataDir, 'cosmos') });
    const caFile = join(dataDir, 'cosmos', CERT_FILE);
    const cosmosKey = randomBytes(64).toString('base64');
    const azuriteAccount = { accountName: 'bwslcptest', accountKey: randomBytes(64).toString('base64') };
    if (options.azurite) azurite = await startAzuriteBlob({ ...azuriteAccount, cwd: dataDir });
    await provisionCosmos({
      endpoint: cosmos.endpoint,
      key: cosmosKey,
      caFile,
      databaseName: defaultCosmosDatabaseName,
    });

    // The identity provider's keys, served over HTTP where the app's token verifier fetches them.
    const published: { idp?: DevIdentityProvider } = {};
    const keysServer = createServer((req, res) => {
      if (req.url === '/identity/keys' && published.idp) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(published.idp.jwks()));
      } else res.writeHead(404).end();
    });
    jwksServer = keysServer;
    await new Promise<void>((resolve) => keysServer.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(keysServer.address() as AddressInfo).port}/identity`;
    const idp = await startDevIdentityProvider({ dataDir, issuer, audience: localIdentityAudience, clock });
    published.idp = idp;

    Object.assign(
      process.env,
      localAppEnvironment(
        {
          host: '127.0.0.1',
          apiPort: 1,
          cosmosPort: Number(new URL(cosmos.endpoint).port),
          blobPort: azurite?.port ?? 1,
          queuePort: 1,
          tablePort: 1,
          gatewayPort: 1,
          smtpPort: options.smtpPort ?? 1,
        },
        {
          layoutVersion: 1,
          azuriteAccountName: azuriteAccount.accountName,
          azuriteAccountKey: azuriteAccount.accountKey,
          cosmosKey,
          gatewaySharedSecret: randomBytes(32).toString('base64url'),
        },
        caFile
      ),
      {
        IDENTITY_ISSUER: issuer,
        IDENTITY_JWKS_URI: idp.jwksUri,
        PORTAL_BASE_URL: 'https://portal.example.org',
        LOCAL_SERVICE_BUS_URL: `http://127.0.0.1:${port}/runtime/servicebus`,
      },
      options.env
    );

    mockCoreApi = host.coreApi;
    await host.loadApp(() => import('../../functions/index'));
    // The same module instance the functions use: its platform is the app's.
    const { platform } = await import('../../shared/composition');
    const app = platform();
    if (options.seed) await options.seed(app.store, clock);
    await host.start();
    started = true;
    if (!options.timers) await host.scheduler.stop();

    const database = async () => (await app.cosmos()).database(app.settings.cosmos.databaseName);
    return {
      base: `http://127.0.0.1:${host.port}/api`,
      tokenFor: async (user, override = {}) => {
        const subject = typeof user === 'string' ? findDemoUser(user) : ownUser(user);
        if (!subject) throw new Error(`There is no demo user ${String(user)}.`);
        return idp.mint({ ...subject, ...override });
      },
      identity: idp,
      dataDir,
      store: app.store,
      app,
      database,
      fingerprint: async () => {
        const db = await database();
        const rows: string[] = [];
        for (const { name } of cosmosContainers) {
          const { resources } = await db
            .container(name)
            .items.query<{ id: string; _etag: string }>('SELECT c.id, c._etag FROM c')
            .fetchAll();
          for (const r of resources) rows.push(`${name}/${r.id}@${r._etag}`);
        }
        return rows.sort();
      },
      clock,
      host,
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** A user of the test's own as the identity provider mints it: a claim it has no value for is left out. */
function ownUser(user: TokenUser): DemoUser {
  return { key: user.userId, ...user } as DemoUser;
}
