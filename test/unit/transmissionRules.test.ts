// The pure rules of the transmission to the Gateway: what a cycle's payload holds (R17: Step 1 side by side with
// Better Work's findings, the Facility Profile self-reported, VCC marking, Steps 2 and 3 as enhanced
// self-assessment, the references), that nothing off the contract is ever built, the transmission's states
// (sent, accepted, rejected, failed, dead-lettered, replayed, validated), and who may ask mid-cycle (R19).
import type { ComplianceAssessmentDocument } from '../../shared/domain/compliance/assessment';
import type { CycleEntry } from '../../shared/domain/factory/factory';
import type { SelfAssessmentDocument } from '../../shared/domain/selfAssessment/selfAssessment';
import { decideMidCycleRequest } from '../../shared/domain/transmission/midCycle';
import {
  buildSubmissionPayload,
  checkSubmissionPayload,
  type PayloadSources,
} from '../../shared/domain/transmission/payload';
import {
  deliveryDecision,
  markSentToQueue,
  messageIdOf,
  newTransmission,
  recordAccepted,
  recordDeadLettered,
  recordFailed,
  recordRejected,
  recordValidated,
  replayTransmission,
  transmissionIdOf,
  whyOf,
  type PayloadRef,
  type TransmissionDocument,
} from '../../shared/domain/transmission/transmission';
import { ConflictError, RuleViolationError } from '../../shared/domain/errors';
import { dataSubmissionSchema, type DataSubmission } from '../../shared/schemas/gateway';
import { registeredFactory } from '../support/sharingFixtures';

const factoryId = 'BD-FACT0001';
const cycleId = `${factoryId}-C1`;

const cycle: CycleEntry = {
  cycleId,
  sequence: 1,
  startsOn: '2030-01-01',
  endsOn: '2030-12-31',
  registeredAt: '2029-12-01T00:00:00.000Z',
  sharingEffective: true,
  activatedAt: '2030-01-05T09:00:00.000Z',
  assessment: {
    assessmentId: `${cycleId}-CA`,
    method: 'visit',
    lastDay: '2030-02-21',
    completedAt: '2030-02-22T10:00:00.000Z',
    completedBy: 'u-assessor',
  },
  report: { reportId: `${cycleId}-RABC123`, releasedAt: '2030-03-01T08:00:00.000Z', releasedBy: 'u-staff' },
};

function selfAssessment(step: 1 | 2 | 3 = 1, status: 'open' | 'submitted' = 'submitted'): SelfAssessmentDocument {
  return {
    id: `${cycleId}-SA`,
    type: 'selfAssessment',
    selfAssessmentId: `${cycleId}-SA`,
    factoryId,
    countryCode: 'BD',
    cycleId,
    step,
    toolVersion: '1.4.0',
    status,
    startedAt: '2030-01-10T00:00:00.000Z',
    startedBy: 'u-manager',
    submittedAt: status === 'submitted' ? '2030-02-01T00:00:00.000Z' : undefined,
    submittedBy: status === 'submitted' ? 'u-manager' : undefined,
    progress: { answered: '', conditionValues: [] },
    updatedAt: '2030-02-01T00:00:00.000Z',
  };
}

function assessment(method: 'visit' | 'vcc', findings: string[]): ComplianceAssessmentDocument {
  return {
    id: `${cycleId}-CA`,
    type: 'complianceAssessment',
    assessmentId: `${cycleId}-CA`,
    factoryId,
    countryCode: 'BD',
    cycleId,
    toolVersion: '1.4.0',
    method,
    firstDay: '2030-02-20',
    lastDay: '2030-02-21',
    assessorUserIds: ['u-assessor'],
    status: 'completed',
    createdAt: '2030-02-20T00:00:00.000Z',
    createdBy: 'u-assessor',
    completedAt: '2030-02-22T10:00:00.000Z',
    completedBy: 'u-assessor',
    timing: {} as ComplianceAssessmentDocument['timing'],
    findings: Object.fromEntries(
      findings.map((id, i) => [
        id,
        i === 0
          ? { result: 'nonCompliant' as const, notes: 'No age records.', recordedAt: 'x', recordedBy: 'u-assessor' }
          : { result: 'compliant' as const, notes: undefined, recordedAt: 'x', recordedBy: 'u-assessor' },
      ])
    ),
    updatedAt: '2030-02-22T10:00:00.000Z',
  };
}

