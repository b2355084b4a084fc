// `npm start`: the whole platform on one machine. Starts Azurite and the Cosmos-compatible server as
// child processes, creates the declared database and containers, then loads the function app into the
// local Functions host and serves it. Ctrl-C stops everything it started.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { azureIdentitySettingNames, ConfigurationError, loadSettings } from '../shared/config/settings';
import { clockStateFile, LocalClock } from './clock';
import { provisionCosmos } from './cosmos/provision';
import { prepareDataDir } from './dataDir';
import { seedDemoData } from './seed/seedDemoData';
import { createCosmosClient } from '../shared/adapters/cosmos/cosmosClient';
import { cosmosDocumentStore } from '../shared/adapters/cosmos/cosmosDocumentStore';
import { startGatewaySimulator, type GatewaySimulator } from './gateway/simulator';
import { createIdentityDevRouter, startDevIdentityProvider } from './identity/devIdentityProvider';
import { demoUsers, describeDemoUsers } from './seed/demoUsers';
import { localAppEnvironment } from './appEnvironment';
import { HostStartError } from './errors';
import { LocalHost } from './host';
import { CosmosInstanceStore, durableDatabaseName } from './durable/cosmosStore';
import { durableTaskSettings } from './durable/settings';
import { CosmosMessageStore, serviceBusDatabaseName } from './serviceBus/cosmosStore';
import { serviceBusHostSettings } from './serviceBus/settings';
import { serviceBusWebhookPath } from './serviceBus/httpApi';
import { parseHostOptions, optionTable, type HostOptions } from './options';
import { ChildService } from './processes/childService';
import { assertPortsFree } from './processes/ports';
import { createRestartDevRouter } from './processes/restartRouter';

const repoRoot = resolve(__dirname, '..', '..');
const say = (line: string) => process.stdout.write(`${line}\n`);

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

function appEntry(options: HostOptions): string {
  const entry = options.app ?? join(repoRoot, String(readJson(join(repoRoot, 'package.json')).main));
  if (!existsSync(entry)) {
    throw new HostStartError(
      `the function app is not built (${relative(process.cwd(), entry)} is missing): run "npm run build", or "npm start" which builds first`
    );
  }
  return entry;
}

function routePrefix(): string {
  const hostJson = readJson(join(repoRoot, 'host.json')) as { extensions?: { http?: { routePrefix?: string } } };
  return hostJson.extensions?.http?.routePrefix ?? 'api';
}

function hostDurableTaskSettings() {
  return durableTaskSettings(readJson(join(repoRoot, 'host.json')));
}

