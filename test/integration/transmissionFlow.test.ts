// R17, R18 end to end through the local host: the real function app with its timeline on the local durable
// engine, the local Service Bus queue delivering to the `processTransmission` trigger, and the Gateway simulator
// over HTTP, all on one virtual clock. A demo factory connected to the Gateway (its facility approved by the
// simulator), sharing for its cycle, self-assessment submitted and assessment completed; staff release the
// report through the API, and then, with nobody else acting: the timeline queues the transmission, the local
// queue delivers it, the sender submits it once, the simulator validates it 15 days after the release and calls
// back (signed), the timeline enables sharing and the factory is told. Then the staff's views.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistrationUrl } from '../../shared/adapters/gateway/gatewayClient';
import { selfAssessmentDeps } from '../../shared/app/selfAssessment/deps';
import {
  answerQuestion,
  readSelfAssessment,
  startSelfAssessment,
  submitSelfAssessment,
} from '../../shared/app/selfAssessment/selfAssessments';
import type { FactoryDocument, OutboxDocument } from '../../shared/domain/factory/factory';
import { nextUnanswered } from '../../shared/domain/selfAssessment/navigation';
import type { TransmissionDocument } from '../../shared/domain/transmission/transmission';
import type { Clock } from '../../shared/ports/clock';
import { sampleAnswer } from '../../local/demo/sampleAnswers';
import { startGatewaySimulator, type GatewaySimulator } from '../../local/gateway/simulator';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { apiCalls } from '../support/apiCalls';
import { complianceDepsOf, principalOf, seedAssessedCycle } from '../support/complianceFixtures';

jest.setTimeout(180_000);

const secret = 'flow-gateway-secret-0123456789abcdef';
const factoryId = 'BD-DEMO0001';
const cycleId = `${factoryId}-C1`;
const transmissionId = `${cycleId}-TX`;
const dayMs = 86_400_000;

