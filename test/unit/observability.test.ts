// Observability (issue 8): the structured log lines (event, correlation ids, no personal data) and the custom
// metrics, counted by the use cases where their rule fires (in-memory Metrics adapter): transmissions accepted,
// rejected and failing (R17), dead-lettered (R17), the overdue release (R16 escalation), reminders sent (R3,
// R10, R16). Each counter counts the act once: a retried activity or a redelivered message adds nothing.
import { memoryMetrics } from '../../shared/adapters/metrics/memoryMetrics';
import { memoryDocumentStore } from '../../shared/adapters/memory/memoryDocumentStore';
import { escalateReleaseDeadline, remindReleaseDeadline } from '../../shared/app/timeline/cycleMilestones';
import { schedulerActor } from '../../shared/app/timeline/contacts';
import { remindTermsExpiry } from '../../shared/app/timeline/termsWatch';
import { recordDeadLetteredTransmission } from '../../shared/app/transmission/deadLetter';
import { processTransmission, TransientTransmissionError } from '../../shared/app/transmission/process';
import { queueCycleTransmission } from '../../shared/app/transmission/queue';
import type { CycleEntry, FactoryDocument } from '../../shared/domain/factory/factory';
import { activityIds, routeIds, transmissionIds } from '../../shared/observability/correlation';
import { eventLog, formatEvent, useLogSink, type LogEvent } from '../../shared/observability/log';
import { localMetrics, processMetrics, useMetrics } from '../../shared/observability/metrics';
import { metricNames } from '../../shared/ports/metrics';
import { people, registeredFactory, seedFactory, seedPeople, TestClock } from '../support/sharingFixtures';
import {
  activatedCycleOne,
  completedAssessmentOne,
  cycleOne,
  factoryOne,
  transmissionOne,
  transmissionWorld,
} from '../support/transmissionFixtures';

jest.setTimeout(30_000);

function fakeContext() {
  const lines: { level: string; line: string }[] = [];
  return {
    lines,
    context: {
      invocationId: '11111111-2222-3333-4444-555555555555',
      functionName: 'processTransmission',
      log: (line: string) => lines.push({ level: 'information', line }),
      warn: (line: string) => lines.push({ level: 'warning', line }),
      error: (line: string) => lines.push({ level: 'error', line }),
    },
  };
}