async function main(): Promise<void> {
  const options = parseHostOptions(process.argv.slice(2), process.env, process.cwd());
  const entry = appEntry(options);
  const portOf = (flag: string) => optionTable.find((o) => o.flag === flag)!;
  await assertPortsFree(
    [
      { port: options.port, ...portOf('port'), flag: '--port' },
      { port: options.cosmosPort, ...portOf('cosmos-port'), flag: '--cosmos-port' },
      { port: options.blobPort, ...portOf('blob-port'), flag: '--blob-port' },
      { port: options.queuePort, ...portOf('queue-port'), flag: '--queue-port' },
      { port: options.tablePort, ...portOf('table-port'), flag: '--table-port' },
      { port: options.gatewayPort, ...portOf('gateway-port'), flag: '--gateway-port' },
      { port: options.smtpPort, ...portOf('smtp-port'), flag: '--smtp-port' },
      { port: options.mailWebPort, ...portOf('mail-web-port'), flag: '--mail-web-port' },
    ],
    options.host
  );
  const data = prepareDataDir(options.dataDir);
  const clock = new LocalClock(options.virtualClock ? 'virtual' : 'real', clockStateFile(data.root));

  const cosmosEndpoint = `https://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${options.cosmosPort}/`;
  for (const name of azureIdentitySettingNames) {
    if (process.env[name]) {
      say(`note: ignoring ${name}: npm start runs the app on the local servers`);
      delete process.env[name];
    }
  }
  Object.assign(
    process.env,
    localAppEnvironment(
      {
        host: options.host,
        apiPort: options.port,
        cosmosPort: options.cosmosPort,
        blobPort: options.blobPort,
        queuePort: options.queuePort,
        tablePort: options.tablePort,
        gatewayPort: options.gatewayPort,
        smtpPort: options.smtpPort,
      },
      data.secrets,
      data.cosmosCaFile
    ),
    // The app's local MessageQueue sends to the host's queue API (loopback only, like the Durable HTTP API).
    { LOCAL_SERVICE_BUS_URL: `http://127.0.0.1:${options.port}/${serviceBusWebhookPath.join('/')}` }
  );
  // The app validates the same settings when it loads; checking them first gives the same one-line
  // message before anything is started.
  const settings = loadSettings(process.env);
  if (options.port === 0) {
    throw new HostStartError('--port 0 is not supported: the local token issuer URL names the API port; choose a port');
  }
  // The development identity provider (local only): signs Entra-ID-shaped tokens for the demo users with
  // a key kept in <data>/identity; the app fetches its keys from IDENTITY_JWKS_URI as it does Entra ID's.
  const identityProvider = await startDevIdentityProvider({
    dataDir: data.root,
    issuer: settings.identity.issuer,
    audience: settings.identity.audience,
    clock,
  });

  const parentWatch = join(__dirname, 'parent-watch.js');
  const log = (line: string) => say(`${clock.now().toISOString()} ${line}`);
  const azurite = new ChildService({
    name: 'Azurite',
    script: require.resolve('azurite/dist/src/azurite.js'),
    args: [
      '--silent',
      '--disableTelemetry',
      '--skipApiVersionCheck',
      '--location',
      data.azurite,
      '--blobHost',
      options.host,
      '--blobPort',
      String(options.blobPort),
      '--queueHost',
      options.host,
      '--queuePort',
      String(options.queuePort),
      '--tableHost',
      options.host,
      '--tablePort',
      String(options.tablePort),
    ],
    env: { AZURITE_ACCOUNTS: `${data.secrets.azuriteAccountName}:${data.secrets.azuriteAccountKey}` },
    parentWatch,
    readyWhen: { stdout: /Table service is successfully listening/ },
    startTimeoutMs: 60_000,
    log,
  });
  const cosmos = new ChildService({
    name: 'Cosmos server',
    script: join(__dirname, 'cosmos-child.js'),
    args: ['--port', String(options.cosmosPort), '--host', options.host, '--data-dir', data.cosmos],
    parentWatch,
    readyWhen: { ipcType: 'ready' },
    startTimeoutMs: 120_000,
    log,
  });
  const mail = new ChildService({
    name: 'Mail sink',
    script: join(__dirname, 'mail-child.js'),
    args: [
      '--smtp-port',
      String(options.smtpPort),
      '--web-port',
      String(options.mailWebPort),
      '--host',
      options.host,
      '--data-dir',
      data.root,
    ],
    parentWatch,
    readyWhen: { ipcType: 'ready' },
    startTimeoutMs: 30_000,
    log,
  });
  const children = [azurite, cosmos, mail];
  const stopChildren = () => Promise.all(children.map((c) => c.stop()));

  const host = new LocalHost({
    host: options.host,
    port: options.port,
    routePrefix: routePrefix(),
    maxRequestBodyBytes: 100 * 1024 * 1024,
    functionAppDirectory: repoRoot,
    clock,
    verbose: options.verbose,
    devRouters: [
      createIdentityDevRouter(identityProvider, demoUsers),
      createRestartDevRouter({ azurite, cosmos, mail }, log),
    ],
    // The local durable engine keeps its task hub in the same Cosmos-compatible server, through the real SDK.
    durable: {
      store: new CosmosInstanceStore({
        connect: () => createCosmosClient(settings),
        databaseName: durableDatabaseName(settings.cosmos.databaseName),
      }),
      settings: hostDurableTaskSettings(),
    },
    // The local Service Bus queue: one document per message in the same server, through the real SDK.
    serviceBus: {
      store: new CosmosMessageStore({
        connect: () => createCosmosClient(settings),
        databaseName: serviceBusDatabaseName(settings.cosmos.databaseName),
      }),
      settings: serviceBusHostSettings(readJson(join(repoRoot, 'host.json'))),
    },
  });
  // The SLCP Gateway simulator: its own HTTP server on --gateway-port, in this process so that it shares
  // the project clock; its approvals and callback retries are due on the host's scheduler.
  let gateway: GatewaySimulator | undefined;
  let shuttingDown = false;
  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    say('stopping…');
    try {
      await host.stop();
    } catch (error) {
      say(`error while stopping the function app: ${(error as Error).message}`);
    }
    await gateway?.close().catch((error: Error) => say(`error while stopping the Gateway simulator: ${error.message}`));
    await stopChildren();
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => {
    if (shuttingDown) process.exit(130);
    void shutdown(0);
  });
  process.on('SIGTERM', () => void shutdown(0));

  try {
    await Promise.all(children.map((c) => c.start()));
  } catch (error) {
    await stopChildren();
    throw error;
  }
  for (const child of children) {
    child.onUnexpectedExit = () => {
      if (shuttingDown) return;
      log(`restarting ${child.spec.name}`);
      child.start().then(
        () => log(`${child.spec.name} is back`),
        (error: Error) => {
          say(`error: ${error.message}`);
          void shutdown(1);
        }
      );
    };
  }

  try {
    await provisionCosmos({
      endpoint: cosmosEndpoint,
      key: data.secrets.cosmosKey,
      caFile: data.cosmosCaFile,
      databaseName: settings.cosmos.databaseName,
    });
    // Demo data (idempotent): country programmes, the demo users' directory entries, factories at every stage.
    const seedClient = createCosmosClient(settings);
    try {
      await seedDemoData(
        cosmosDocumentStore(() => seedClient, settings.cosmos.databaseName),
        clock
      );
    } finally {
      (await seedClient).dispose();
    }
    gateway = await startGatewaySimulator({
      host: options.host,
      port: options.gatewayPort,
      secret: settings.gateway.sharedSecret,
      clock,
      dataDir: data.root,
      log,
    });
    host.scheduler.add(gateway.wakeups);
    await host.loadApp(() => import(pathToFileURL(entry).href));
    await host.start();
  } catch (error) {
    await host.stop().catch(() => undefined);
    await gateway?.close().catch(() => undefined);
    await stopChildren();
    throw error;
  }

  const loopback = options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  const base = `http://${loopback}:${host.port}/${routePrefix()}`;
  const portFlag = host.port === 7071 ? '' : ` --port ${host.port}`;
  const lines = [
    '',
    'Better Work SLCP data sharing: local platform is up',
    `  API        ${base}`,
    `  Health     ${base}/health`,
    `  Clock      ${clock.mode}, now ${clock.now().toISOString()}${clock.mode === 'virtual' ? ` (move it: POST ${base}/_dev/clock {"advance":"P30D"})` : ' (npm start -- --virtual-clock to move it)'}`,
    `  Identity   ${settings.identity.issuer} (development sign-in; audience ${settings.identity.audience})`,
    `  Token      npm run -s token -- <user>${portFlag}, e.g. curl -H "Authorization: Bearer $(npm run -s token -- fm-bd-1${portFlag})" ${base}/...`,
    ...describeDemoUsers().map((line, i) => `  ${i === 0 ? 'Users     ' : '          '} ${line}`),
    `  Data       ${data.root} (kept across restarts; delete it to start empty)`,
    `  Cosmos     ${cosmosEndpoint} (certificate ${data.cosmosCaFile})`,
    `  Storage    Azurite blob :${options.blobPort}, queue :${options.queuePort}, table :${options.tablePort}`,
    `  Functions  ${host.functions().length}: ${host
      .httpRoutes()
      .map((r) => `${r.methods.join('|') || '*'} /${r.route}`)
      .join(', ')}`,
    `  Durable    task hub ${host.durable?.taskHub}: ${host.registry.functionsWithTrigger('orchestrationTrigger').length} orchestrators, ${host.registry.functionsWithTrigger('activityTrigger').length} activities, state in ${host.durable?.storeDescription}; API http://${loopback}:${host.port}/runtime/webhooks/durabletask/`,
    `  ServiceBus ${(host.serviceBus?.declarations ?? []).map((q) => `${q.name} (${q.maxDeliveryCount} deliveries, lock ${q.lockDuration}, duplicates ${q.duplicateDetectionWindow})`).join(', ')}: ${host.registry.functionsWithTrigger('serviceBusTrigger').length} triggers, messages in ${host.serviceBus?.storeDescription}; API ${process.env.LOCAL_SERVICE_BUS_URL}/queues, dead letters ${base}/_dev/service-bus`,
    `  Gateway    ${gateway.baseUrl}/facility-registration (SLCP Gateway simulator; approves 2 days after a submission, on the clock; ${gateway.baseUrl}/_sim/registrations)`,
    `  Mail inbox http://${loopback}:${options.mailWebPort} (SMTP :${options.smtpPort}; nothing is sent out)`,
    '  Stop       Ctrl-C',
    '',
  ];
  say(lines.join('\n'));
  process.send?.({ type: 'ready', port: host.port, base });
}

main().catch((error: unknown) => {
  const message =
    error instanceof HostStartError || error instanceof ConfigurationError
      ? error.message
      : `unexpected failure: ${(error as Error)?.stack ?? String(error)}`;
  process.stderr.write(`error: ${message.split('\n').join(' ')}\n`);
  process.exit(1);
});
