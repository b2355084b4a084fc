// The transmission to the SLCP Gateway through its use cases, on the memory store, memory blob storage, an
// in-memory Service Bus queue (duplicate detection) and a fake Gateway that speaks the contract: who gets
// transmitted and what goes (R17), the record and the message written in that order with nothing lost when the
// process stops between them, the sender exactly once under redelivery and racing deliveries, retries that
// honour Retry-After, final refusals, dead letters and replays, the validation callback and the timeline's
// enabling of sharing (R18), and the mid-cycle request (R19).
import { signGatewayCallback } from '../../shared/adapters/gateway/gatewayClient';
import { enableSharing, markReadyToTransmit } from '../../shared/app/timeline/cycleMilestones';
import { schedulerActor } from '../../shared/app/timeline/contacts';
import { recordDeadLetteredTransmission } from '../../shared/app/transmission/deadLetter';
import { requestMidCycleSharing } from '../../shared/app/transmission/midCycle';
import {
  processTransmission,
  PoisonMessageError,
  TransientTransmissionError,
} from '../../shared/app/transmission/process';
import {
  queueCycleTransmission,
  resendUnsentTransmissions,
  sha256Of,
  transmissionMessage,
} from '../../shared/app/transmission/queue';
import { getTransmission, listTransmissions, replayTransmission } from '../../shared/app/transmission/staff';
import { handleSubmissionCallback } from '../../shared/app/transmission/validation';
import { GatewayCallbackRejectedError } from '../../shared/app/sharing/gatewayConnection';
import { ConflictError, ForbiddenError, NotFoundError, RuleViolationError } from '../../shared/domain/errors';
import type { FactoryDocument } from '../../shared/domain/factory/factory';
import type { OutgoingMessage } from '../../shared/ports/messageQueue';
import { inlinePayloadLimitBytes, type TransmissionMessage } from '../../shared/schemas/transmission';
import {
  auditActions,
  cycleOne,
  factoryOne,
  gatewayFacilityId,
  gatewaySecret,
  outboxOf,
  people,
  readFactory,
  transmissionOf,
  transmissionOne,
  transmissionWorld,
  type TransmissionWorld,
} from '../support/transmissionFixtures';

jest.setTimeout(30_000);

const ref = { factoryId: factoryOne, cycleId: cycleOne };
const queueIt = (w: TransmissionWorld) => queueCycleTransmission(w.deps, ref, { actor: schedulerActor });
const milestoneInput = (w: TransmissionWorld) => ({ ...ref, asOf: w.clock.now().toISOString() });

/** Delivers a message to the sender as the Service Bus trigger would (delivery count as given). */
const deliver = (w: TransmissionWorld, message: OutgoingMessage, deliveryCount = 1) =>
  processTransmission(w.deps, { body: structuredClone(message.body), messageId: message.messageId, deliveryCount });

const onlyMessage = (w: TransmissionWorld) => {
  expect(w.queue.messages).toHaveLength(1);
  return w.queue.messages[0]!.message;
};

const staffRecipients = (w: TransmissionWorld) =>
  outboxOf(w.store).then((sent) =>
    sent.filter((e) => e.to === people.staff.userId || e.to === people.staff.email).map((e) => e.subject)
  );

