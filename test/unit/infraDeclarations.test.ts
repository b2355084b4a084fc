// The infrastructure (infra/, azure.yaml, .funcignore) against the code's own declarations. There is
// no Bicep compiler here, so besides comparing the JSON mirrors with the TypeScript, these tests read
// the Bicep text: which app settings it sets, how role assignments are named, whether module
// parameters line up, and that no keys are read anywhere.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { cosmosContainers, defaultCosmosDatabaseName, indexingPolicyOf } from '../../shared/config/cosmosContainers';
import { transmissionQueue } from '../../shared/config/queues';
import { azureIdentitySettingNames, parseSettings } from '../../shared/config/settings';
import { blobContainers } from '../../shared/config/blobContainers';
import { metricNames } from '../../shared/ports/metrics';

const root = resolve(__dirname, '..', '..');
const infra = join(root, 'infra');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const readJson = (path: string) => JSON.parse(read(path));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]
  );
}

const bicepFiles = filesUnder(infra)
  .filter((file) => file.endsWith('.bicep'))
  .map((file) => relative(root, file).split('\\').join('/'));

// --- A small reader for Bicep text ---------------------------------------------------------------

/**
 * The source with comments and the text of string literals blanked (same length, same line breaks),
 * so braces, keys and keywords can be found by plain scanning. Interpolations (${...}) stay visible.
 */
function mask(source: string): string {
  const out = source.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to && k < out.length; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let i = 0;
  const code = (insideInterpolation: boolean) => {
    let depth = 0;
    while (i < source.length) {
      if (source.startsWith('//', i)) {
        const end = source.indexOf('\n', i);
        const stop = end === -1 ? source.length : end;
        blank(i, stop);
        i = stop;
      } else if (source.startsWith('/*', i)) {
        const end = source.indexOf('*/', i + 2);
        const stop = end === -1 ? source.length : end + 2;
        blank(i, stop);
        i = stop;
      } else if (source.startsWith("'''", i)) {
        const end = source.indexOf("'''", i + 3);
        const stop = end === -1 ? source.length : end + 3;
        blank(i + 3, stop - 3);
        i = stop;
      } else if (source[i] === "'") {
        i++;
        string();
      } else {
        if (insideInterpolation && source[i] === '{') depth++;
        if (insideInterpolation && source[i] === '}') {
          if (depth === 0) return;
          depth--;
        }
        i++;
      }
    }
  };
  const string = () => {
    while (i < source.length) {
      if (source[i] === '\\') {
        blank(i, i + 2);
        i += 2;
      } else if (source[i] === "'") {
        i++;
        return;
      } else if (source.startsWith('${', i)) {
        i += 2;
        code(true);
        i++;
      } else {
        blank(i, i + 1);
        i++;
      }
    }
  };
  code(false);
  return out.join('');
}

class BicepFile {
  readonly text: string;
  readonly masked: string;
  constructor(readonly path: string) {
    this.text = read(path);
    this.masked = mask(this.text);
  }

  /** Index of the brace that closes the one at `open`. */
  closing(open: number): number {
    let depth = 0;
    for (let k = open; k < this.masked.length; k++) {
      if (this.masked[k] === '{') depth++;
      if (this.masked[k] === '}' && --depth === 0) return k;
    }
    throw new Error(`${this.path}: unbalanced brace at ${open}`);
  }

  /** The keys of the object literal whose opening brace is at `open`, with where each value starts. */
  entries(open: number): Map<string, number> {
    const close = this.closing(open);
    const found = new Map<string, number>();
    let depth = 0;
    for (let k = open + 1; k < close; k++) {
      const c = this.masked[k]!;
      if ('{[('.includes(c)) depth++;
      else if ('}])'.includes(c)) depth--;
      const atEntryStart = k === open + 1 || this.masked[k - 1] === '\n' || this.masked[k - 1] === ',';
      if (depth !== 0 || !atEntryStart) continue;
      const match = /^[ \t]*([A-Za-z_]\w*|'[^'\n]*')[ \t]*:[ \t]*/.exec(this.masked.slice(k, close));
      if (!match) continue;
      const rawKey = match[1]!.startsWith("'")
        ? this.text.slice(k + match[0].indexOf("'") + 1, k + match[0].indexOf("'") + match[1]!.length - 1)
        : match[1]!;
      found.set(rawKey, k + match[0].length);
    }
    return found;
  }

  /** The rest of the line a value starts on. */
  lineAt(index: number): string {
    const end = this.text.indexOf('\n', index);
    return this.text.slice(index, end === -1 ? undefined : end).trim();
  }

