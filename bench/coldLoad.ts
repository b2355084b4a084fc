// cold-load: how long a fresh Node process takes to load the built function app (with all its
// registrations) compared with a plain require of the SDKs the app depends on.
// Both sides run in fresh child processes of this same script (`bench.js --child <side>`), alternating.
import { localAppEnvironment } from '../local/appEnvironment';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createCoreApi, installCoreModule } from '../local/core/coreApi';
import { FunctionRegistry, type TriggerValidator } from '../local/core/registry';
import { median, round, type Figures } from './results';

/** The SDKs of package.json "dependencies" that the app's code paths use. */
export const sdkSet = [
  '@azure/functions',
  'durable-functions',
  '@azure/cosmos',
  '@azure/identity',
  '@azure/storage-blob',
  '@azure/storage-queue',
  '@azure/service-bus',
  'zod',
] as const;

const childTimeoutMs = 60_000;
const resultMarker = 'BENCH_RESULT ';

export type ChildSide = 'load-app' | 'require-sdks';

interface ChildResult {
  ms: number;
  functions?: string[];
}

/** Accepts a registration of any trigger type: the benchmark loads the app, it does not serve it. */
class AnyTriggerType extends Map<string, TriggerValidator> {
  override get(): TriggerValidator {
    return () => undefined;
  }
}

function report(result: ChildResult): void {
  process.stdout.write(`${resultMarker}${JSON.stringify(result)}\n`, () => process.exit(0));
}

/** Child side A: installs the stub '@azure/functions-core' as the worker does, then imports the app. */
export async function loadAppChild(entry: string): Promise<void> {
  const registry = new FunctionRegistry(new AnyTriggerType());
  installCoreModule(createCoreApi(registry, () => undefined));
  const url = pathToFileURL(entry).href;
  const started = performance.now();
  await import(url);
  const ms = performance.now() - started;
  report({ ms, functions: [...registry.functions.values()].map((fn) => `${fn.name} (${fn.trigger.type})`) });
}

/** Child side B: a plain, unbundled require of the SDK set from the repository's node_modules. */
export function requireSdksChild(repoRoot: string): void {
  const requireFromRepo = createRequire(join(repoRoot, 'package.json'));
  const started = performance.now();
  for (const name of sdkSet) requireFromRepo(name);
  report({ ms: performance.now() - started });
}

/** Valid local settings that point nowhere: loading the app validates them but connects to nothing. */
function dummyAppEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('CosmosDB__') || name.startsWith('ServiceBus__') || name.startsWith('AzureWebJobsStorage')) {
      delete env[name];
    }
  }
  delete env.LOCAL_COSMOS_CA_FILE;
  delete env.NODE_OPTIONS;
  // Valid local settings; loading the app connects to none of these.
  const dummySecrets = {
    layoutVersion: 1 as const,
    azuriteAccountName: 'benchaccount',
    azuriteAccountKey: Buffer.from('bench-dummy-storage-key').toString('base64'),
    cosmosKey: Buffer.from('bench-dummy-cosmos-key').toString('base64'),
    gatewaySharedSecret: 'bench-dummy-gateway-secret-of-32-chars!',
  };
  const ports = { apiPort: 1, cosmosPort: 1, blobPort: 1, queuePort: 1, tablePort: 1, gatewayPort: 1, smtpPort: 1 };
  return { ...env, ...localAppEnvironment({ host: '127.0.0.1', ...ports }, dummySecrets, undefined) };
}

function runChild(benchScript: string, side: ChildSide, arg: string, env: NodeJS.ProcessEnv): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [benchScript, '--child', side, arg], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${side} child did not finish within ${childTimeoutMs / 1000} s`));
    }, childTimeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(resultMarker));
      if (code !== 0 || !line) {
        reject(
          new Error(`${side} child failed (code ${code ?? signal}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`)
        );
        return;
      }
      resolve(JSON.parse(line.slice(resultMarker.length)) as ChildResult);
    });
  });
}

export interface ColdLoadOptions {
  repoRoot: string;
  benchScript: string;
  runs: number;
  note: (line: string) => void;
}

export async function coldLoad({ repoRoot, benchScript, runs, note }: ColdLoadOptions): Promise<Figures> {
  const entry = join(repoRoot, 'dist', 'app', 'index.mjs');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build first`);
  const appEnv = dummyAppEnv();
  const sdkEnv = { ...process.env };
  delete sdkEnv.NODE_OPTIONS;
  const runA = () => runChild(benchScript, 'load-app', entry, appEnv);
  const runB = () => runChild(benchScript, 'require-sdks', repoRoot, sdkEnv);

  // One discarded pair warms the file cache for both sides alike.
  const warm = await runA();
  await runB();
  const registered = warm.functions ?? [];
  if (registered.length === 0) throw new Error('the app registered no functions');

  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const resultA = await runA();
    if ((resultA.functions ?? []).length !== registered.length) {
      throw new Error(`run ${i + 1} registered ${resultA.functions?.length ?? 0} functions, not ${registered.length}`);
    }
    a.push(resultA.ms);
    b.push((await runB()).ms);
  }
  const appMs = median(a);
  const sdkMs = median(b);
  const spread = (xs: number[]) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)} ms`;
  note(`app registered ${registered.length} function(s): ${registered.join(', ')}`);
  note(`${runs} runs each: app ${spread(a)}, SDK require ${spread(b)}`);
  return {
    cold_load_ratio: { value: round(appMs / sdkMs), unit: 'ratio', target: '<= 0.5' },
    cold_load_app_ms: { value: round(appMs, 1), unit: 'ms', target: 'informational' },
    cold_load_sdk_ms: { value: round(sdkMs, 1), unit: 'ms', target: 'informational' },
  };
}