describe('structured logs', () => {
  it('a line is the event name, then the correlation ids (factory, cycle, tx), the other fields, the invocation id last', () => {
    const { context, lines } = fakeContext();
    eventLog(context, { factoryId: 'BD-7KQ2M9XA', cycleId: 'BD-7KQ2M9XA-C1' }).info('transmission.accepted', {
      transmissionId: 'BD-7KQ2M9XA-C1-TX',
      attempts: 2,
    });
    expect(lines).toEqual([
      {
        level: 'information',
        line:
          'transmission.accepted factory=BD-7KQ2M9XA cycle=BD-7KQ2M9XA-C1 tx=BD-7KQ2M9XA-C1-TX attempts=2 ' +
          'inv=11111111-2222-3333-4444-555555555555',
      },
    ]);
  });

  it('levels map to the context (warn, error); counts are flattened; free text is quoted', () => {
    const { context, lines } = fakeContext();
    const log = eventLog(context);
    log.warn('outbox.delivered', { counts: { delivered: 1, failed: 2 } });
    log.error('http.unexpected_failure', {}, new Error('boom'));
    log.lines('transmission.step')('transmission X: not sent (accepted)');
    expect(lines[0]).toEqual({
      level: 'warning',
      line: `outbox.delivered delivered=1 failed=2 inv=${context.invocationId}`,
    });
    expect(lines[1]!.level).toBe('error');
    expect(lines[1]!.line).toMatch(/^http\.unexpected_failure error="Error: boom\\n {4}at /);
    expect(lines[2]!.line).toBe(
      `transmission.step detail="transmission X: not sent (accepted)" inv=${context.invocationId}`
    );
  });

  it('an email in any value is redacted: emails and names are never fields, and a stray one does not get through', () => {
    const { context, lines } = fakeContext();
    eventLog(context).lines(
      'outbox.delivery_problem',
      'warning'
    )('sending to Manager.One@factory-bd-1.example.com failed');
    eventLog(context).error('x', { reason: 'a@b.io' }, new Error('cannot reach x.y@z.example.org'));
    const all = lines.map((l) => l.line).join('\n');
    expect(all).not.toMatch(/@/);
    expect(all.match(/\[redacted\]/g)).toHaveLength(3);
  });

  it('an installed sink (Application Insights) takes the event, with its fields; the context does not get it twice', () => {
    const { context, lines } = fakeContext();
    const taken: LogEvent[] = [];
    useLogSink((entry) => taken.push(entry) > 0);
    try {
      eventLog(context, { factoryId: 'BD-7KQ2M9XA' }).warn('transmission.delivery_failed', { deliveryCount: 3 });
    } finally {
      useLogSink(undefined);
    }
    expect(lines).toEqual([]);
    expect(taken).toMatchObject([
      {
        level: 'warning',
        event: 'transmission.delivery_failed',
        fields: { factoryId: 'BD-7KQ2M9XA', deliveryCount: 3 },
        invocationId: context.invocationId,
        functionName: 'processTransmission',
      },
    ]);
    // A sink that declines or throws leaves the line to the context.
    useLogSink(() => {
      throw new Error('exporter down');
    });
    try {
      eventLog(context).info('still.logged');
    } finally {
      useLogSink(undefined);
    }
    expect(lines.map((l) => l.line)).toEqual([`still.logged inv=${context.invocationId}`]);
  });

  it('correlation ids come from route parameters, transmission messages and activity inputs, and only ids', () => {
    expect(routeIds({ factoryId: 'BD-7KQ2M9XA', cycleId: 'BD-7KQ2M9XA-C1', questionId: 'FP-BAS-12' })).toEqual({
      factoryId: 'BD-7KQ2M9XA',
      cycleId: 'BD-7KQ2M9XA-C1',
    });
    expect(
      transmissionIds(
        JSON.stringify({ factoryId: 'BD-7KQ2M9XA', cycleId: 'BD-7KQ2M9XA-C1', transmissionId: 'BD-7KQ2M9XA-C1-TX' })
      )
    ).toEqual({ factoryId: 'BD-7KQ2M9XA', cycleId: 'BD-7KQ2M9XA-C1', transmissionId: 'BD-7KQ2M9XA-C1-TX' });
    expect(transmissionIds('not json')).toEqual({});
    expect(activityIds({ factoryId: 'someone@example.com', cycleId: 'BD-7KQ2M9XA-C1' })).toEqual({
      cycleId: 'BD-7KQ2M9XA-C1',
    });
    expect(formatEvent('e', { factoryId: 'BD-1' })).toBe('e factory=BD-1');
  });
});

describe('the process metrics', () => {
  it('count in memory locally, move to another adapter (the OpenTelemetry meter in Azure), and never throw', () => {
    localMetrics.reset();
    processMetrics.add(metricNames.remindersSent, { country: 'BD', kind: 'releaseReminder' });
    expect(localMetrics.total(metricNames.remindersSent)).toBe(1);
    const other = memoryMetrics();
    useMetrics(other);
    try {
      processMetrics.add(metricNames.releasesOverdue, { country: 'VN' }, 2);
      useMetrics({
        add: () => {
          throw new Error('meter gone');
        },
      });
      expect(() => processMetrics.add(metricNames.releasesOverdue)).not.toThrow();
    } finally {
      useMetrics(localMetrics);
    }
    expect(other.total(metricNames.releasesOverdue, { country: 'VN' })).toBe(2);
    expect(localMetrics.total(metricNames.releasesOverdue)).toBe(0);
  });
});

describe('R17: transmission metrics, counted where the outcome is recorded', () => {
  const ref = { factoryId: factoryOne, cycleId: cycleOne };

  async function queued() {
    const w = await transmissionWorld();
    const metrics = memoryMetrics();
    const deps = { ...w.deps, metrics };
    await queueCycleTransmission(deps, ref, { actor: schedulerActor });
    const message = w.queue.messages[0]!.message;
    const delivery = (deliveryCount = 1) => ({
      body: structuredClone(message.body),
      messageId: message.messageId,
      deliveryCount,
    });
    return { w, deps, metrics, delivery };
  }

  it('accepted: counted once with the country, not again when the message is delivered again', async () => {
    const { deps, metrics, delivery } = await queued();
    expect(await processTransmission(deps, delivery(1))).toMatchObject({ outcome: 'accepted' });
    expect(await processTransmission(deps, delivery(2))).toMatchObject({ outcome: 'skipped' });
    expect(metrics.series()).toEqual([
      { name: metricNames.transmissionsAccepted, attributes: { country: 'BD' }, value: 1 },
    ]);
  });

  it('rejected for good (4xx): counted as rejected, never as accepted', async () => {
    const { w, deps, metrics, delivery } = await queued();
    w.gateway.faults.push({ kind: 'status', status: 422, body: { title: 'bad', status: 422 } });
    expect(await processTransmission(deps, delivery())).toMatchObject({ outcome: 'rejected' });
    expect(metrics.total(metricNames.transmissionsRejected, { country: 'BD' })).toBe(1);
    expect(metrics.total(metricNames.transmissionsAccepted)).toBe(0);
  });

  it('a transient failure counts a failed delivery; the dead letter counts once, however often it is delivered', async () => {
    const { w, deps, metrics, delivery } = await queued();
    w.gateway.faults.push(...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 503 })));
    await expect(processTransmission(deps, delivery(10))).rejects.toThrow(TransientTransmissionError);
    expect(metrics.total(metricNames.transmissionDeliveryFailures, { country: 'BD' })).toBe(1);
    const dead = {
      ...delivery(10),
      deadLetterReason: 'MaxDeliveryCountExceeded',
      deadLetterErrorDescription: 'Message could not be consumed after 10 delivery attempts.',
    };
    expect(await recordDeadLetteredTransmission(deps, dead)).toEqual({
      outcome: 'recorded',
      transmissionId: transmissionOne,
    });
    expect(await recordDeadLetteredTransmission(deps, dead)).toMatchObject({ outcome: 'ignored' });
    expect(metrics.total(metricNames.transmissionsDeadLettered, { country: 'BD' })).toBe(1);
    expect(metrics.total(metricNames.transmissionsAccepted)).toBe(0);
  });
});

