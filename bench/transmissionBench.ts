// transmission: 1,000 transmissions to the SLCP Gateway (issue 6) through the local host while the Gateway
// simulator fails 20 % of the calls in mixed ways.
//
// On the whole local platform (`npm start`, real clock, fresh data, free loopback ports; the sender's retry
// budget as in Azure: 6 attempts within 45 s per delivery, 10 s per attempt):
//  1. the simulator approves one facility (a BW hand-off, its registration form, `/_sim/.../approve`); the
//     bench's factories share its Gateway Facility ID (registering 1,000 facilities one by one would rewrite the
//     simulator's registration file 3,000 times; the Gateway counts duplicates per factory and cycle, not per
//     facility);
//  2. 1,000 factories of Bangladesh with their first cycle ready to transmit are written through the app's own
//     store, domain constructors and use cases (bench/transmissionSeed.ts: Step 1 self-assessment answered and
//     submitted, a compliance assessment completed, its report released, sharing effective, Gateway connected),
//     with the platform's Cosmos server and Azurite (the report files);
//  3. `/_sim/faults`: 8 % 5xx, 4 % 429 with Retry-After 1 s, 4 % no answer (the submission recorded, the
//     connection held 15 s: the client gives up after 10 s), 4 % malformed answers (recorded, broken body);
//  4. each transmission is queued with the app's R17 use case, as the timeline's activity does (the record and
//     the hand-off in one batch, the payload in Azurite, the message through the host's queue API); from there
//     the path is the real one: the local Service Bus queue, the `processTransmission` trigger, the Gateway
//     client, the simulator over HTTP;
//  5. the bench waits until no record is queued or failed (Service Bus still delivering), then compares BW's
//     records with what the simulator holds (bench/transmissionFigures.ts).
// Measured: accepted exactly once, duplicates, lost, transmissions per second (first queueing to last
// acceptance), p50/p99 from queueing to acceptance, payload size. `BENCH_TRANSMISSIONS=<n>` runs fewer.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { azuriteConnectionString } from '../local/dataDir';
import { blobDocumentFiles } from '../shared/adapters/blob/blobDocumentFiles';
import { cosmosDocumentStore } from '../shared/adapters/cosmos/cosmosDocumentStore';
import { createRegistrationUrl } from '../shared/adapters/gateway/gatewayClient';
import { localMessageQueue } from '../shared/adapters/serviceBus/localMessageQueue';
import type { ComplianceDeps } from '../shared/app/compliance/deps';
import { selfAssessmentDeps } from '../shared/app/selfAssessment/deps';
import type { TransmissionDeps } from '../shared/app/transmission/deps';
import { defaultCosmosDatabaseName } from '../shared/config/cosmosContainers';
import { transmissionQueue } from '../shared/config/queues';
import type { TransmissionDocument } from '../shared/domain/transmission/transmission';
import type { Clock } from '../shared/ports/clock';
import type { DocumentStore } from '../shared/ports/documentStore';
import { loopback, withPlatform, type RunningPlatform } from './platform';
import { noteStop, type PlatformBenchOptions } from './platformBenches';
import { round, type Figures } from './results';
import {
  allSettled,
  transmissionFigures,
  type TransmissionFigures,
  type TransmissionSample,
} from './transmissionFigures';
import { inPool, queueReadyCycle, seedReadyCycle, type ReadyCycle } from './transmissionSeed';

export const defaultTransmissions = 1000;
/** The simulator's faults: 20 % of calls in all. */
export const benchFaults = {
  errorRate: 0.08,
  rateLimitRate: 0.04,
  retryAfterSeconds: 1,
  timeoutRate: 0.04,
  hangMs: 15_000,
  malformedRate: 0.04,
  seed: 2030,
} as const;
/** Seeding and queueing run this many at a time (the platform has 2 cores). */
const seedConcurrency = 8;
const queueConcurrency = 16;
/** How long the bench waits for every transmission to settle after the last queueing. */
const settleTimeoutMs = 20 * 60_000;
const pollMs = 1_000;

type Note = (line: string) => void;

export interface LocalKeys {
  cosmosKey: string;
  gatewaySharedSecret: string;
  azuriteAccountName: string;
  azuriteAccountKey: string;
}

export function localKeys(dataDir: string): LocalKeys {
  const file = join(dataDir, 'local-keys.json');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalKeys>;
  for (const key of ['cosmosKey', 'gatewaySharedSecret', 'azuriteAccountName', 'azuriteAccountKey'] as const) {
    if (typeof parsed[key] !== 'string') throw new Error(`${file} has no ${key}`);
  }
  return parsed as LocalKeys;
}

/**
 * The app's ports on the platform's servers: its Cosmos server, Azurite and the host's queue API. `clock`: the
 * platform's time (the real one unless the platform runs a virtual clock).
 */