describe('R17: who gets transmitted, and what goes', () => {
  it('R17: after the release, with sharing effective, the Gateway connected and the self-assessment submitted, the transmission is queued once', async () => {
    const w = await transmissionWorld({ step: 3 });
    const outcome = await markReadyToTransmit(w.deps, milestoneInput(w));
    expect(outcome).toMatchObject({ milestone: 'readyToTransmit', acted: true });
    expect(await markReadyToTransmit(w.deps, milestoneInput(w))).toMatchObject({ acted: false });

    const record = await transmissionOf(w.store);
    expect(record).toMatchObject({
      id: transmissionOne,
      status: 'queued',
      trigger: 'R17',
      messageId: transmissionOne,
      gatewayFacilityId,
      sentToQueueAt: w.clock.now().toISOString(),
    });
    const cycle = (await readFactory(w.store, factoryOne)).cycles[0]!;
    expect(cycle.readyToTransmitAt).toBe(record.queuedAt);
    expect(cycle.transmission).toEqual({ transmissionId: transmissionOne, queuedAt: record.queuedAt });

    // The message: id = transmission id, the payload inline (it is small), its hash the record's.
    const message = onlyMessage(w);
    expect(w.queue.messages[0]!.queueName).toBe('gateway-transmissions');
    expect(message).toMatchObject({
      messageId: transmissionOne,
      subject: 'slcp-data-submission',
      correlationId: cycleOne,
    });
    const body = message.body as TransmissionMessage;
    expect(body).toMatchObject({
      transmissionId: transmissionOne,
      countryCode: 'BD',
      payloadSha256: record.payload!.sha256,
    });
    expect(sha256Of(body.payload!)).toBe(record.payload!.sha256);
    // The payload is kept in blob storage too (what was sent, and what a replay sends).
    expect(w.files.names()).toContain(`transmissions/${record.payload!.blobName}`);

    const payload = JSON.parse(body.payload!) as {
      gatewayFacilityId: string;
      tool: { version: string };
      report: { reportId: string };
      step1: { questionId: string; verification: string; betterWork: { result: string } | null }[];
      enhanced: { step: number; verification: string }[];
    };
    const released = cycle.report!;
    expect(payload).toMatchObject({
      gatewayFacilityId,
      tool: { version: '1.5.0' },
      report: { reportId: released.reportId },
    });
    // Every question in the visit's scope goes with Better Work's finding; the non-compliant ones as found.
    const assessed = payload.step1.filter((e) => e.verification === 'assessedByBetterWork');
    expect(assessed.map((e) => e.questionId).sort()).toEqual(w.scope.map((q) => q.id).sort());
    expect(
      assessed
        .filter((e) => e.betterWork!.result === 'nonCompliant')
        .map((e) => e.questionId)
        .sort()
    ).toEqual([...w.bad].sort());
    expect(payload.enhanced.length).toBeGreaterThan(0);
    expect(new Set(payload.enhanced.map((e) => e.verification))).toEqual(new Set(['selfAssessed']));
    expect(new Set(payload.enhanced.map((e) => e.step))).toEqual(new Set([2, 3]));

    const actions = await auditActions(w.store);
    expect(actions.filter((a) => a === 'timeline.readyToTransmit')).toHaveLength(1);
    expect(actions.filter((a) => a === 'transmission.queued')).toHaveLength(1);
    expect(actions.filter((a) => a === 'transmission.sentToQueue')).toHaveLength(1);
  });

  it('R17: after a VCC the Step 1 answers outside its scope go marked neither assessed nor verified', async () => {
    const w = await transmissionWorld({ method: 'vcc' });
    await queueIt(w);
    const payload = JSON.parse((onlyMessage(w).body as TransmissionMessage).payload!) as {
      step1: { questionId: string; verification: string }[];
      summary: Record<string, number>;
    };
    const outside = payload.step1
      .filter((e) => e.verification === 'neitherAssessedNorVerified')
      .map((e) => e.questionId);
    const inScope = new Set(w.scope.map((q) => q.id));
    expect(outside.length).toBeGreaterThan(0);
    expect(outside.every((id) => !inScope.has(id) && w.outline.byId.has(id))).toBe(true);
    expect(payload.summary.assessedByBetterWork).toBe(w.scope.length);
  });

  it('R17: nothing is queued when sharing does not apply to the cycle, before the Gateway connection or the submission', async () => {
    for (const [options, reason] of [
      [{ sharingEffective: false }, /does not apply to this cycle/],
      [{ connected: false }, /waiting for gatewayConnected/],
      [{ submit: false }, /waiting for selfAssessmentSubmitted/],
      [{ release: false }, /waiting for reportReleased/],
    ] as const) {
      const w = await transmissionWorld(options);
      expect(await queueIt(w)).toMatchObject({ acted: false, reason: expect.stringMatching(reason) });
      expect(w.queue.messages).toEqual([]);
      expect(await w.store.read('factories', 'BD', transmissionOne)).toBeUndefined();
    }
  });

  it('R17: a large payload stays in blob storage and the message carries its name', () => {
    const record = {
      transmissionId: transmissionOne,
      countryCode: 'BD',
      factoryId: factoryOne,
      cycleId: cycleOne,
      messageId: transmissionOne,
      replays: 0,
      payload: { sha256: 'b'.repeat(64), bytes: 300_000, blobName: 'x/y/z.json', summary: {} },
    } as unknown as Parameters<typeof transmissionMessage>[0];
    const small = transmissionMessage(record, '{"a":1}').body as TransmissionMessage;
    expect(small.payload).toBe('{"a":1}');
    const large = transmissionMessage(record, `"${'x'.repeat(inlinePayloadLimitBytes)}"`).body as TransmissionMessage;
    expect(large).toMatchObject({ payloadBlob: 'x/y/z.json' });
    expect(large.payload).toBeUndefined();
  });
});