describe('R16, R10: overdue releases and reminders, counted when the activity acts', () => {
  const assessment = completedAssessmentOne;

  async function world(now: string, cycleFields: Partial<CycleEntry> = {}, factory: Partial<FactoryDocument> = {}) {
    const store = memoryDocumentStore();
    const clock = new TestClock(new Date(now));
    await seedPeople(store, clock.now());
    await seedFactory(
      store,
      registeredFactory(factoryOne, new Date('2030-01-01T00:00:00Z'), {
        managerUserIds: [people.manager.userId],
        cycles: [activatedCycleOne(cycleFields)],
        currentCycleId: cycleOne,
        ...factory,
      })
    );
    const metrics = memoryMetrics();
    const deps = { store, clock, settings: { portalBaseUrl: 'https://portal.example.org' }, metrics };
    const input = () => ({ factoryId: factoryOne, cycleId: cycleOne, asOf: clock.now().toISOString() });
    return { deps, metrics, input, clock };
  }

  it('R16: the escalation after the release deadline counts one overdue release; its retry counts nothing', async () => {
    const { deps, metrics, input } = await world('2030-07-09T00:00:00Z', { assessment });
    expect(await escalateReleaseDeadline(deps, input())).toMatchObject({ acted: true });
    expect(await escalateReleaseDeadline(deps, input())).toMatchObject({ acted: false });
    expect(metrics.series()).toEqual([
      { name: metricNames.releasesOverdue, attributes: { country: 'BD', kind: 'releaseEscalation' }, value: 1 },
    ]);
  });

  it('R16: no overdue release before the deadline, a reminder instead (once)', async () => {
    const { deps, metrics, input } = await world('2030-07-01T00:00:05Z', { assessment });
    expect(await escalateReleaseDeadline(deps, input())).toMatchObject({ acted: false });
    expect(await remindReleaseDeadline(deps, input())).toMatchObject({ acted: true });
    expect(await remindReleaseDeadline(deps, input())).toMatchObject({ acted: false });
    expect(metrics.total(metricNames.releasesOverdue)).toBe(0);
    expect(metrics.total(metricNames.remindersSent, { kind: 'releaseReminder', country: 'BD' })).toBe(1);
  });

  it('R10: the Terms & Conditions expiry reminder counts as a reminder sent, once per signature', async () => {
    const signedAt = '2030-01-15T10:00:00.000Z';
    const { deps, metrics, clock } = await world(
      '2030-12-16T10:00:00Z',
      {},
      {
        terms: { signedAt, signedBy: people.manager.userId },
      }
    );
    const remind = () => remindTermsExpiry(deps, { factoryId: factoryOne, signedAt, asOf: clock.now().toISOString() });
    expect(await remind()).toMatchObject({ acted: true });
    expect(await remind()).toMatchObject({ acted: false });
    expect(metrics.total(metricNames.remindersSent, { kind: 'termsExpiryReminder' })).toBe(1);
  });
});