/** Forwards to the API once it listens: the Gateway's callbacks go to PUBLIC_API_BASE_URL, set before the app loads. */
async function startForwarder() {
  let target: URL | undefined;
  const server: Server = createServer((req, res) => {
    if (!target) return void res.writeHead(503).end();
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      }
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forwardTo: (base: string) => void (target = new URL(base)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let api: ApiHarness;
let sim: GatewaySimulator;
let forwarder: Awaited<ReturnType<typeof startForwarder>>;
const simDir = mkdtempSync(join(tmpdir(), 'transmission-flow-'));
const clockRef: { clock?: Clock } = {};
const { call } = apiCalls(() => api);
let releasedAt = '';

const settle = async () => {
  for (let i = 0; i < 5; i++) {
    await api.host.serviceBus?.settle();
    await api.host.durable?.settle();
    await api.host.scheduler.settle();
  }
};

async function record(): Promise<TransmissionDocument | undefined> {
  return (await api.store.read<TransmissionDocument>('factories', 'BD', transmissionId))?.doc;
}

beforeAll(async () => {
  forwarder = await startForwarder();
  sim = await startGatewaySimulator({
    host: '127.0.0.1',
    port: 0,
    secret,
    clock: { now: () => clockRef.clock?.now() ?? new Date('2030-03-01T08:00:00Z') },
    dataDir: simDir,
    log: () => undefined,
  });
  api = await startApiHarness({
    azurite: true,
    startAt: new Date('2030-03-01T08:00:00Z'),
    env: {
      GATEWAY_BASE_URL: sim.baseUrl,
      GATEWAY_SHARED_SECRET: secret,
      PUBLIC_API_BASE_URL: `${forwarder.url}/api`,
    },
    seed: async (store, clock) => {
      clockRef.clock = clock;
      const { seedDemoData } = await import('../../local/seed/seedDemoData');
      await seedDemoData(store, clock);
    },
  });
  forwarder.forwardTo(api.base);
  api.host.scheduler.add(sim.wakeups);

  // The factory's facility, registered through a BW hand-off and approved by SLCP (the simulator).
  const link = await createRegistrationUrl({
    gatewayBaseUrl: sim.baseUrl,
    secret,
    factoryId,
    email: 'manager@factory-bd-1.example.com',
    callbackUrl: 'http://127.0.0.1:1/unused',
    clock: api.clock,
  });
  const form = await fetch(`${sim.baseUrl}/facility-registration`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      state: new URL(link.url).searchParams.get('state'),
      facilityName: 'Meghna Knit Composite Ltd.',
      address: 'Plot 14, Road 3, Tongi Industrial Area',
      country: 'BD',
      contactEmail: 'manager@factory-bd-1.example.com',
    }),
  });
  const { registrationId } = (await form.json()) as { registrationId: string };
  const approved = await fetch(`${sim.baseUrl}/_sim/registrations/${registrationId}/approve`, { method: 'POST' });
  const { gatewayFacilityId } = (await approved.json()) as { gatewayFacilityId: string };
  const found = (await api.store.read<FactoryDocument>('factories', 'BD', factoryId))!;
  await api.store.write('factories', 'BD', [
    {
      kind: 'replace',
      doc: {
        ...found.doc,
        cycles: found.doc.cycles.map((c) => (c.cycleId === cycleId ? { ...c, sharingEffective: true } : c)),
        gateway: { ...found.doc.gateway, status: 'connected', gatewayFacilityId, linkedBy: 'gateway' },
      },
      ifMatch: found.etag,
    },
  ]);

  // Staff activate the cycle through the API (its timeline starts); the manager answers and submits the
  // self-assessment; the assessor records and completes the assessment (the report is not released yet).
  const staff = await api.tokenFor('registration-bd');
  expect((await call('POST', `factories/${factoryId}/cycles/${cycleId}/activate`, { token: staff })).status).toBe(200);
  const compliance = complianceDepsOf(api.store, api.clock, api.app);
  await seedAssessedCycle(
    compliance,
    factoryId,
    { staffKey: 'registration-bd', assessorKey: 'assessor-bd' },
    { release: false }
  );
  const saDeps = {
    store: api.store,
    clock: api.clock,
    banks: selfAssessmentDeps({ store: api.store, clock: api.clock }).banks,
  };
  const manager = principalOf('fm-bd-1');
  const started = await startSelfAssessment(saDeps, manager, factoryId, { cycleId, step: 2 });
  const saId = started.header.selfAssessmentId;
  for (;;) {
    const read = await readSelfAssessment(saDeps, manager, saId);
    const next = nextUnanswered(read.loaded.plan, read.progress);
    if (!next) break;
    const question = read.loaded.questionAt(read.loaded.plan.byId.get(next)!.index).question;
    await answerQuestion(saDeps, manager, saId, next, { value: sampleAnswer(question.answer) });
  }
  await submitSelfAssessment(saDeps, manager, saId);
  await settle();
});

afterAll(async () => {
  await api?.stop();
  await sim?.close();
  await forwarder?.close();
  rmSync(simDir, { recursive: true, force: true });
});

it('R17: the release queues the transmission; the local queue delivers it; the Gateway receives it exactly once', async () => {
  const staff = await api.tokenFor('registration-bd');
  const released = await call('POST', `factories/${factoryId}/cycles/${cycleId}/report/release`, { token: staff });
  expect(released.status).toBe(200);
  releasedAt = (released.body as { releasedAt: string }).releasedAt;
  await settle();

  const accepted = await record();
  expect(accepted).toMatchObject({ status: 'accepted', trigger: 'R17', deliveries: 1, messageId: transmissionId });
  expect(accepted!.sentToQueueAt).not.toBeNull();
  const submissions = (await (await fetch(`${sim.baseUrl}/_sim/submissions`)).json()) as {
    stats: { received: number; duplicates: number };
    submissions: { key: string; submissionId: string; status: string }[];
  };
  expect(submissions.submissions.map((s) => [s.key, s.status])).toEqual([[transmissionId, 'RECEIVED']]);
  expect(submissions.stats).toMatchObject({ received: 1, duplicates: 0 });
  expect(accepted!.submissionId).toBe(submissions.submissions[0]!.submissionId);
  const one = (await (await fetch(`${sim.baseUrl}/_sim/submissions/${transmissionId}`)).json()) as {
    payload: { report: { releasedAt: string }; enhanced: { step: number }[]; step1: unknown[] };
  };
  expect(one.payload.report.releasedAt).toBe(releasedAt);
  expect(one.payload.enhanced.every((e) => e.step === 2)).toBe(true);
  expect(api.host.serviceBus!.counts('gateway-transmissions')).toMatchObject({ deadLettered: 0, completedInWindow: 1 });
});