describe('R17: nothing lost between the record and the send', () => {
  it('a send that fails after the record is written is made by the re-run, and by the sweep; duplicate detection drops a second copy', async () => {
    const w = await transmissionWorld();
    w.queue.failNext = 1;
    await expect(markReadyToTransmit(w.deps, milestoneInput(w))).rejects.toThrow(/unreachable/);
    const unsent = await transmissionOf(w.store);
    expect(unsent).toMatchObject({ status: 'queued', sentToQueueAt: null });
    expect((await readFactory(w.store, factoryOne)).cycles[0]!.readyToTransmitAt).toBe(unsent.queuedAt);
    // The activity's retry finds the hand-off done and sends what did not go.
    expect(await markReadyToTransmit(w.deps, milestoneInput(w))).toMatchObject({ acted: false });
    expect(onlyMessage(w).messageId).toBe(transmissionOne);
    expect((await transmissionOf(w.store)).sentToQueueAt).not.toBeNull();

    // The sweep: a record left unsent (a crash after the batch) is sent a few minutes later.
    const v = await transmissionWorld();
    v.queue.failNext = 1;
    await expect(queueIt(v)).rejects.toThrow();
    expect(await resendUnsentTransmissions(v.deps, { olderThanMs: 120_000 })).toEqual({ found: 0, sent: 0, failed: 0 });
    v.clock.advance(121_000);
    expect(await resendUnsentTransmissions(v.deps, { olderThanMs: 120_000 })).toEqual({ found: 1, sent: 1, failed: 0 });
    expect(await resendUnsentTransmissions(v.deps, { olderThanMs: 120_000 })).toEqual({ found: 0, sent: 0, failed: 0 });
    // Had the first send gone after all (the crash came after it), the copy would have been dropped.
    await v.queue.send('gateway-transmissions', [onlyMessage(v)]);
    expect(v.queue.duplicatesDropped).toBe(1);
  });

  it('R17: a payload that fails validation is never sent; staff are told, and a replay after the fix sends it', async () => {
    const w = await transmissionWorld();
    // The assessment's findings go missing (a data problem): the payload cannot be built.
    const assessmentDoc = (await w.store.read<{ id: string; type: string; findings: Record<string, unknown> }>(
      'factories',
      'BD',
      `${cycleOne}-CA`
    ))!;
    const [first] = Object.keys(assessmentDoc.doc.findings);
    const { [first!]: dropped, ...rest } = assessmentDoc.doc.findings;
    await w.store.write('factories', 'BD', [
      { kind: 'replace', doc: { ...assessmentDoc.doc, findings: rest }, ifMatch: assessmentDoc.etag },
    ]);
    expect(await queueIt(w)).toMatchObject({ acted: true, status: 'invalid', sentToQueue: false });
    expect(w.queue.messages).toEqual([]);
    const invalid = await transmissionOf(w.store);
    expect(invalid.invalidReasons).toEqual([`question ${first} is in the assessment's scope but has no finding`]);
    expect(await staffRecipients(w)).toContain(`Not transmitted to the SLCP Gateway: Factory ${factoryOne}`);

    // Still broken: the replay is refused and writes nothing.
    const before = await w.store.read('factories', 'BD', transmissionOne);
    await expect(replayTransmission(w.deps, people.staff, factoryOne, cycleOne)).rejects.toThrow(RuleViolationError);
    expect((await w.store.read('factories', 'BD', transmissionOne))!.etag).toBe(before!.etag);
    // Fixed: the replay rebuilds, validates and sends it under the same transmission id.
    const fixed = (await w.store.read<typeof assessmentDoc.doc>('factories', 'BD', `${cycleOne}-CA`))!;
    await w.store.write('factories', 'BD', [
      {
        kind: 'replace',
        doc: { ...fixed.doc, findings: { ...fixed.doc.findings, [first!]: dropped } },
        ifMatch: fixed.etag,
      },
    ]);
    const replay = await replayTransmission(w.deps, people.staff, factoryOne, cycleOne);
    expect(replay).toMatchObject({ sentToQueue: true, transmission: { status: 'queued', replays: 1 } });
    expect(await deliver(w, onlyMessage(w))).toMatchObject({ outcome: 'accepted' });
    expect([...w.gateway.submissions.keys()]).toEqual([transmissionOne]);
  });
});