const connected = registeredFactory(factoryId, new Date('2030-01-01T00:00:00Z'), {
  gateway: {
    status: 'connected',
    gatewayFacilityId: 'GW-7KQ2M9XD',
    stateJti: undefined,
    registrationId: undefined,
    rejectedReason: undefined,
    linkedBy: 'gateway',
    updatedAt: undefined,
  },
});

/** Six questions: a Facility Profile one, three Step 1 compliance ones (one in VCC scope, one conditional), Step 2 and 3. */
function sources(overrides: Partial<PayloadSources> = {}): PayloadSources {
  return {
    transmissionId: transmissionIdOf(cycleId),
    callbackUrl: 'https://bw.example.org/api/gateway/submission-callbacks',
    factory: connected,
    cycle,
    selfAssessment: selfAssessment(3),
    questions: [
      { id: 'FP-BAS-1', section: 'FP', step: 1, applies: true },
      { id: 'RH-REC-1', section: 'RH', step: 1, applies: true },
      { id: 'RH-REC-2', section: 'RH', step: 1, applies: true },
      { id: 'RH-REC-3', section: 'RH', step: 1, applies: false },
      { id: 'MS-POL-1', section: 'MS', step: 2, applies: true },
      { id: 'AB-CSR-1', section: 'AB', step: 3, applies: true },
    ],
    answers: new Map([
      ['FP-BAS-1', { value: 'Jamuna Woven Ltd.', comment: undefined }],
      ['RH-REC-1', { value: true, comment: 'We check national ID cards.' }],
      ['RH-REC-2', { value: false, comment: undefined }],
      ['RH-REC-3', { value: 'stale answer', comment: undefined }],
      ['MS-POL-1', { value: ['policy', 'training'], comment: undefined }],
      ['AB-CSR-1', { value: 12, comment: undefined }],
    ]),
    assessment: assessment('visit', ['RH-REC-1', 'RH-REC-2', 'RH-REC-3']),
    compliance: new Map([
      ['RH-REC-1', { cluster: 'Child Labour', point: 'Child Labourers', vccScope: true }],
      ['RH-REC-2', { cluster: 'Child Labour', point: 'Child Labourers', vccScope: false }],
      ['RH-REC-3', { cluster: 'Child Labour', point: 'Child Labourers', vccScope: false }],
    ]),
    ...overrides,
  };
}

function built(overrides: Partial<PayloadSources> = {}): DataSubmission {
  const result = buildSubmissionPayload(sources(overrides));
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.payload;
}

const entry = (payload: DataSubmission, questionId: string) =>
  [...payload.step1, ...payload.enhanced].find((e) => e.questionId === questionId);

