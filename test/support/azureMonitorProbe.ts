// Run by test/unit/azureMonitorTelemetry.test.ts as a child process, bundled by esbuild as the app is (the
// Azure Monitor exporter loads parts of itself with import(), which jest's module sandbox cannot do). It
// starts the Azure Monitor distro as in Azure with a fake managed-identity credential and a connection string
// whose ingestion endpoint is a local HTTP server, emits structured events and custom metrics, flushes, and
// prints what the "ingestion endpoint" received as JSON on stdout. The endpoint is HTTPS (the exporter sends a
// bearer token only over TLS) with the certificate in PROBE_CERT_DIR, trusted through NODE_EXTRA_CA_CERTS.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { startAzureMonitor } from '../../shared/observability/azureMonitor';
import { eventLog } from '../../shared/observability/log';
import { processMetrics } from '../../shared/observability/metrics';
import { metricNames } from '../../shared/ports/metrics';

interface Received {
  auth: string | undefined;
  path: string | undefined;
  envelopes: unknown[];
}

async function main(): Promise<void> {
  const received: Received[] = [];
  const scopesAsked: string[] = [];
  const contextLines: string[] = [];
  const certDir = process.env.PROBE_CERT_DIR ?? '.';
  const tls = { cert: readFileSync(join(certDir, 'cert.pem')), key: readFileSync(join(certDir, 'key.pem')) };
  const server = createServer(tls, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const text = body.toString().trim();
      const envelopes = text.startsWith('[')
        ? (JSON.parse(text) as unknown[])
        : text
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => JSON.parse(l) as unknown);
      received.push({ auth: req.headers.authorization, path: req.url, envelopes });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ itemsReceived: envelopes.length, itemsAccepted: envelopes.length, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const telemetry = startAzureMonitor({
    connectionString: `InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://127.0.0.1:${port}/`,
    credential: {
      getToken: async (scopes) => {
        scopesAsked.push(...(Array.isArray(scopes) ? scopes : [scopes]));
        return { token: 'fake-entra-token', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    },
    serviceName: 'bw-slcp-probe',
  });
  const context = {
    invocationId: 'inv-1',
    functionName: 'processTransmission',
    log: (line: string) => contextLines.push(line),
    warn: (line: string) => contextLines.push(line),
    error: (line: string) => contextLines.push(line),
  };
  eventLog(context, { factoryId: 'BD-7KQ2M9XA', cycleId: 'BD-7KQ2M9XA-C1' }).info('transmission.accepted', {
    transmissionId: 'BD-7KQ2M9XA-C1-TX',
    attempts: 2,
  });
  eventLog(context).error('http.unexpected_failure', { detail: 'mail to someone@example.com' }, new Error('boom'));
  processMetrics.add(metricNames.transmissionsAccepted, { country: 'BD' });
  processMetrics.add(metricNames.releasesOverdue, { country: 'VN' }, 2);
  await telemetry.shutdown(); // flushes every exporter
  await new Promise((resolve) => server.close(resolve));
  process.stdout.write(JSON.stringify({ received, scopesAsked, contextLines }));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  }
);