describe('R17: the sender, exactly once at the Gateway', () => {
  it("accepted with the Gateway's submission id; a redelivery of the same message calls nobody", async () => {
    const w = await transmissionWorld();
    await queueIt(w);
    const message = onlyMessage(w);
    expect(await deliver(w, message)).toMatchObject({
      outcome: 'accepted',
      submissionId: 'SUB-0000000001',
      attempts: 1,
    });
    expect(await deliver(w, message, 2)).toMatchObject({ outcome: 'skipped' });
    expect(w.gateway.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
    expect(w.gateway.calls[0]!.key).toBe(transmissionOne);
    expect(await transmissionOf(w.store)).toMatchObject({
      status: 'accepted',
      submissionId: 'SUB-0000000001',
      deliveries: 1,
      attempts: 1,
    });
    expect((await auditActions(w.store)).filter((a) => a === 'transmission.accepted')).toHaveLength(1);
  });

  it('two deliveries of one message racing (a lock lost mid-call) make one submission: the same idempotency key', async () => {
    const w = await transmissionWorld();
    await queueIt(w);
    const message = onlyMessage(w);
    const results = await Promise.all([deliver(w, message, 1), deliver(w, message, 2)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['accepted', 'accepted']);
    expect(w.gateway.submissions.size).toBe(1);
    expect(new Set(results.map((r) => (r.outcome === 'accepted' ? r.submissionId : '')))).toEqual(
      new Set(['SUB-0000000001'])
    );
    expect((await transmissionOf(w.store)).status).toBe('accepted');
  });

  it('transient failures are retried with backoff, never sooner than Retry-After; an answer lost after the Gateway recorded it is replayed, not duplicated', async () => {
    const w = await transmissionWorld();
    await queueIt(w);
    w.gateway.faults.push(
      { kind: 'status', status: 503, retryAfter: '3' },
      { kind: 'status', status: 429, retryAfter: '1' },
      { kind: 'lostAfterRecord' }
    );
    expect(await deliver(w, onlyMessage(w))).toMatchObject({ outcome: 'accepted', replayed: true, attempts: 4 });
    expect(w.sleeps[0]).toBeGreaterThanOrEqual(3000);
    expect(w.sleeps[1]).toBeGreaterThanOrEqual(1000);
    expect(w.gateway.calls.filter((c) => c.method === 'POST')).toHaveLength(4);
    expect(w.gateway.submissions.size).toBe(1);
  });

  it('a malformed answer is transient: the retry gets the first receipt', async () => {
    const w = await transmissionWorld();
    await queueIt(w);
    w.gateway.faults.push({ kind: 'malformedAfterRecord' });
    expect(await deliver(w, onlyMessage(w))).toMatchObject({ outcome: 'accepted', replayed: true, attempts: 2 });
    expect(w.gateway.submissions.size).toBe(1);
  });

  it('a transient failure that outlasts the delivery is recorded and thrown, so Service Bus delivers it again', async () => {
    const w = await transmissionWorld();
    await queueIt(w);
    w.gateway.faults.push(...Array.from({ length: 4 }, () => ({ kind: 'timeout' as const })));
    await expect(deliver(w, onlyMessage(w), 3)).rejects.toThrow(TransientTransmissionError);
    expect(await transmissionOf(w.store)).toMatchObject({
      status: 'failed',
      attempts: 4,
      failure: { deliveryCount: 3, detail: expect.stringMatching(/did not answer/) },
    });
    // The next delivery gets through.
    expect(await deliver(w, onlyMessage(w), 4)).toMatchObject({ outcome: 'accepted' });
    expect(await transmissionOf(w.store)).toMatchObject({ status: 'accepted', deliveries: 2, failure: null });
  });

  it('a final refusal is recorded with its reasons, staff are alerted, and it is never retried', async () => {
    const w = await transmissionWorld();
    await queueIt(w);
    w.gateway.faults.push({
      kind: 'status',
      status: 422,
      body: {
        type: 'about:blank',
        title: 'Unprocessable Content',
        status: 422,
        detail: 'No approved facility has Better Work as its verifier.',
        errors: [{ pointer: '/gatewayFacilityId', detail: 'not an approved facility' }],
      },
    });
    expect(await deliver(w, onlyMessage(w))).toMatchObject({ outcome: 'rejected', status: 422, attempts: 1 });
    expect(await transmissionOf(w.store)).toMatchObject({
      status: 'rejected',
      rejection: { status: 422, reasons: ['/gatewayFacilityId: not an approved facility'] },
    });
    expect(await staffRecipients(w)).toContain(`The SLCP Gateway refused the data of Factory ${factoryOne}`);
    expect(await deliver(w, onlyMessage(w), 2)).toMatchObject({ outcome: 'skipped' });
    expect(w.gateway.calls).toHaveLength(1);
  });

  it('a message that is not a transmission message is poison (it ends in the dead-letter queue)', async () => {
    const w = await transmissionWorld({ release: false });
    await expect(
      processTransmission(w.deps, { body: { hello: 'world' }, messageId: 'x', deliveryCount: 1 })
    ).rejects.toThrow(PoisonMessageError);
    await expect(processTransmission(w.deps, { body: 'not json', messageId: 'x', deliveryCount: 1 })).rejects.toThrow(
      PoisonMessageError
    );
  });
});

describe('R17: dead letters and replays', () => {
  it('dead-lettered after the maximum deliveries: recorded with why, staff alerted; a replay after the fix reaches the Gateway once', async () => {
    const w = await transmissionWorld();
    await queueIt(w);
    const message = onlyMessage(w);
    w.gateway.faults.push(...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 503 })));
    await expect(deliver(w, message, 10)).rejects.toThrow(TransientTransmissionError);
    const dead = await recordDeadLetteredTransmission(w.deps, {
      body: structuredClone(message.body),
      messageId: message.messageId,
      deliveryCount: 10,
      deadLetterReason: 'MaxDeliveryCountExceeded',
      deadLetterErrorDescription: 'Message could not be consumed after 10 delivery attempts.',
    });
    expect(dead).toEqual({ outcome: 'recorded', transmissionId: transmissionOne });
    expect(await transmissionOf(w.store)).toMatchObject({
      status: 'deadLettered',
      deadLetter: { reason: 'MaxDeliveryCountExceeded', deliveryCount: 10 },
    });
    expect(await staffRecipients(w)).toContain(`Transmission to the SLCP Gateway failed: Factory ${factoryOne}`);

    // Staff see it in their list, with why.
    const listed = await listTransmissions(w.deps, people.staff, 'BD');
    expect(listed.transmissions.map((t) => [t.transmissionId, t.status])).toEqual([[transmissionOne, 'deadLettered']]);
    await expect(listTransmissions(w.deps, people.staffVn, 'BD')).rejects.toThrow(ForbiddenError);
    await expect(listTransmissions(w.deps, people.manager, 'BD')).rejects.toThrow(ForbiddenError);
    const read = await getTransmission(w.deps, people.staff, factoryOne, cycleOne);
    expect(read.doc.history.map((h) => h.event)).toEqual(['queued', 'sentToQueue', 'failed', 'deadLettered']);
    await expect(getTransmission(w.deps, people.staffVn, factoryOne, cycleOne)).rejects.toThrow(NotFoundError);
    await expect(getTransmission(w.deps, people.manager, factoryOne, cycleOne)).rejects.toThrow(ForbiddenError);

    // A second dead letter of it changes nothing.
    expect(
      await recordDeadLetteredTransmission(w.deps, {
        body: structuredClone(message.body),
        messageId: message.messageId,
        deliveryCount: 10,
        deadLetterReason: 'MaxDeliveryCountExceeded',
        deadLetterErrorDescription: 'again',
      })
    ).toMatchObject({ outcome: 'ignored' });

    // Replay: a new message (its own id), the same idempotency key; a stale If-Match is refused.
    await expect(
      replayTransmission(w.deps, people.staff, factoryOne, cycleOne, { ifMatch: '"stale"' })
    ).rejects.toThrow();
    const replay = await replayTransmission(w.deps, people.staff, factoryOne, cycleOne, { ifMatch: read.etag });
    expect(replay.transmission).toMatchObject({
      status: 'queued',
      replays: 1,
      messageId: `${transmissionOne}.replay-1`,
    });
    expect(w.queue.messages.map((m) => m.message.messageId)).toEqual([transmissionOne, `${transmissionOne}.replay-1`]);
    await expect(replayTransmission(w.deps, people.staff, factoryOne, cycleOne)).rejects.toThrow(ConflictError);
    expect(await deliver(w, w.queue.messages[1]!.message)).toMatchObject({ outcome: 'accepted' });
    // The old message, should it come back, sends nothing.
    expect(await deliver(w, message, 11)).toMatchObject({ outcome: 'skipped' });
    expect(w.gateway.submissions.size).toBe(1);
    expect(w.gateway.calls.filter((c) => c.method === 'POST').every((c) => c.key === transmissionOne)).toBe(true);
    expect((await auditActions(w.store)).filter((a) => a.startsWith('transmission.'))).toEqual(
      expect.arrayContaining(['transmission.deadLettered', 'transmission.replayed', 'transmission.accepted'])
    );
  });

  it('a replay of what the Gateway already took after a lost answer makes no second submission', async () => {
    const w = await transmissionWorld();
    await queueIt(w);
    // Every answer lost: the Gateway has it, BW does not know; the message is dead-lettered.
    w.gateway.faults.push(
      { kind: 'lostAfterRecord' },
      ...Array.from({ length: 3 }, () => ({ kind: 'timeout' as const }))
    );
    await expect(deliver(w, onlyMessage(w), 10)).rejects.toThrow(TransientTransmissionError);
    await recordDeadLetteredTransmission(w.deps, {
      body: structuredClone(onlyMessage(w).body),
      messageId: transmissionOne,
      deliveryCount: 10,
      deadLetterReason: 'MaxDeliveryCountExceeded',
      deadLetterErrorDescription: undefined,
    });
    await replayTransmission(w.deps, people.staff, factoryOne, cycleOne);
    expect(await deliver(w, w.queue.messages[1]!.message)).toMatchObject({ outcome: 'accepted', replayed: true });
    expect(w.gateway.submissions.size).toBe(1);
  });

  it("a dead letter's own delivery (from the dead-letter queue, its count one on) records the queue's 10 deliveries", async () => {
    const w = await transmissionWorld();
    await queueIt(w);
    w.gateway.faults.push(...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 503 })));
    await expect(deliver(w, onlyMessage(w), 10)).rejects.toThrow(TransientTransmissionError);
    await recordDeadLetteredTransmission(w.deps, {
      body: structuredClone(onlyMessage(w).body),
      messageId: transmissionOne,
      deliveryCount: 11,
      deadLetterReason: 'MaxDeliveryCountExceeded',
      deadLetterErrorDescription: 'Message could not be consumed after 10 delivery attempts.',
    });
    expect(await transmissionOf(w.store)).toMatchObject({ deadLetter: { deliveryCount: 10 } });
    const alerts = (await outboxOf(w.store)).filter((o) => o.subject.startsWith('Transmission to the SLCP Gateway'));
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((o) => o.text.includes('after 10 deliveries (MaxDeliveryCountExceeded)'))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------
// R18
// ---------------------------------------------------------------------------------------------------