  /** Declarations such as `resource x 'Type@version'` or `module x 'path'`, with their body's opening brace. */
  declarations(keyword: 'resource' | 'module'): { symbol: string; target: string; body: number }[] {
    const found: { symbol: string; target: string; body: number }[] = [];
    const pattern = new RegExp(`^[ \\t]*${keyword}[ \\t]+(\\w+)[ \\t]+'`, 'gm');
    for (const match of this.masked.matchAll(pattern)) {
      const quote = match.index + match[0].length - 1;
      const endQuote = this.text.indexOf("'", quote + 1);
      const target = this.text.slice(quote + 1, endQuote);
      const rest = this.masked.slice(endQuote + 1);
      const existing = /^\s+existing\b/.test(rest);
      if (existing) continue;
      found.push({ symbol: match[1]!, target, body: this.masked.indexOf('{', endQuote) });
    }
    return found;
  }

  /** `param` declarations: name and whether a value must be passed (no default, not nullable). */
  params(): Map<string, { required: boolean; line: number }> {
    const found = new Map<string, { required: boolean; line: number }>();
    const lines = this.masked.split('\n');
    lines.forEach((line, index) => {
      const match = /^param\s+(\w+)\s+([^=]+?)\s*(=.*)?$/.exec(line.trimEnd());
      if (match) found.set(match[1]!, { required: !match[3] && !match[2]!.trim().endsWith('?'), line: index });
    });
    return found;
  }
}

const bicep = new Map(bicepFiles.map((path) => [path, new BicepFile(path)]));
const mainBicep = bicep.get('infra/main.bicep')!;
const apiBicep = bicep.get('infra/app/api.bicep')!;

function objectAfter(file: BicepFile, pattern: RegExp): Map<string, number> {
  const match = pattern.exec(file.masked);
  if (!match) throw new Error(`${file.path}: ${pattern} not found`);
  return file.entries(file.masked.indexOf('{', match.index));
}