describe('R17: what a cycle transmits', () => {
  it("R17: Step 1 self-assessed answers go side by side with Better Work's findings; the Facility Profile is self-reported", () => {
    const payload = built();
    expect(entry(payload, 'RH-REC-1')).toEqual({
      questionId: 'RH-REC-1',
      section: 'RH',
      selfAssessment: { answer: true, comment: 'We check national ID cards.' },
      verification: 'assessedByBetterWork',
      betterWork: {
        result: 'nonCompliant',
        notes: 'No age records.',
        cluster: 'Child Labour',
        point: 'Child Labourers',
      },
    });
    expect(entry(payload, 'RH-REC-2')).toMatchObject({
      selfAssessment: { answer: false, comment: null },
      verification: 'assessedByBetterWork',
      betterWork: { result: 'compliant', notes: null },
    });
    expect(entry(payload, 'FP-BAS-1')).toEqual({
      questionId: 'FP-BAS-1',
      section: 'FP',
      selfAssessment: { answer: 'Jamuna Woven Ltd.', comment: null },
      verification: 'facilityProfile',
      betterWork: null,
    });
  });

  it('R17: after a VCC, Step 1 self-assessed answers outside its scope are marked neither assessed nor verified', () => {
    const payload = built({ assessment: assessment('vcc', ['RH-REC-1']) });
    expect(entry(payload, 'RH-REC-1')).toMatchObject({ verification: 'assessedByBetterWork' });
    expect(entry(payload, 'RH-REC-2')).toEqual({
      questionId: 'RH-REC-2',
      section: 'RH',
      selfAssessment: { answer: false, comment: null },
      verification: 'neitherAssessedNorVerified',
      betterWork: null,
    });
    expect(payload.summary).toMatchObject({
      assessedByBetterWork: 1,
      neitherAssessedNorVerified: 1,
      facilityProfile: 1,
    });
    // After a visit nothing is left unverified.
    expect(built().step1.some((e) => e.verification === 'neitherAssessedNorVerified')).toBe(false);
  });

  it('R17: Steps 2 and 3 go as "enhanced self-assessment": self-assessed, not assessed', () => {
    const payload = built();
    expect(payload.enhanced).toEqual([
      {
        questionId: 'MS-POL-1',
        section: 'MS',
        step: 2,
        selfAssessment: { answer: ['policy', 'training'], comment: null },
        verification: 'selfAssessed',
      },
      {
        questionId: 'AB-CSR-1',
        section: 'AB',
        step: 3,
        selfAssessment: { answer: 12, comment: null },
        verification: 'selfAssessed',
      },
    ]);
    expect(payload.step1.map((e) => e.questionId)).not.toContain('MS-POL-1');
    // A Step 1 self-assessment sends no enhanced data, even with answers stored beyond it.
    expect(built({ selfAssessment: selfAssessment(1) }).enhanced).toEqual([]);
  });

  it("R17: a question that does not apply goes without the factory's stale answer; Better Work's finding still goes", () => {
    const payload = built();
    expect(entry(payload, 'RH-REC-3')).toMatchObject({ selfAssessment: null, verification: 'assessedByBetterWork' });
    const vcc = built({ assessment: assessment('vcc', ['RH-REC-1']) });
    expect(entry(vcc, 'RH-REC-3')).toBeUndefined();
  });

  it('R17: it carries the Gateway Facility ID, the tool version, the cycle, the assessment and the report reference', () => {
    const payload = built();
    expect(payload).toMatchObject({
      schemaVersion: '1',
      transmissionId: `${cycleId}-TX`,
      gatewayFacilityId: 'GW-7KQ2M9XD',
      verifier: 'BetterWork',
      facility: { factoryId, country: 'BD' },
      cycle: { cycleId, startsOn: '2030-01-01', endsOn: '2030-12-31' },
      tool: { toolId: 'caf', version: '1.4.0' },
      selfAssessment: { selfAssessmentId: `${cycleId}-SA`, step: 3, submittedAt: '2030-02-01T00:00:00.000Z' },
      assessment: { assessmentId: `${cycleId}-CA`, method: 'visit', toolVersion: '1.4.0' },
      report: { reportId: `${cycleId}-RABC123`, releasedAt: '2030-03-01T08:00:00.000Z' },
      callbackUrl: 'https://bw.example.org/api/gateway/submission-callbacks',
      summary: { step1: 4, assessedByBetterWork: 3, facilityProfile: 1, neitherAssessedNorVerified: 0, enhanced: 2 },
    });
    expect(dataSubmissionSchema.safeParse(payload).success).toBe(true);
  });

  it('R17: the same facts make the same bytes (a rebuilt payload has the same hash)', () => {
    const a = buildSubmissionPayload(sources());
    const b = buildSubmissionPayload(sources());
    expect(a.ok && b.ok && a.json === b.json).toBe(true);
  });

  it('R17: nothing is built for a cycle that has not completed the steps: every reason is named', () => {
    const notConnected = registeredFactory(factoryId, new Date('2030-01-01T00:00:00Z'));
    const result = buildSubmissionPayload(
      sources({
        factory: notConnected,
        selfAssessment: selfAssessment(1, 'open'),
        cycle: { ...cycle, report: undefined },
      })
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.join('\n')).toMatch(/not submitted[\s\S]*not released[\s\S]*not connected/);
    const missingFinding = buildSubmissionPayload(sources({ assessment: assessment('visit', ['RH-REC-1']) }));
    expect(!missingFinding.ok && missingFinding.problems).toEqual([
      "question RH-REC-2 is in the assessment's scope but has no finding",
      "question RH-REC-3 is in the assessment's scope but has no finding",
    ]);
  });

  it('R17: the contract refuses a payload that mixes up what was verified, naming each field', () => {
    const payload = built();
    const tampered = {
      ...payload,
      step1: payload.step1.map((e) =>
        e.questionId === 'RH-REC-2' ? { ...e, verification: 'neitherAssessedNorVerified', betterWork: null } : e
      ),
    };
    const checked = checkSubmissionPayload(tampered);
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/step1\/2\/verification: only a Virtual Compliance Check/),
        expect.stringMatching(/^\/summary\/assessedByBetterWork: must be 2/),
      ])
    );
    const noFinding = checkSubmissionPayload({
      ...payload,
      step1: payload.step1.map((e) => (e.questionId === 'RH-REC-1' ? { ...e, betterWork: null } : e)),
    });
    expect(!noFinding.ok && noFinding.problems.join()).toMatch(/\/step1\/1\/betterWork/);
  });
});