function signed(event: Record<string, unknown>, clock: { now(): Date }, secret = gatewaySecret) {
  const rawBody = JSON.stringify(event);
  const headers = signGatewayCallback({
    eventId: event.eventId as string,
    rawBody,
    secret,
    timestamp: Math.floor(clock.now().getTime() / 1000),
  });
  return { headers, rawBody };
}

async function accepted(w: TransmissionWorld) {
  await queueIt(w);
  await deliver(w, onlyMessage(w));
  return (await transmissionOf(w.store)).submissionId!;
}

const validatedEvent = (submissionId: string, eventId = '6f0c2a52-6d1e-4b8a-9c27-5e4d2b7a1c90') => ({
  eventId,
  occurredAt: '2030-03-14T08:00:00.000Z',
  type: 'submission.validated',
  submissionId,
  idempotencyKey: transmissionOne,
  gatewayFacilityId,
  factoryId: factoryOne,
  cycleId: cycleOne,
  assessmentStatus: 'VRF',
});

describe('R18: validation, then sharing', () => {
  it("R18: the Gateway's signed validation callback is applied once; the timeline then enables sharing and tells the factory", async () => {
    const w = await transmissionWorld();
    const submissionId = await accepted(w);
    w.clock.advance(13 * 86_400_000);
    const sharingDeps = w.deps;
    // Before the validation: nothing to enable.
    expect(await enableSharing(sharingDeps, milestoneInput(w))).toMatchObject({ acted: false });

    const callback = signed(validatedEvent(submissionId), w.clock);
    const ack = await handleSubmissionCallback(w.deps, callback);
    expect(ack).toEqual({
      eventId: '6f0c2a52-6d1e-4b8a-9c27-5e4d2b7a1c90',
      duplicate: false,
      outcome: 'applied',
      validatedCycleId: cycleOne,
    });
    expect(await handleSubmissionCallback(w.deps, callback)).toMatchObject({ duplicate: true, validatedCycleId: null });
    expect(await transmissionOf(w.store)).toMatchObject({
      status: 'validated',
      validatedAt: w.clock.now().toISOString(),
    });
    expect((await readFactory(w.store, factoryOne)).cycles[0]!.transmission!.validatedAt).toBe(
      w.clock.now().toISOString()
    );

    // The timeline (woken by the HTTP function) enables sharing at once, and tells the managers.
    expect(await enableSharing(sharingDeps, milestoneInput(w))).toMatchObject({ acted: true });
    const cycle = (await readFactory(w.store, factoryOne)).cycles[0]!;
    expect(cycle.sharingEnabledAt).toBe(w.clock.now().toISOString());
    const told = (await outboxOf(w.store)).filter((e) => e.subject === 'Sharing via the SLCP Gateway is enabled');
    expect(told.map((e) => e.to).sort()).toEqual([people.manager.email, people.manager.userId].sort());
  });

  it('R18: a callback that is not signed by the Gateway is refused and changes nothing; one about an unknown transmission is ignored', async () => {
    const w = await transmissionWorld();
    const submissionId = await accepted(w);
    const forged = signed(validatedEvent(submissionId), w.clock, 'another-secret-of-at-least-32-characters!');
    await expect(handleSubmissionCallback(w.deps, forged)).rejects.toMatchObject({ status: 401 });
    await expect(handleSubmissionCallback(w.deps, forged)).rejects.toThrow(GatewayCallbackRejectedError);
    expect((await transmissionOf(w.store)).status).toBe('accepted');
    const other = signed(
      {
        ...validatedEvent(submissionId, '7f0c2a52-6d1e-4b8a-9c27-5e4d2b7a1c91'),
        idempotencyKey: `${factoryOne}-C9-TX`,
      },
      w.clock
    );
    expect(await handleSubmissionCallback(w.deps, other)).toMatchObject({ outcome: 'ignored' });
  });

  it('R18: no callback by release + 15 days: the timeline asks the Gateway; validated there, sharing is enabled', async () => {
    const w = await transmissionWorld();
    await accepted(w);
    w.gateway.validate(transmissionOne);
    w.clock.advance(15 * 86_400_000);
    expect(await enableSharing(w.deps, milestoneInput(w))).toMatchObject({ acted: true });
    expect(w.gateway.calls.at(-1)).toMatchObject({ method: 'GET', path: `/data-submissions/${transmissionOne}` });
    expect(await transmissionOf(w.store)).toMatchObject({ status: 'validated' });
    expect((await readFactory(w.store, factoryOne)).cycles[0]).toMatchObject({
      sharingEnabledAt: w.clock.now().toISOString(),
      transmission: { validatedAt: w.clock.now().toISOString() },
    });
  });

  it('R18: still not validated at the Gateway: staff are chased once with what the Gateway says; the callback then enables sharing', async () => {
    const w = await transmissionWorld();
    const submissionId = await accepted(w);
    w.clock.advance(15 * 86_400_000);
    expect(await enableSharing(w.deps, milestoneInput(w))).toMatchObject({ acted: true });
    expect(await enableSharing(w.deps, milestoneInput(w))).toMatchObject({ acted: false });
    const chase = (await outboxOf(w.store)).filter((e) => e.subject.startsWith('No SLCP validation yet'));
    expect(chase.map((e) => e.to).sort()).toEqual(
      [people.staff.userId, people.assessor.userId, people.staff.email!].sort()
    );
    expect(chase[0]!.text).toMatch(/Gateway has submission SUB-0000000001, RECEIVED/);
    expect((await readFactory(w.store, factoryOne)).cycles[0]!.sharingEnabledAt).toBeUndefined();
    await handleSubmissionCallback(w.deps, signed(validatedEvent(submissionId), w.clock));
    expect(await enableSharing(w.deps, milestoneInput(w))).toMatchObject({ acted: true });
  });
});