export async function openPorts(
  platform: RunningPlatform,
  keys: LocalKeys,
  clock: Clock = { now: () => new Date() }
): Promise<{ store: DocumentStore; deps: TransmissionDeps & ComplianceDeps; close: () => void }> {
  const [{ CosmosClient }, { BlobServiceClient }] = await Promise.all([
    import('@azure/cosmos'),
    import('@azure/storage-blob'),
  ]);
  const agent = new Agent({ ca: readFileSync(join(platform.dataDir, 'cosmos', 'cert.pem')), keepAlive: true });
  const client = new CosmosClient({
    endpoint: `https://${loopback}:${platform.ports.cosmos}/`,
    key: keys.cosmosKey,
    agent,
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  const store = cosmosDocumentStore(async () => client, process.env.COSMOS_DATABASE || defaultCosmosDatabaseName);
  const blob = BlobServiceClient.fromConnectionString(
    azuriteConnectionString(
      loopback,
      { blob: platform.ports.blob, queue: platform.ports.queue, table: platform.ports.table },
      { layoutVersion: 1, ...keys }
    )
  );
  const api = `http://${loopback}:${platform.port}`;
  const deps = {
    store,
    clock,
    files: blobDocumentFiles(async () => blob),
    queue: localMessageQueue({ url: `${api}/runtime/servicebus` }),
    banks: selfAssessmentDeps({ store, clock }).banks,
    settings: {
      gateway: { baseUrl: `http://${loopback}:${platform.ports.gateway}`, sharedSecret: keys.gatewaySharedSecret },
      publicApiBaseUrl: `${api}/api`,
      portalBaseUrl: api,
    },
    portalBaseUrl: api,
  };
  return {
    store,
    deps,
    close: () => {
      client.dispose();
      agent.destroy();
    },
  };
}

async function json(url: string, init: RequestInit = {}): Promise<unknown> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as unknown) : {};
}

/** One facility the simulator approved (a BW hand-off, the form, the simulator's approval). */
async function approvedFacility(gatewayBaseUrl: string, secret: string): Promise<string> {
  const link = await createRegistrationUrl({
    gatewayBaseUrl,
    secret,
    factoryId: 'BD-T0000000',
    email: 'manager@transmission-bench.example.com',
    callbackUrl: `http://${loopback}:1/unused`,
    clock: { now: () => new Date() },
  });
  const form = (await json(`${gatewayBaseUrl}/facility-registration`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      state: new URL(link.url).searchParams.get('state'),
      facilityName: 'Transmission Bench Garments Ltd.',
      address: 'Plot 7, Road 3, Export Processing Zone',
      country: 'BD',
      contactEmail: 'manager@transmission-bench.example.com',
    }),
  })) as { registrationId: string };
  const approved = (await json(`${gatewayBaseUrl}/_sim/registrations/${form.registrationId}/approve`, {
    method: 'POST',
  })) as { gatewayFacilityId: string };
  return approved.gatewayFacilityId;
}

interface SimSubmissions {
  stats: { received: number; replayed: number; duplicates: number; faults: Record<string, number> };
  submissions: { key: string; submissionId: string }[];
}

async function records(store: DocumentStore): Promise<TransmissionSample[]> {
  const rows: TransmissionSample[] = [];
  let continuation: string | undefined;
  do {
    const page = await store.query<TransmissionDocument>(
      'factories',
      'BD',
      {
        query:
          "SELECT * FROM c WHERE c.countryCode = @pk AND c.type = 'transmission' AND STARTSWITH(c.factoryId, 'BD-T')",
      },
      { maxItems: 1000, continuation }
    );
    for (const doc of page.items) {
      rows.push({
        transmissionId: doc.transmissionId,
        status: doc.status,
        queuedAt: doc.queuedAt,
        acceptedAt: doc.acceptedAt,
        submissionId: doc.submissionId,
        payloadBytes: doc.payload?.bytes ?? null,
        deliveries: doc.deliveries,
        attempts: doc.attempts,
      });
    }
    continuation = page.continuation;
  } while (continuation);
  return rows;
}

interface Run {
  count: number;
  seedMs: number;
  queueMs: number;
  settleMs: number;
  figures: TransmissionFigures;
  sim: SimSubmissions['stats'];
  queueCounts: Record<string, unknown>;
}

