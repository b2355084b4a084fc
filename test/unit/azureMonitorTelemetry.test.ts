// OpenTelemetry to Application Insights (issue 8), end to end on this machine: test/support/azureMonitorProbe.ts,
// bundled by esbuild as scripts/build.mjs bundles the app, starts the Azure Monitor distro as in Azure with a
// fake managed-identity credential and a local "ingestion endpoint". The structured events must arrive as log
// records whose custom dimensions are their fields, sent with an Entra token (the component has local auth
// off), and the custom metrics under the names shared/ports/metrics.ts declares.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { generate } from 'selfsigned';
import { metricNames } from '../../shared/ports/metrics';

jest.setTimeout(120_000);

interface Envelope {
  name: string;
  data: { baseType: string; baseData: Record<string, unknown> };
}
interface ProbeOutput {
  received: { auth: string | undefined; path: string; envelopes: Envelope[] }[];
  scopesAsked: string[];
  contextLines: string[];
}

let out: ProbeOutput;
const dir = mkdtempSync(join(tmpdir(), 'bw-otel-probe-'));

beforeAll(async () => {
  await build({
    absWorkingDir: join(__dirname, '..', '..'),
    entryPoints: ['test/support/azureMonitorProbe.ts'],
    outfile: join(dir, 'probe.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7 as const, ip: '127.0.0.1' }] },
    ],
  });
  writeFileSync(join(dir, 'cert.pem'), pems.cert);
  writeFileSync(join(dir, 'key.pem'), pems.private);
  const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'probe.mjs')], {
    env: {
      ...process.env,
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
      PROBE_CERT_DIR: dir,
      NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
    },
    maxBuffer: 20 * 1024 * 1024,
    timeout: 90_000,
  });
  out = JSON.parse(stdout) as ProbeOutput;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const envelopes = () => out.received.flatMap((r) => r.envelopes);
const properties = (e: Envelope) => (e.data.baseData.properties ?? {}) as Record<string, string>;

describe('OpenTelemetry to Application Insights (Azure Monitor distro, bundled)', () => {
  it('sends with an Entra ID token for Azure Monitor (the managed identity), never a key', () => {
    expect(out.received.length).toBeGreaterThan(0);
    expect(out.scopesAsked).toContain('https://monitor.azure.com/.default');
    expect(out.received.map((r) => r.auth)).toEqual(out.received.map(() => 'Bearer fake-entra-token'));
  });

  it('a structured event is a log record whose custom dimensions are its correlation ids; not also sent to the context', () => {
    const accepted = envelopes().find((e) => properties(e).event === 'transmission.accepted');
    expect(accepted).toBeDefined();
    expect(properties(accepted!)).toMatchObject({
      factoryId: 'BD-7KQ2M9XA',
      cycleId: 'BD-7KQ2M9XA-C1',
      transmissionId: 'BD-7KQ2M9XA-C1-TX',
      invocationId: 'inv-1',
      functionName: 'processTransmission',
    });
    expect(String(accepted!.data.baseData.message)).toMatch(/^transmission\.accepted factory=BD-7KQ2M9XA /);
    expect(out.contextLines).toEqual([]);
  });

  it('an error event arrives as an exception, with no email in it', () => {
    const failure = envelopes().find((e) => properties(e).event === 'http.unexpected_failure');
    expect(failure).toBeDefined();
    expect(failure!.data.baseType).toBe('ExceptionData');
    expect(JSON.stringify(envelopes())).toMatch(/\[redacted\]/);
    expect(JSON.stringify(envelopes())).not.toMatch(/someone@example\.com/);
  });

  it('the custom metrics arrive under their declared names, with their dimensions', () => {
    const points = envelopes()
      .filter((e) => e.data.baseType === 'MetricData')
      .flatMap((e) =>
        (e.data.baseData.metrics as { name: string; value: number }[]).map((m) => ({
          name: m.name,
          value: m.value,
          country: properties(e).country,
        }))
      );
    expect(points).toContainEqual({ name: metricNames.transmissionsAccepted, value: 1, country: 'BD' });
    expect(points).toContainEqual({ name: metricNames.releasesOverdue, value: 2, country: 'VN' });
  });
});