// ---------------------------------------------------------------------------------------------------
// R19
// ---------------------------------------------------------------------------------------------------

describe('R19: a mid-cycle request after the assessment', () => {
  it('R19: allowed when connected with Better Work as verifier; the timeline then queues the transmission as R19 (R17 holds)', async () => {
    const w = await transmissionWorld({ sharingEffective: false });
    expect(await queueIt(w)).toMatchObject({ acted: false });
    const result = await requestMidCycleSharing(w.deps, people.manager, factoryOne, cycleOne);
    expect(result).toEqual({
      factoryId: factoryOne,
      cycleId: cycleOne,
      requestedAt: w.clock.now().toISOString(),
      changed: true,
      transmission: null, // the request queues nothing itself: the timeline it wakes does
    });
    expect(w.queue.messages).toEqual([]);
    expect((await readFactory(w.store, factoryOne)).cycles[0]).toMatchObject({
      sharingEffective: true,
      midCycleRequest: { requestedBy: people.manager.userId },
    });
    // The timeline's activity, woken by the request: the hand-off is due, and recorded as the factory's request.
    expect(await queueIt(w)).toMatchObject({ acted: true });
    expect(await transmissionOf(w.store)).toMatchObject({ trigger: 'R19', status: 'queued' });
    expect(onlyMessage(w).messageId).toBe(transmissionOne);
    // Asking again changes nothing, sends nothing more, and says where the transmission is.
    expect(await requestMidCycleSharing(w.deps, people.manager, factoryOne, cycleOne)).toMatchObject({
      changed: false,
      transmission: { transmissionId: transmissionOne, status: 'queued' },
    });
    expect(w.queue.messages).toHaveLength(1);
    expect((await auditActions(w.store)).filter((a) => a === 'slcp.midCycleRequested')).toHaveLength(1);
  });

  it('R17: a cycle shared by preference is queued as R17', async () => {
    const w = await transmissionWorld();
    expect(await queueIt(w)).toMatchObject({ acted: true });
    expect(await transmissionOf(w.store)).toMatchObject({ trigger: 'R17' });
  });

  it('R19: before the report is released the request is taken, and the transmission follows the release', async () => {
    const w = await transmissionWorld({ sharingEffective: false, release: false });
    expect(await requestMidCycleSharing(w.deps, people.manager, factoryOne, cycleOne)).toMatchObject({
      changed: true,
      transmission: null,
    });
    expect(w.queue.messages).toEqual([]);
  });

  it('R19: refused (422, nothing written) without Better Work as verifier at the Gateway, or unknown there; 404/403 for others', async () => {
    const w = await transmissionWorld({ sharingEffective: false });
    const before = await w.store.read<FactoryDocument>('factories', 'BD', factoryOne);
    w.gateway.facilities.set(gatewayFacilityId, 'AnotherVerifier');
    await expect(requestMidCycleSharing(w.deps, people.manager, factoryOne, cycleOne)).rejects.toMatchObject({
      rule: 'R19',
    });
    w.gateway.facilities.delete(gatewayFacilityId);
    await expect(requestMidCycleSharing(w.deps, people.manager, factoryOne, cycleOne)).rejects.toMatchObject({
      rule: 'R19',
    });
    expect((await w.store.read('factories', 'BD', factoryOne))!.etag).toBe(before!.etag);
    await expect(requestMidCycleSharing(w.deps, people.otherManager, factoryOne, cycleOne)).rejects.toThrow(
      NotFoundError
    );
    await expect(requestMidCycleSharing(w.deps, people.brand, factoryOne, cycleOne)).rejects.toThrow(ForbiddenError);
  });
});