// ---------------------------------------------------------------------------------------------------
// The transmission's states
// ---------------------------------------------------------------------------------------------------

const payloadRef: PayloadRef = {
  sha256: 'a'.repeat(64),
  bytes: 1234,
  blobName: `${factoryId}/${cycleId}/${cycleId}-TX-${'a'.repeat(64)}.json`,
  summary: { step1: 4, assessedByBetterWork: 3, facilityProfile: 1, neitherAssessedNorVerified: 0, enhanced: 2 },
};

function queued(): TransmissionDocument {
  return newTransmission({
    factoryId,
    countryCode: 'BD',
    cycleId,
    gatewayFacilityId: 'GW-7KQ2M9XD',
    trigger: 'R17',
    payload: payloadRef,
    invalidReasons: [],
    now: '2030-03-01T08:00:00.000Z',
  });
}

const attempt = (at: string, deliveryCount = 1) => ({ at, deliveryCount, attempts: 1, status: 202, detail: 'ok' });

describe('R17: a transmission from queued to validated', () => {
  it('one id end to end: the Cosmos id, the first message id and the idempotency key; replays get their own message id', () => {
    const doc = queued();
    expect([doc.id, doc.transmissionId, doc.messageId]).toEqual([`${cycleId}-TX`, `${cycleId}-TX`, `${cycleId}-TX`]);
    expect(messageIdOf(doc.transmissionId, 2)).toBe(`${cycleId}-TX.replay-2`);
    expect(doc).toMatchObject({ status: 'queued', sentToQueueAt: null });
    const sent = markSentToQueue(doc, '2030-03-01T08:00:01.000Z')!;
    expect(sent.sentToQueueAt).toBe('2030-03-01T08:00:01.000Z');
    expect(markSentToQueue(sent, '2030-03-01T09:00:00.000Z')).toBeUndefined();
  });

  it('sent once: once the Gateway has it, a message of it goes nowhere', () => {
    const accepted = recordAccepted(queued(), {
      ...attempt('2030-03-01T08:00:02.000Z'),
      submissionId: 'SUB-0000000001',
      replayed: false,
    });
    expect(accepted).toMatchObject({ status: 'accepted', submissionId: 'SUB-0000000001', deliveries: 1, attempts: 1 });
    expect(deliveryDecision(queued())).toEqual({ send: true });
    expect(deliveryDecision(accepted)).toMatchObject({ send: false });
    const validated = recordValidated(accepted, {
      at: '2030-03-15T00:00:00.000Z',
      submissionId: 'SUB-0000000001',
      source: 'callback',
    })!;
    expect(validated).toMatchObject({ status: 'validated', validatedAt: '2030-03-15T00:00:00.000Z' });
    expect(
      recordValidated(validated, { at: 'later', submissionId: 'SUB-0000000001', source: 'callback' })
    ).toBeUndefined();
    // A late answer of an earlier delivery keeps the validation.
    expect(
      recordAccepted(validated, {
        ...attempt('2030-03-16T00:00:00.000Z'),
        submissionId: 'SUB-0000000001',
        replayed: true,
      }).status
    ).toBe('validated');
  });

  it('a final refusal is recorded with its reasons and never sent again; a transient failure is sent again', () => {
    const failed = recordFailed(queued(), {
      ...attempt('2030-03-01T08:00:02.000Z'),
      status: 503,
      detail: '503 outage',
    });
    expect(failed).toMatchObject({ status: 'failed', failure: { deliveryCount: 1, detail: '503 outage' } });
    expect(deliveryDecision(failed)).toEqual({ send: true });
    const rejected = recordRejected(failed, {
      ...attempt('2030-03-01T08:01:00.000Z', 2),
      status: 422,
      detail: '422: does not match',
      reasons: ['/gatewayFacilityId: not an approved facility'],
    });
    expect(rejected).toMatchObject({ status: 'rejected', rejection: { status: 422 } });
    expect(deliveryDecision(rejected)).toMatchObject({ send: false });
    expect(whyOf(rejected)).toMatch(/refused it \(422: does not match\): \/gatewayFacilityId/);
  });

  it('dead-lettered after the maximum deliveries (not once it is settled); replayed with the same key, once fixed', () => {
    const failed = recordFailed(queued(), {
      ...attempt('2030-03-01T08:00:02.000Z', 10),
      status: 503,
      detail: '503 outage',
    });
    const dead = recordDeadLettered(failed, {
      at: '2030-03-01T08:10:00.000Z',
      reason: 'MaxDeliveryCountExceeded',
      description: 'Message could not be consumed after 10 delivery attempts.',
      deliveryCount: 10,
    })!;
    expect(dead).toMatchObject({ status: 'deadLettered', deadLetter: { reason: 'MaxDeliveryCountExceeded' } });
    expect(whyOf(dead)).toMatch(/gave up after 10 deliveries \(MaxDeliveryCountExceeded\); last failure: 503 outage/);
    const accepted = recordAccepted(queued(), { ...attempt('x'), submissionId: 'SUB-0000000001', replayed: false });
    expect(recordDeadLettered(accepted, { at: 'x', reason: 'r', description: 'd', deliveryCount: 10 })).toBeUndefined();

    const replayed = replayTransmission(dead, { userId: 'u-staff', at: '2030-03-02T09:00:00.000Z' });
    expect(replayed).toMatchObject({
      status: 'queued',
      transmissionId: `${cycleId}-TX`,
      messageId: `${cycleId}-TX.replay-1`,
      sentToQueueAt: null,
      replays: 1,
      lastReplay: { by: 'u-staff' },
      payload: payloadRef,
    });
    expect(() => replayTransmission(accepted, { userId: 'u-staff', at: 'x' })).toThrow(ConflictError);
    expect(() => replayTransmission(replayed, { userId: 'u-staff', at: 'x' })).toThrow(ConflictError);
  });

  it('an invalid payload is never sent; a replay needs a valid one', () => {
    const invalid = newTransmission({
      factoryId,
      countryCode: 'BD',
      cycleId,
      gatewayFacilityId: null,
      trigger: 'R17',
      payload: null,
      invalidReasons: ['the factory is not connected to the SLCP Gateway'],
      now: '2030-03-01T08:00:00.000Z',
    });
    expect(invalid.status).toBe('invalid');
    expect(deliveryDecision(invalid)).toMatchObject({ send: false });
    expect(() => replayTransmission(invalid, { userId: 'u-staff', at: 'x' })).toThrow(ConflictError);
    expect(replayTransmission(invalid, { userId: 'u-staff', at: 'x', payload: payloadRef })).toMatchObject({
      status: 'queued',
      payload: payloadRef,
      invalidReasons: [],
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// R19
// ---------------------------------------------------------------------------------------------------

describe('R19: a mid-cycle request after the assessment', () => {
  const now = new Date('2030-03-05T00:00:00Z');
  const notSharing = { ...connected, cycles: [{ ...cycle, sharingEffective: false }] };
  const ask = (factory = notSharing, verifier: string | null = 'BetterWork', known = true) =>
    decideMidCycleRequest(factory, cycleId, {
      gatewayFacility: known ? { verifier } : null,
      verifier: 'BetterWork',
      userId: 'u-manager',
      now,
    });

  it('R19: allowed when the factory is connected to the Gateway with Better Work as verifier: sharing applies to the cycle', () => {
    const decision = ask();
    expect(decision.changed).toBe(true);
    expect(decision.cycle).toMatchObject({
      sharingEffective: true,
      midCycleRequest: { requestedAt: now.toISOString(), requestedBy: 'u-manager' },
    });
    expect(ask(decision.factory).changed).toBe(false);
  });

  it('R19: refused before the assessment, without a Gateway connection, or without Better Work as verifier', () => {
    const before = {
      ...notSharing,
      cycles: [{ ...cycle, sharingEffective: false, assessment: undefined, report: undefined }],
    };
    expect(() => ask(before)).toThrow(/not completed yet: before it, ask to share from the next cycle/);
    const unconnected = { ...notSharing, gateway: { ...notSharing.gateway, status: 'registered' as const } };
    expect(() => ask(unconnected)).toThrow(/not connected to the SLCP Gateway/);
    expect(() => ask(notSharing, 'SomeVerifierBody')).toThrow(/not confirmed Better Work as its verifier/);
    expect(() => ask(notSharing, null, false)).toThrow(/does not know the facility/);
    const ended = () =>
      decideMidCycleRequest(notSharing, cycleId, {
        gatewayFacility: { verifier: 'BetterWork' },
        verifier: 'BetterWork',
        userId: 'u-manager',
        now: new Date('2031-01-01T00:00:00Z'),
      });
    expect(ended).toThrow(/ended on 2030-12-31/);
    expect(() => ask(unconnected)).toThrow(expect.objectContaining({ rule: 'R19' }) as unknown as RuleViolationError);
  });
});