/** App setting name -> its value expression, from `var appSettings = { ... }` in infra/app/api.bicep. */
const appSettings = new Map(
  [...objectAfter(apiBicep, /^var appSettings = \{/m)].map(([key, at]) => [key, apiBicep.lineAt(at)])
);

/** Top-level keys of a simple YAML file: `a.b.c` -> value, from indentation. */
function yamlEntries(text: string): Map<string, string> {
  const found = new Map<string, string>();
  const stack: { indent: number; key: string }[] = [];
  for (const raw of text.split('\n')) {
    if (/^\s*(#.*)?$/.test(raw)) continue;
    const match = /^(\s*)([\w.-]+):\s*(.*?)\s*$/.exec(raw);
    if (!match) continue;
    const indent = match[1]!.length;
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    stack.push({ indent, key: match[2]! });
    found.set(stack.map((s) => s.key).join('.'), match[3]!);
  }
  return found;
}

// --- Cosmos DB -------------------------------------------------------------------------------------

describe('Cosmos DB declaration', () => {
  const json = readJson('infra/cosmos-containers.json');

  it('infra/cosmos-containers.json declares the containers of shared/config/cosmosContainers.ts', () => {
    expect(json.containers).toEqual(
      cosmosContainers.map((container) => ({
        name: container.name,
        partitionKey: container.partitionKey,
        indexingPolicy: indexingPolicyOf(container),
      }))
    );
  });

  it('names the database the code uses by default', () => {
    expect(json.databaseName).toBe(defaultCosmosDatabaseName);
  });

  it('is what main.bicep creates: loaded once and passed to the Cosmos module', () => {
    expect(mainBicep.text).toMatch(/^var cosmosDeclaration = loadJsonContent\('cosmos-containers\.json'\)$/m);
    expect(mainBicep.text).toMatch(/^\s+databaseName: cosmosDeclaration\.databaseName$/m);
    expect(mainBicep.text).toMatch(/^\s+containers: cosmosDeclaration\.containers$/m);
    const cosmos = bicep.get('infra/core/database/cosmos-nosql.bicep')!.text;
    expect(cosmos).toMatch(/for container in containers: \{/);
    expect(cosmos).toMatch(/id: container\.name/);
    expect(cosmos).toMatch(/paths: \[\s*container\.partitionKey\s*\]/);
    expect(cosmos).toMatch(/indexingPolicy: container\.indexingPolicy/);
    expect(cosmos).toMatch(/disableLocalAuth: true/);
  });
});

// --- App settings ----------------------------------------------------------------------------------

describe('function app settings', () => {
  const names = [...appSettings.keys()];

  it('include every identity-based setting shared/config/settings.ts needs in Azure mode', () => {
    const storageAlternatives = azureIdentitySettingNames.filter((name) => name.startsWith('AzureWebJobsStorage__'));
    for (const name of azureIdentitySettingNames) {
      if (!storageAlternatives.includes(name)) expect(names).toContain(name);
    }
    // The app needs one of accountName or blobServiceUri; the Functions host needs accountName.
    expect(names).toContain('AzureWebJobsStorage__accountName');
    expect(names).toContain('COSMOS_DATABASE');
    expect(names).toContain('AZURE_CLIENT_ID');
  });

  it('parse as valid Azure settings', () => {
    const samples: Record<string, string> = {
      CosmosDB__accountEndpoint: 'https://cosmos-abc.documents.azure.com:443/',
      COSMOS_DATABASE: defaultCosmosDatabaseName,
      ServiceBus__fullyQualifiedNamespace: 'sb-abc.servicebus.windows.net',
      AzureWebJobsStorage__accountName: 'stabc',
      AzureWebJobsStorage__blobServiceUri: 'https://stabc.blob.core.windows.net/',
      AzureWebJobsStorage__queueServiceUri: 'https://stabc.queue.core.windows.net/',
      AzureWebJobsStorage__tableServiceUri: 'https://stabc.table.core.windows.net/',
      AZURE_CLIENT_ID: '00000000-0000-4000-8000-000000000000',
      COMMUNICATION_SERVICES_ENDPOINT: 'https://acs-abc.communication.azure.com',
      EMAIL_SENDER_ADDRESS: 'DoNotReply@abc.azurecomm.net',
      IDENTITY_ISSUER: 'https://login.microsoftonline.com/00000000-0000-4000-8000-000000000001/v2.0',
      IDENTITY_JWKS_URI: 'https://login.microsoftonline.com/00000000-0000-4000-8000-000000000001/discovery/v2.0/keys',
      IDENTITY_AUDIENCE: 'api://bw-slcp-data-sharing',
      GATEWAY_BASE_URL: 'https://gateway.example.org',
      GATEWAY_SHARED_SECRET: 'resolved-from-key-vault-at-run-time-000000',
      PUBLIC_API_BASE_URL: 'https://func-abc.azurewebsites.net/api',
      PORTAL_BASE_URL: 'https://portal.example.org',
      CORS_ALLOWED_ORIGINS: 'https://portal.example.org',
      DOCUMENTS_BLOB_SERVICE_URI: 'https://stabc.blob.core.windows.net/',
      APPLICATIONINSIGHTS_CONNECTION_STRING:
        'InstrumentationKey=00000000-0000-4000-8000-000000000002;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/',
    };
    const env = Object.fromEntries(names.map((name) => [name, samples[name] ?? 'set-by-bicep']));
    const result = parseSettings(env);
    expect(result).toMatchObject({ ok: true, settings: { mode: 'azure' } });
  });

  it('connect with the user-assigned identity, never with a key', () => {
    for (const connection of ['AzureWebJobsStorage', 'CosmosDB', 'ServiceBus']) {
      expect(appSettings.get(`${connection}__credential`)).toBe("'managedidentity'");
      expect(appSettings.get(`${connection}__clientId`)).toBe('identityClientId');
    }
    expect(appSettings.get('AZURE_CLIENT_ID')).toBe('identityClientId');
    expect(appSettings.get('COSMOS_DATABASE')).toBe('cosmosDatabaseName');
    expect(appSettings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toBe(
      "'ClientId=${identityClientId};Authorization=AAD'"
    );
    expect(names).toContain('APPLICATIONINSIGHTS_CONNECTION_STRING');
    expect(names).not.toContain('AzureWebJobsStorage');
  });

  it('CORS: the platform and the app take the same origins, from the corsAllowedOrigins parameter, never *', () => {
    expect(apiBicep.text).toMatch(/^param corsAllowedOrigins string$/m);
    expect(apiBicep.text).toMatch(
      /^var allowedOrigins = filter\(map\(split\(corsAllowedOrigins, ','\), .*origin != '\*'\)$/m
    );
    expect(apiBicep.text).toMatch(/cors: \{\s+allowedOrigins: allowedOrigins\s+supportCredentials: false\s+\}/);
    expect(appSettings.get('CORS_ALLOWED_ORIGINS')).toBe("join(allowedOrigins, ',')");
    expect(mainBicep.text).toMatch(
      /^\s+corsAllowedOrigins: empty\(corsAllowedOrigins\) \? portalOrigin : corsAllowedOrigins$/m
    );
    expect(readJson('infra/main.parameters.json').parameters.corsAllowedOrigins).toEqual({
      value: '${CORS_ALLOWED_ORIGINS=}',
    });
  });

  it('are the ones the app resource gets', () => {
    expect(apiBicep.text).toMatch(/name: 'appsettings'\s+properties: appSettings\b/);
  });
});

// --- R22: protection of the data ---------------------------------------------------------------------

describe('R22: data encrypted in transit and reachable only by authenticated, authorised callers', () => {
  const text = (path: string) => bicep.get(path)!.text;

  it('R22: every service takes TLS 1.2 or later only, and the app HTTPS only', () => {
    expect(text('infra/app/api.bicep')).toMatch(/httpsOnly: true/);
    expect(text('infra/app/api.bicep')).toMatch(/minTlsVersion: '1\.2'/);
    expect(text('infra/core/storage/storage-account.bicep')).toMatch(/supportsHttpsTrafficOnly: true/);
    expect(text('infra/core/storage/storage-account.bicep')).toMatch(/minimumTlsVersion: 'TLS1_2'/);
    expect(text('infra/core/database/cosmos-nosql.bicep')).toMatch(/minimalTlsVersion: 'Tls12'/);
    expect(text('infra/core/messaging/service-bus.bicep')).toMatch(/minimumTlsVersion: '1\.2'/);
  });

  it('R22: no service accepts keys: only Entra ID identities with their roles reach the data', () => {
    expect(text('infra/core/storage/storage-account.bicep')).toMatch(/allowSharedKeyAccess: false/);
    expect(text('infra/core/database/cosmos-nosql.bicep')).toMatch(/disableLocalAuth: true/);
    expect(text('infra/core/messaging/service-bus.bicep')).toMatch(/disableLocalAuth: true/);
  });
});

// --- Blob containers (documents the app keeps) ------------------------------------------------------

describe('blob containers', () => {
  it('infra/blob-containers.json declares the containers of shared/config/blobContainers.ts', () => {
    expect(readJson('infra/blob-containers.json').containers).toEqual(blobContainers.map((c) => c.name));
  });

  it('main.bicep creates them in the storage account, beside the deployment container', () => {
    expect(mainBicep.text).toMatch(/^var blobDeclaration = loadJsonContent\('blob-containers\.json'\)$/m);
    expect(mainBicep.text).toMatch(
      /^\s+containerNames: concat\(\[deploymentContainerName\], blobDeclaration\.containers\)$/m
    );
    for (const { name } of blobContainers) {
      for (const file of bicep.values()) expect(file.text).not.toContain(`'${name}'`);
    }
  });

  it('the app reaches them with its identity at DOCUMENTS_BLOB_SERVICE_URI, the account it holds Blob Data Owner on', () => {
    expect(appSettings.get('DOCUMENTS_BLOB_SERVICE_URI')).toBe('storage.properties.primaryEndpoints.blob');
    expect(bicep.get('infra/app/rbac.bicep')!.text).toMatch(/appStorageRoles = \[\s*storageBlobDataOwner/);
  });
});

// --- Service Bus and durable functions -------------------------------------------------------------

describe('Service Bus declaration', () => {
  it('infra/service-bus.json mirrors shared/config/queues.ts', () => {
    expect(readJson('infra/service-bus.json').transmissionQueue).toEqual(transmissionQueue);
  });

  it('is what main.bicep creates the queue from', () => {
    expect(mainBicep.text).toMatch(/^var serviceBusDeclaration = loadJsonContent\('service-bus\.json'\)$/m);
    expect(mainBicep.text).toMatch(/^\s+queue: serviceBusDeclaration\.transmissionQueue$/m);
    const serviceBus = bicep.get('infra/core/messaging/service-bus.bicep')!;
    const queue = serviceBus
      .declarations('resource')
      .find((r) => r.target.startsWith('Microsoft.ServiceBus/namespaces/queues@'));
    expect(queue).toBeDefined();
    const entries = serviceBus.entries(queue!.body);
    expect(serviceBus.lineAt(entries.get('name')!)).toBe('queue.name');
    const properties = new Map(
      [...serviceBus.entries(serviceBus.masked.indexOf('{', entries.get('properties')!))].map(([key, at]) => [
        key,
        serviceBus.lineAt(at),
      ])
    );
    expect(Object.fromEntries(properties)).toEqual({
      requiresDuplicateDetection: 'true',
      duplicateDetectionHistoryTimeWindow: 'queue.duplicateDetectionWindow',
      maxDeliveryCount: 'queue.maxDeliveryCount',
      lockDuration: 'queue.lockDuration',
      deadLetteringOnMessageExpiration: 'true',
    });
    expect(serviceBus.text).toMatch(/disableLocalAuth: true/);
  });

  it('has no second copy of the queue name in the templates', () => {
    for (const file of bicep.values()) expect(file.text).not.toContain(transmissionQueue.name);
  });
});

describe('alert rules (infra/core/monitor/alerts.bicep)', () => {
  const alerts = bicep.get('infra/core/monitor/alerts.bicep')!;
  const module = () => mainBicep.declarations('module').find((m) => m.target === 'core/monitor/alerts.bicep');
  const moduleParams = () =>
    new Map(
      [...mainBicep.entries(mainBicep.masked.indexOf('{', mainBicep.entries(module()!.body).get('params')!))].map(
        ([key, at]) => [key, mainBicep.lineAt(at)]
      )
    );

  it('infra/metrics.json mirrors the metric names shared/ports/metrics.ts declares', () => {
    expect(readJson('infra/metrics.json').metricNames).toEqual(metricNames);
  });

  it('main.bicep deploys the module with the queue of infra/service-bus.json and the names of infra/metrics.json', () => {
    expect(module()).toBeDefined();
    expect(mainBicep.text).toMatch(/^var metricsDeclaration = loadJsonContent\('metrics\.json'\)$/m);
    expect(Object.fromEntries(moduleParams())).toMatchObject({
      transmissionQueueName: 'serviceBus.outputs.queueName',
      metricNames: 'metricsDeclaration.metricNames',
      serviceBusNamespaceName: 'serviceBus.outputs.name',
      logAnalyticsId: 'monitoring.outputs.logAnalyticsId',
      operationsEmail: 'operationsEmail',
    });
    // The queue output is the queue created from the declaration (checked above), not a copy of its name.
    const serviceBus = bicep.get('infra/core/messaging/service-bus.bicep')!;
    expect(serviceBus.text).toMatch(/^output queueName string = transmissionQueue\.name$/m);
    expect(mainBicep.text).toMatch(/^param operationsEmail string = ''$/m);
  });

  it('alerts on dead letters of the transmission queue: DeadletteredMessages above zero, filtered on its EntityName', () => {
    const rule = alerts.declarations('resource').find((r) => r.target.startsWith('Microsoft.Insights/metricAlerts@'));
    expect(rule).toBeDefined();
    const body = alerts.text.slice(rule!.body, alerts.closing(rule!.body));
    expect(body).toMatch(/metricNamespace: 'Microsoft\.ServiceBus\/namespaces'/);
    expect(body).toMatch(/metricName: 'DeadletteredMessages'/);
    expect(body).toMatch(/name: 'EntityName'[\s\S]*values: \[\s*transmissionQueueName\s*\]/);
    expect(body).toMatch(/operator: 'GreaterThan'\s+threshold: 0/);
    expect(body).toMatch(/scopes: \[\s*serviceBusNamespace\.id\s*\]/);
  });

  it('alerts on failed orchestrations, an overdue release and the Gateway error rate, with the declared metric names', () => {
    const rules = alerts
      .declarations('resource')
      .filter((r) => r.target.startsWith('Microsoft.Insights/scheduledQueryRules@'))
      .map((r) => r.symbol);
    expect(rules).toEqual(['failedOrchestrationsAlert', 'overdueReleaseAlert', 'gatewayErrorRateAlert']);
    expect(alerts.text).toMatch(/prop__state\) == "Failed"/);
    // Every metric the rules read is a declared one (by its key in infra/metrics.json), never a literal name.
    const used = [...alerts.text.matchAll(/metricNames\.(\w+)/g)].map((m) => m[1]!);
    expect(new Set(used)).toEqual(
      new Set(['releasesOverdue', 'transmissionsAccepted', 'transmissionsRejected', 'transmissionDeliveryFailures'])
    );
    for (const name of used) expect(Object.keys(metricNames)).toContain(name);
    for (const file of bicep.values()) {
      for (const name of Object.values(metricNames)) expect(file.text).not.toContain(name);
    }
  });

  it('every rule notifies the action group, whose email receiver is the operations mailbox (none when empty)', () => {
    const rules = alerts
      .declarations('resource')
      .filter((r) => /^Microsoft\.Insights\/(metricAlerts|scheduledQueryRules)@/.test(r.target));
    expect(rules).toHaveLength(4);
    for (const rule of rules) {
      expect(alerts.text.slice(rule.body, alerts.closing(rule.body))).toMatch(/\bactionGroup\.id\b/);
    }
    expect(alerts.text).toMatch(/emailReceivers: empty\(operationsEmail\)\s*\?\s*\[\]/);
  });
});

describe('durable task hub', () => {
  it('is named bwslcp in host.json, and the templates do not override it', () => {
    expect(readJson('host.json').extensions.durableTask.hubName).toBe('bwslcp');
    for (const file of bicep.values()) expect(file.text).not.toMatch(/hubName/i);
  });
});

// --- Issue 8: hosting, the task hub's storage roles, secrets, backup, parameters ---------------------

describe('Flex Consumption, the durable task hub on identity-based storage, Key Vault references', () => {
  const rbac = bicep.get('infra/app/rbac.bicep')!;
  /** Built-in role definition ids (Azure RBAC) the templates must use, by role name. */
  const builtInRoles: Record<string, string> = {
    storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
    storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
    serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39',
    serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0',
  };
  const listVar = (name: string) => {
    const match = new RegExp(`^var ${name} = \\[([^\\]]*)\\]`, 'm').exec(rbac.masked);
    if (!match) throw new Error(`var ${name} not found in ${rbac.path}`);
    return match[1]!.split(/\s+/).filter(Boolean);
  };

  it('runs on the Flex Consumption plan (FC1) with the Node.js major version package.json declares', () => {
    expect(apiBicep.text).toMatch(/name: 'FC1'\s+tier: 'FlexConsumption'/);
    expect(apiBicep.text).toMatch(/runtime: \{\s+name: 'node'\s+version: nodeVersion\s+\}/);
    expect(apiBicep.text).toMatch(/^param nodeVersion string = '20'$/m);
    expect(readJson('package.json').engines.node).toMatch(/^>=20\b/);
    // Flex Consumption refuses these as app settings: the runtime lives in functionAppConfig.
    for (const name of ['FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_NODE_DEFAULT_VERSION']) {
      expect(appSettings.has(name)).toBe(false);
    }
  });

  it('gives the task hub the blob, queue and table endpoints of the storage account, with the identity', () => {
    for (const service of ['blob', 'queue', 'table']) {
      expect(appSettings.get(`AzureWebJobsStorage__${service}ServiceUri`)).toBe(
        `storage.properties.primaryEndpoints.${service}`
      );
    }
    expect(appSettings.get('AzureWebJobsStorage__accountName')).toBe('storage.name');
    expect(readJson('host.json').extensions.durableTask.storageProvider).toEqual({ type: 'AzureStorage' });
  });

  it('grants the identity exactly the storage roles the Durable Azure Storage provider needs', () => {
    expect(listVar('appStorageRoles')).toEqual([
      'storageBlobDataOwner',
      'storageQueueDataContributor',
      'storageTableDataContributor',
    ]);
    expect(rbac.text).toMatch(/for roleDefinitionId in appStorageRoles: \{\s+name: guid\(storage\.id, appPrincipalId/);
    expect(listVar('appServiceBusRoles')).toEqual(['serviceBusDataSender', 'serviceBusDataReceiver']);
    for (const [name, id] of Object.entries(builtInRoles)) {
      expect(rbac.text).toContain(
        `var ${name} = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '${id}')`
      );
    }
  });

  it('keeps every secret in Key Vault: the setting is a versionless Key Vault reference the identity resolves', () => {
    const secretSettings = [...appSettings.keys()].filter((name) => /SECRET|PASSWORD|_KEY$/i.test(name));
    expect(secretSettings).toEqual(['GATEWAY_SHARED_SECRET']);
    for (const name of secretSettings) {
      // No version segment: a new secret version is picked up without a redeploy (docs/operations.md).
      expect(appSettings.get(name)).toMatch(
        /^'@Microsoft\.KeyVault\(SecretUri=\$\{keyVaultUri\}secrets\/[a-z0-9-]+\/\)'$/
      );
    }
    expect(apiBicep.text).toMatch(/keyVaultReferenceIdentity: identityId/);
    const vault = bicep.get('infra/core/security/key-vault.bicep')!.text;
    expect(vault).toMatch(/enableRbacAuthorization: true/);
    expect(vault).toMatch(/enablePurgeProtection: true/);
    expect(rbac.text).toMatch(/name: guid\(vault\.id, appPrincipalId, keyVaultSecretsUser\)/);
    // The settings schema requires the secret the reference resolves to.
    const { GATEWAY_SHARED_SECRET: _omitted, ...withoutSecret } = {
      GATEWAY_SHARED_SECRET: 'x',
      CosmosDB__accountEndpoint: 'https://c.documents.azure.com:443/',
    };
    expect(parseSettings(withoutSecret)).toMatchObject({ ok: false });
  });

  it('backs Cosmos DB up continuously (point-in-time restore), the tier a parameter', () => {
    const cosmos = bicep.get('infra/core/database/cosmos-nosql.bicep')!.text;
    expect(cosmos).toMatch(
      /backupPolicy: \{\s+type: 'Continuous'\s+continuousModeProperties: \{\s+tier: continuousBackupTier/
    );
    expect(mainBicep.text).toMatch(/^\s+continuousBackupTier: cosmosBackupTier$/m);
  });

  it('main.parameters.json passes every parameter main.bicep requires, and only parameters it declares', () => {
    const declared = mainBicep.params();
    const given = Object.keys(readJson('infra/main.parameters.json').parameters);
    expect(given.filter((name) => !declared.has(name))).toEqual([]);
    const required = [...declared].filter(([, { required }]) => required).map(([name]) => name);
    expect(required.filter((name) => !given.includes(name))).toEqual([]);
    // Private networking and the Cosmos capacity are choices of the azd environment.
    expect(given).toEqual(
      expect.arrayContaining(['enablePrivateNetworking', 'cosmosCapacityMode', 'cosmosBackupTier'])
    );
    expect(mainBicep.text).toMatch(/^param enablePrivateNetworking bool = false$/m);
  });
});

// --- azd -------------------------------------------------------------------------------------------

describe('azure.yaml', () => {
  const yaml = yamlEntries(read('azure.yaml'));
  const out = yaml.get('services.api.dist')!;

  it('deploys the service api as TypeScript to a function app', () => {
    expect(yaml.get('services.api.host')).toBe('function');
    expect(yaml.get('services.api.language')).toBe('ts');
    expect(yaml.get('services.api.project')).toBe('.');
    expect(yaml.get('infra.path')).toBe('infra');
  });

  it('names the same service the function app is tagged with', () => {
    expect(mainBicep.text).toMatch(/^var apiServiceName = 'api'$/m);
    expect(mainBicep.text).toMatch(/^\s+serviceName: apiServiceName$/m);
    expect(apiBicep.text).toMatch(/'azd-service-name': serviceName/);
  });

  it('builds and stages the package into the folder azd zips', () => {
    for (const os of ['posix', 'windows']) {
      const run = yaml.get(`services.api.hooks.prepackage.${os}.run`)!;
      expect(run).toMatch(/^npm ci && npm run build && node infra\/hooks\/stage-function-package\.mjs --out (\S+)$/);
      expect(run.split(' --out ')[1]).toBe(out);
    }
  });

  it('builds locally, which azd allows only while .funcignore keeps node_modules', () => {
    expect(yaml.get('services.api.remoteBuild')).toBe('false');
    const patterns = read('.funcignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(patterns.filter((p) => /^\/?node_modules(\/.*)?$/.test(p) || p === '*' || p === '/*')).toEqual([]);
    for (const folder of ['test', 'local', 'bench', 'infra', '.data']) expect(patterns).toContain(`/${folder}/`);
  });
});

describe('infra/hooks/stage-function-package.mjs', () => {
  const script = join(infra, 'hooks', 'stage-function-package.mjs');
  let fixture: string;

  beforeEach(() => {
    fixture = mkdtempSync(join(tmpdir(), 'stage-package-'));
    const files: Record<string, string> = {
      'package.json': JSON.stringify({
        name: 'app',
        version: '1.0.0',
        main: 'dist/app/index.mjs',
        scripts: { build: 'node build.mjs' },
        dependencies: { zod: '1' },
        devDependencies: { jest: '1' },
      }),
      'host.json': '{"version":"2.0"}',
      'dist/app/index.mjs': 'export {};',
      'dist/app/index.mjs.map': '{}',
      'dist/app/chunks/sdk-ABC.mjs': 'export {};',
      'dist/local/main.js': '',
      'node_modules/zod/index.js': '',
      'test/unit/a.test.ts': '',
      'functions/index.ts': '',
    };
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(fixture, path)), { recursive: true });
      writeFileSync(join(fixture, path), content);
    }
  });

  afterEach(() => rmSync(fixture, { recursive: true, force: true }));

  const stage = (out: string) =>
    execFileSync(process.execPath, [script, '--root', fixture, '--out', out], { encoding: 'utf8', stdio: 'pipe' });

  it('stages host.json, a package.json whose main resolves, and the bundle folder only', () => {
    stage('node_modules/.cache/function-package');
    const staged = join(fixture, 'node_modules/.cache/function-package');
    const files = filesUnder(staged)
      .map((file) => relative(staged, file).split('\\').join('/'))
      .sort();
    expect(files).toEqual([
      'dist/app/chunks/sdk-ABC.mjs',
      'dist/app/index.mjs',
      'dist/app/index.mjs.map',
      'host.json',
      'package.json',
    ]);
    const pkg = JSON.parse(readFileSync(join(staged, 'package.json'), 'utf8'));
    expect(existsSync(join(staged, pkg.main))).toBe(true);
    expect(pkg).not.toHaveProperty('scripts');
    expect(pkg).not.toHaveProperty('dependencies');
    expect(pkg).not.toHaveProperty('devDependencies');
  });

  it('stops when the build has not run', () => {
    rmSync(join(fixture, 'dist'), { recursive: true });
    expect(() => stage('node_modules/.cache/function-package')).toThrow(/run "npm run build" first/);
  });

  it('refuses to stage over the project', () => {
    expect(() => stage('.')).toThrow(/refusing/);
    expect(() => stage('..')).toThrow(/refusing/);
    expect(existsSync(join(fixture, 'host.json'))).toBe(true);
  });
});

// --- Hygiene of the templates ----------------------------------------------------------------------

describe('infrastructure hygiene', () => {
  const infraFiles = filesUnder(infra).map((file) => ({
    path: relative(root, file),
    text: readFileSync(file, 'utf8'),
  }));

  it('reads no keys or connection strings anywhere', () => {
    for (const { path, text } of infraFiles) {
      for (const forbidden of [
        'listKeys(',
        'listConnectionStrings(',
        'listAccountSas(',
        'AccountKey=',
        'SharedAccessKey=',
      ]) {
        if (text.includes(forbidden)) throw new Error(`${path} contains ${forbidden}`);
      }
    }
  });

  it('names every role assignment guid(scope, principal, role)', () => {
    let count = 0;
    for (const file of bicep.values()) {
      for (const resource of file.declarations('resource')) {
        if (
          !/^Microsoft\.(Authorization\/roleAssignments|DocumentDB\/databaseAccounts\/sqlRoleAssignments)@/.test(
            resource.target
          )
        )
          continue;
        count++;
        const name = file.entries(resource.body).get('name');
        expect(name).toBeDefined();
        expect(`${file.path} ${resource.symbol}: ${file.lineAt(name!)}`).toMatch(/: guid\(\w+\.id, \w+, \w+\)$/);
      }
    }
    expect(count).toBeGreaterThanOrEqual(10);
  });

  it('uses no preview API versions', () => {
    for (const file of bicep.values()) {
      // Nested child resources ('config') take their parent's version.
      for (const { target } of file.declarations('resource').filter((r) => r.target.includes('@'))) {
        expect(`${file.path} ${target}`).toMatch(/@\d{4}-\d{2}-\d{2}$/);
      }
    }
  });

  it('describes every parameter', () => {
    for (const file of bicep.values()) {
      const lines = file.text.split('\n');
      for (const [name, { line }] of file.params()) {
        const decorators: string[] = [];
        for (
          let k = line - 1;
          k >= 0 && lines[k]!.trim() !== '' && !/^(param|var|resource|module|output|type)\b/.test(lines[k]!);
          k--
        ) {
          decorators.push(lines[k]!);
        }
        expect(`${file.path} ${name}: ${decorators.join(' ')}`).toMatch(/@description\(/);
      }
    }
  });

  it('loads only JSON files that exist and parse', () => {
    for (const file of bicep.values()) {
      for (const match of file.masked.matchAll(/loadJsonContent\('/g)) {
        const start = match.index + match[0].length;
        const path = join(root, dirname(file.path), file.text.slice(start, file.text.indexOf("'", start)));
        expect(() => JSON.parse(readFileSync(path, 'utf8'))).not.toThrow();
      }
    }
  });

  it('passes each module exactly the parameters it declares', () => {
    let modules = 0;
    const unknown: string[] = [];
    const missing: string[] = [];
    for (const file of bicep.values()) {
      for (const module of file.declarations('module')) {
        modules++;
        const target = join(dirname(file.path), module.target).split('\\').join('/');
        expect(bicepFiles).toContain(target);
        const declared = bicep.get(target)!.params();
        const paramsAt = file.entries(module.body).get('params');
        const passed = paramsAt === undefined ? [] : [...file.entries(file.masked.indexOf('{', paramsAt)).keys()];
        unknown.push(...passed.filter((name) => !declared.has(name)).map((name) => `${module.symbol}.${name}`));
        for (const [name, { required }] of declared) {
          if (required && !passed.includes(name)) missing.push(`${module.symbol}.${name}`);
        }
      }
    }
    expect({ unknown, missing }).toEqual({ unknown: [], missing: [] });
    expect(modules).toBeGreaterThanOrEqual(10);
  });
});