async function measure(platform: RunningPlatform, count: number, note: Note): Promise<Run> {
  const keys = localKeys(platform.dataDir);
  const gatewayBaseUrl = `http://${loopback}:${platform.ports.gateway}`;
  const { store, deps, close } = await openPorts(platform, keys);
  try {
    const gatewayFacilityId = await approvedFacility(gatewayBaseUrl, keys.gatewaySharedSecret);
    const seeding = performance.now();
    let seeded = 0;
    const cycles: ReadyCycle[] = await inPool(
      Array.from({ length: count }, (_, i) => i),
      seedConcurrency,
      async (i) => {
        const cycle = await seedReadyCycle(deps, {
          factoryId: `BD-T${i.toString(36).toUpperCase().padStart(7, '0')}`,
          name: `Transmission Bench ${String(i).padStart(4, '0')} Garments Ltd.`,
          gatewayFacilityId,
        });
        if (++seeded % 250 === 0)
          note(`seeded ${seeded} cycles (${((performance.now() - seeding) / 1000).toFixed(1)} s)`);
        return cycle;
      }
    );
    const seedMs = performance.now() - seeding;
    note(
      `seeded ${count} cycles ready to transmit in ${(seedMs / 1000).toFixed(1)} s (app store and use cases; ` +
        `one approved facility ${gatewayFacilityId})`
    );

    await json(`${gatewayBaseUrl}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(benchFaults),
    });
    const queueing = performance.now();
    const retries: string[] = [];
    await inPool(cycles, queueConcurrency, (cycle) =>
      queueReadyCycle(deps, cycle, {
        onRetry: (error) => retries.push(`${cycle.transmissionId}: ${(error as Error)?.message ?? String(error)}`),
      })
    );
    const queueMs = performance.now() - queueing;
    note(`queued ${count} transmissions in ${(queueMs / 1000).toFixed(1)} s (R17 use case, host queue API)`);
    if (retries.length > 0) {
      note(`${retries.length} queueing(s) failed once and ran again (as the activity's retry would); the first:`);
      for (const line of retries.slice(0, 3)) note(`  ${line.slice(0, 300)}`);
    }

    const waitStarted = performance.now();
    let lastNote = waitStarted;
    let rows: TransmissionSample[] = [];
    for (;;) {
      rows = await records(store);
      if (rows.length >= count && allSettled(rows.map((r) => r.status))) break;
      if (performance.now() - waitStarted > settleTimeoutMs) {
        note(`gave up waiting after ${settleTimeoutMs / 60_000} min`);
        break;
      }
      if (performance.now() - lastNote > 15_000) {
        lastNote = performance.now();
        const byStatus = new Map<string, number>();
        for (const r of rows) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
        note(`  ${[...byStatus.entries()].map(([s, n]) => `${n} ${s}`).join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    const settleMs = performance.now() - waitStarted;
    const sim = (await json(`${gatewayBaseUrl}/_sim/submissions`)) as SimSubmissions;
    const queueCounts = (
      (await json(`http://${loopback}:${platform.port}/runtime/servicebus/queues/${transmissionQueue.name}`)) as {
        counts: Record<string, unknown>;
      }
    ).counts;
    const figures = transmissionFigures({
      queued: cycles.map((c) => c.transmissionId),
      records: rows,
      held: sim.submissions,
      gatewayDuplicates: sim.stats.duplicates,
    });
    return { count, seedMs, queueMs, settleMs, figures, sim: sim.stats, queueCounts };
  } finally {
    close();
  }
}

export async function transmission({ repoRoot, note }: PlatformBenchOptions): Promise<Figures> {
  const count = Number(process.env.BENCH_TRANSMISSIONS ?? defaultTransmissions);
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`BENCH_TRANSMISSIONS must be a whole number (got ${count})`);
  const { result, stop } = await withPlatform(repoRoot, (platform) => measure(platform, count, note));
  const { figures, sim } = result;
  const faults = Object.entries(sim.faults)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
  note(
    `Gateway: ${sim.received} submissions received, ${sim.replayed} answered again from the first receipt ` +
      `(retries after a lost answer), faults injected: ${faults || 'none'}`
  );
  note(
    `records: ${Object.entries(figures.statuses)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ')}; ${figures.deliveries} Service Bus deliveries (at most ${figures.maxDeliveries} of one message), ` +
      `${figures.attempts} Gateway attempts; ${figures.unrecorded} held by the Gateway without the record knowing`
  );
  note(
    `settled ${(result.settleMs / 1000).toFixed(1)} s after the last queueing; queue now ${JSON.stringify(result.queueCounts)}; ` +
      `latency max ${(figures.maxMs / 1000).toFixed(1)} s; payload max ${figures.maxPayloadKb.toFixed(1)} KiB`
  );
  noteStop(stop, note);
  return {
    transmissions_accepted: { value: figures.accepted, unit: 'count', target: `== ${count}` },
    transmissions_duplicates: { value: figures.duplicates, unit: 'count', target: '== 0' },
    transmissions_lost: { value: figures.lost, unit: 'count', target: '== 0' },
    transmissions_per_second: { value: round(figures.perSecond, 2), unit: 'transmissions/s', target: 'informational' },
    transmission_p50_ms: { value: Math.round(figures.p50Ms), unit: 'ms', target: 'informational' },
    transmission_p99_ms: { value: Math.round(figures.p99Ms), unit: 'ms', target: 'informational' },
    transmission_payload_kb: { value: round(figures.payloadKb, 1), unit: 'KiB', target: 'informational' },
  };
}