it('R18: SLCP validates and calls back; the timeline enables sharing and tells the factory, at the validation', async () => {
  const validation = new Date(Date.parse(releasedAt) + 15 * dayMs);
  await api.host.scheduler.advanceTo(new Date(validation.getTime() - 60_000));
  await settle();
  expect((await record())!.status).toBe('accepted');
  await api.host.scheduler.advanceTo(new Date(validation.getTime() + 60_000));
  await settle();

  const validated = await record();
  expect(validated!.status).toBe('validated');
  const validatedAt = Date.parse(validated!.validatedAt!);
  expect(validatedAt).toBeGreaterThanOrEqual(validation.getTime()); // the callback came at the validation
  expect(validatedAt).toBeLessThan(validation.getTime() + 60_000);
  const cycle = (await api.store.read<FactoryDocument>('factories', 'BD', factoryId))!.doc.cycles.find(
    (c) => c.cycleId === cycleId
  )!;
  expect(cycle.transmission?.validatedAt).toBe(validated!.validatedAt);
  expect(Date.parse(cycle.sharingEnabledAt!)).toBeGreaterThanOrEqual(validation.getTime());
  expect(Date.parse(cycle.sharingEnabledAt!)).toBeLessThan(validation.getTime() + 60_000);
  const outbox = await api.store.query<OutboxDocument>('factories', 'BD', {
    query: "SELECT * FROM c WHERE c.countryCode = @pk AND c.type = 'outbox' AND c.subject = @s",
    parameters: [{ name: '@s', value: 'Sharing via the SLCP Gateway is enabled' }],
  });
  expect(outbox.items.map((o) => o.kind).sort()).toEqual(['email', 'notification']);

  // No chase at release + 15 days: the validation came first.
  await api.host.scheduler.advanceTo(new Date(Date.parse(releasedAt) + 16 * dayMs));
  await settle();
  const chases = await api.store.query<OutboxDocument>('factories', 'BD', {
    query:
      "SELECT * FROM c WHERE c.countryCode = @pk AND c.type = 'outbox' AND STARTSWITH(c.subject, 'No SLCP validation')",
  });
  expect(chases.items).toEqual([]);
});

it("staff read the cycle's transmission and its history; the list of those needing attention is empty", async () => {
  const staff = await api.tokenFor('registration-bd');
  const read = await call('GET', `factories/${factoryId}/cycles/${cycleId}/transmission`, { token: staff });
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({ transmissionId, status: 'validated', why: null });
  expect((read.body as { history: { event: string }[] }).history.map((h) => h.event)).toEqual([
    'queued',
    'sentToQueue',
    'accepted',
    'validated',
  ]);
  const list = await call('GET', 'countries/BD/transmissions', { token: staff });
  expect(list.body).toMatchObject({ countryCode: 'BD', transmissions: [] });
  const all = await call('GET', 'countries/BD/transmissions?status=validated', { token: staff });
  expect(
    (all.body as { transmissions: { transmissionId: string }[] }).transmissions.map((t) => t.transmissionId)
  ).toEqual([transmissionId]);
  // Nothing to replay: the Gateway has it.
  expect(
    (await call('POST', `factories/${factoryId}/cycles/${cycleId}/transmission/replay`, { token: staff })).status
  ).toBe(409);
});
