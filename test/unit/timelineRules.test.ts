// The timeline's rules, pure: which milestone of a cycle is done, due, scheduled, awaited, missed or not
// applicable at a given time (R3, R16, R17, R18, R25), when the timeline is over and when it looks again;
// the Gateway approval wait (R9) and the Terms & Conditions watch (R10).
import { ruleDurations } from '../../shared/domain/durations';
import {
  cycleTimelineFacts,
  decideCycleTimeline,
  milestoneStates,
  needsSelfAssessmentFact,
  progressReportDueAt,
  progressReportReminderAt,
  releaseDeadlineDay,
  releaseEscalationAt,
  releaseReminderAt,
  validationAt,
  validationCheckMarker,
  type CycleTimelineFacts,
} from '../../shared/domain/timeline/cycleTimeline';
import {
  decideGatewayApproval,
  gatewayApprovalChases,
  gatewayApprovalSchedule,
  gatewayApprovalStepDue,
  gatewayApprovalStepKey,
  type GatewayApprovalFacts,
} from '../../shared/domain/timeline/gatewayApproval';
import {
  decideTermsWatch,
  termsExpiresAt,
  termsReminderAt,
  termsStepKey,
} from '../../shared/domain/timeline/termsWatch';
import { latestWake, longestDurableWait, wakeAt } from '../../shared/domain/timeline/waits';
import { registeredFactory } from '../support/sharingFixtures';

const at = (iso: string) => new Date(iso);
const iso = (text: string) => new Date(text).toISOString();

function facts(overrides: Partial<CycleTimelineFacts> = {}): CycleTimelineFacts {
  return {
    factoryId: 'BD-FACT0001',
    countryCode: 'BD',
    cycleId: 'BD-FACT0001-C1',
    startsOn: '2030-01-01',
    endsOn: '2030-12-31',
    activatedAt: '2030-01-05T09:00:00.000Z',
    sharingEffective: true,
    preferenceReminderSentAt: null,
    preferenceReminderBlockedBy: null,
    assessmentLastDay: null,
    releasedAt: null,
    readyToTransmitAt: null,
    transmissionValidatedAt: null,
    sharingEnabledAt: null,
    milestones: {},
    gatewayConnected: true,
    selfAssessmentSubmitted: true,
    ...overrides,
  };
}

const assessed = (overrides: Partial<CycleTimelineFacts> = {}) =>
  facts({ assessmentLastDay: '2030-06-10', preferenceReminderBlockedBy: 'nextCycleRegistered', ...overrides });
const released = (overrides: Partial<CycleTimelineFacts> = {}) =>
  assessed({ releasedAt: '2030-07-05T10:00:00.000Z', ...overrides });

describe('R3 on the timeline', () => {
  it('R3: scheduled for the window, due in it, missed once the cycle has ended unsent', () => {
    expect(milestoneStates(facts(), at('2030-10-30T23:59:59Z')).preferenceReminder).toEqual({
      state: 'scheduled',
      dueAt: iso('2030-10-31T00:00:00Z'),
    });
    expect(milestoneStates(facts(), at('2030-10-31T00:00:00Z')).preferenceReminder.state).toBe('due');
    expect(milestoneStates(facts(), at('2030-12-31T23:59:59Z')).preferenceReminder.state).toBe('due');
    expect(milestoneStates(facts(), at('2031-01-01T00:00:00Z')).preferenceReminder).toMatchObject({ state: 'missed' });
  });

  it('R3: not before the cycle starts (a cycle shorter than two months is reminded on its first day)', () => {
    const short = facts({ startsOn: '2030-03-10', endsOn: '2030-04-20' });
    expect(milestoneStates(short, at('2030-03-01T00:00:00Z')).preferenceReminder).toEqual({
      state: 'scheduled',
      dueAt: iso('2030-03-10T00:00:00Z'),
    });
  });

  it('R3: not applicable when the factory already asked to share (R2), whatever the date', () => {
    const asked = facts({ preferenceReminderBlockedBy: 'sharingRequested' });
    expect(milestoneStates(asked, at('2030-11-01T00:00:00Z')).preferenceReminder).toEqual({
      state: 'notApplicable',
      reason: expect.stringMatching(/already asked to share/),
    });
  });

  it('R3: done once sent', () => {
    expect(
      milestoneStates(facts({ preferenceReminderSentAt: '2030-10-31T00:00:01.000Z' }), at('2030-11-01T00:00:00Z'))
        .preferenceReminder
    ).toEqual({ state: 'done', at: '2030-10-31T00:00:01.000Z' });
  });
});

describe('R16: the release deadline', () => {
  it('R16: the release deadline is 28 days after the assessment (its last day)', () => {
    expect(ruleDurations.releaseDeadline).toBe('P28D');
    expect(releaseDeadlineDay('2030-06-10')).toBe('2030-07-08');
    expect(releaseDeadlineDay('2030-02-15')).toBe('2030-03-15');
  });

  it('R16: staff are reminded 7 days before the deadline day, and it has passed at the start of the day after', () => {
    expect(releaseReminderAt('2030-06-10')).toEqual(at('2030-07-01T00:00:00Z'));
    expect(releaseEscalationAt('2030-06-10')).toEqual(at('2030-07-09T00:00:00Z'));
  });

  it('R16: before the assessment the release milestones wait for it', () => {
    const states = milestoneStates(facts(), at('2030-06-01T00:00:00Z'));
    expect(states.releaseReminder).toEqual({ state: 'waiting', for: 'assessmentCompleted' });
    expect(decideCycleTimeline(facts(), at('2030-06-01T00:00:00Z')).waitingFor).toContain('assessmentCompleted');
  });

  it('R16: reminder scheduled, then due; escalation scheduled for when the deadline has passed', () => {
    const before = milestoneStates(assessed(), at('2030-06-30T23:59:59Z'));
    expect(before.releaseReminder).toEqual({ state: 'scheduled', dueAt: iso('2030-07-01T00:00:00Z') });
    expect(before.releaseEscalation).toEqual({ state: 'scheduled', dueAt: iso('2030-07-09T00:00:00Z') });
    const reminding = decideCycleTimeline(assessed(), at('2030-07-01T00:00:00Z'));
    expect(reminding.due).toEqual(['releaseReminder']);
    expect(reminding.next).toEqual({ milestone: 'releaseEscalation', dueAt: iso('2030-07-09T00:00:00Z') });
    expect(reminding.waitingFor).toEqual(['reportReleased']);
  });

  it('R16: released on the deadline day: on time, no escalation', () => {
    const onTime = assessed({ releasedAt: '2030-07-08T23:00:00.000Z', milestones: { releaseReminder: 'x' } });
    expect(milestoneStates(onTime, at('2030-07-09T00:00:00Z')).releaseEscalation).toEqual({
      state: 'notApplicable',
      reason: 'the report was released',
    });
  });

  it('R16: late: the escalation is due once the deadline has passed; a reminder not sent by then is not sent late', () => {
    const late = decideCycleTimeline(assessed(), at('2030-07-09T00:00:00Z'));
    expect(late.due).toEqual(['releaseEscalation']);
    expect(late.states.releaseReminder).toMatchObject({ state: 'missed' });
  });

  it('R16: an assessment without a released report keeps the timeline open after the cycle ends', () => {
    const decision = decideCycleTimeline(
      assessed({ milestones: { releaseReminder: 'x', releaseEscalation: 'y' } }),
      at('2031-02-01T00:00:00Z')
    );
    expect(decision.finished).toBe(false);
    expect(decision.waitingFor).toEqual(['reportReleased']);
  });
});

describe('R17: the hand-off to the transmission', () => {
  it('R17: due at the release when sharing applies, the Gateway is connected and the self-assessment submitted', () => {
    expect(milestoneStates(released(), at('2030-07-05T10:00:00Z')).readyToTransmit).toEqual({
      state: 'due',
      dueAt: '2030-07-05T10:00:00.000Z',
    });
  });

  it('R17: waits for the Gateway connection or the submission during the cycle; not applicable after it', () => {
    const now = at('2030-07-06T00:00:00Z');
    expect(milestoneStates(released({ gatewayConnected: false }), now).readyToTransmit).toEqual({
      state: 'waiting',
      for: 'gatewayConnected',
    });
    expect(milestoneStates(released({ selfAssessmentSubmitted: false }), now).readyToTransmit).toEqual({
      state: 'waiting',
      for: 'selfAssessmentSubmitted',
    });
    expect(
      milestoneStates(released({ gatewayConnected: false }), at('2031-01-01T00:00:00Z')).readyToTransmit
    ).toMatchObject({
      state: 'notApplicable',
    });
  });

  it('R17, R23: not applicable when sharing via SLCP does not apply to the cycle; nor then R18', () => {
    const states = milestoneStates(released({ sharingEffective: false }), at('2030-07-06T00:00:00Z'));
    expect(states.readyToTransmit).toMatchObject({ state: 'notApplicable', reason: expect.stringMatching(/R23/) });
    expect(states.sharingEnabled).toMatchObject({ state: 'notApplicable' });
  });

  it('R17: the self-assessment is read only when it can matter', () => {
    const cycle = {
      cycleId: 'BD-FACT0001-C1',
      sequence: 1,
      startsOn: '2030-01-01',
      endsOn: '2030-12-31',
      registeredAt: '2029-12-01T00:00:00.000Z',
      sharingEffective: true,
    };
    const factory = registeredFactory('BD-FACT0001', at('2030-01-01T00:00:00Z'), {
      cycles: [cycle],
      gateway: { ...registeredFactory('BD-FACT0001', at('2030-01-01T00:00:00Z')).gateway, status: 'connected' },
    });
    const releasedCycle = {
      ...cycle,
      report: { reportId: 'r', releasedAt: '2030-07-05T10:00:00.000Z', releasedBy: 'a' },
    };
    expect(needsSelfAssessmentFact(factory, cycle)).toBe(false);
    expect(needsSelfAssessmentFact(factory, releasedCycle)).toBe(true);
    expect(needsSelfAssessmentFact(factory, { ...releasedCycle, readyToTransmitAt: 'x' })).toBe(false);
    expect(cycleTimelineFacts(factory, 'BD-FACT0001-C9', { selfAssessmentSubmitted: true, slcpLaunched: true })).toBe(
      undefined
    );
  });
});

describe('R18: validation', () => {
  it('R18: sharing is enabled once SLCP validated the data (the Gateway calls back), not before', () => {
    const f = released({ readyToTransmitAt: '2030-07-05T10:00:00.000Z' });
    expect(milestoneStates(f, at('2030-07-10T00:00:00Z')).sharingEnabled).toEqual({
      state: 'scheduled',
      dueAt: iso('2030-07-20T10:00:00Z'),
    });
    const validated = { ...f, transmissionValidatedAt: '2030-07-12T08:00:00.000Z' };
    expect(milestoneStates(validated, at('2030-07-12T08:00:01Z')).sharingEnabled).toEqual({
      state: 'due',
      dueAt: '2030-07-12T08:00:00.000Z',
    });
    expect(decideCycleTimeline(validated, at('2030-07-12T08:00:01Z')).due).toEqual(['sharingEnabled']);
  });

  it('R18: no validation 15 days after the release: due all the same (its activity asks the Gateway and chases staff)', () => {
    expect(ruleDurations.validationDelay).toBe('P15D');
    expect(validationAt('2030-07-05T10:00:00.000Z', '2030-07-05T10:00:00.000Z')).toEqual(at('2030-07-20T10:00:00Z'));
    const f = released({ readyToTransmitAt: '2030-07-05T10:00:00.000Z' });
    expect(milestoneStates(f, at('2030-07-20T09:59:59Z')).sharingEnabled.state).toBe('scheduled');
    expect(milestoneStates(f, at('2030-07-20T10:00:00Z')).sharingEnabled.state).toBe('due');
  });

  it('R18: once chased, the timeline waits for the validation; after the cycle it no longer waits', () => {
    const chased = released({
      readyToTransmitAt: '2030-07-05T10:00:00.000Z',
      milestones: { [validationCheckMarker]: '2030-07-20T10:00:00.000Z' },
    });
    const decision = decideCycleTimeline(chased, at('2030-07-21T00:00:00Z'));
    expect(decision.states.sharingEnabled).toEqual({ state: 'waiting', for: 'transmissionValidated' });
    expect(decision.waitingFor).toEqual(['transmissionValidated']);
    expect(decideCycleTimeline(chased, at('2031-01-01T00:00:00Z')).states.sharingEnabled).toMatchObject({
      state: 'notApplicable',
    });
    // A late validation still enables sharing (the reconciliation wakes the timeline for it).
    expect(
      milestoneStates({ ...chased, transmissionValidatedAt: '2031-01-03T00:00:00.000Z' }, at('2031-01-04T00:00:00Z'))
        .sharingEnabled.state
    ).toBe('due');
  });

  it('R18: a hand-off later than the release (the Gateway connected later) counts from the hand-off', () => {
    expect(validationAt('2030-07-05T10:00:00.000Z', '2030-08-01T00:00:00.000Z')).toEqual(at('2030-08-16T00:00:00Z'));
  });

  it('R18: when the hand-off is due now, the validation is expected 15 days from now ', () => {
    const decision = decideCycleTimeline(released(), at('2030-07-06T00:00:00Z'));
    expect(decision.due).toEqual(['readyToTransmit']);
    expect(decision.states.sharingEnabled).toEqual({ state: 'scheduled', dueAt: iso('2030-07-21T00:00:00Z') });
  });
});

describe('R25: Progress Report 1', () => {
  it('R25: Progress Report 1 is due 30 days after the release; the reminder goes 7 days before', () => {
    expect(progressReportDueAt('2030-07-05T10:00:00.000Z')).toEqual(at('2030-08-04T10:00:00Z'));
    expect(progressReportReminderAt('2030-07-05T10:00:00.000Z')).toEqual(at('2030-07-28T10:00:00Z'));
    const f = released();
    expect(milestoneStates(f, at('2030-07-28T10:00:00Z')).progressReportReminder.state).toBe('due');
    expect(milestoneStates(f, at('2030-08-04T10:00:00Z')).progressReportReminder.state).toBe('missed');
    expect(milestoneStates(assessed(), at('2030-07-28T10:00:00Z')).progressReportReminder).toEqual({
      state: 'waiting',
      for: 'reportReleased',
    });
  });
});

describe('the timeline as a whole', () => {
  it('it is over when the cycle has ended and nothing is scheduled or awaited', () => {
    const quiet = facts({ preferenceReminderSentAt: '2030-10-31T00:00:00.000Z' });
    expect(decideCycleTimeline(quiet, at('2030-12-31T23:59:59Z')).finished).toBe(false);
    expect(decideCycleTimeline(quiet, at('2031-01-01T00:00:00Z')).finished).toBe(true);
    const all = released({
      readyToTransmitAt: '2030-07-05T10:00:00.000Z',
      sharingEnabledAt: '2030-07-20T10:00:00.000Z',
      milestones: { releaseReminder: 'x', progressReportReminder: 'y' },
    });
    expect(decideCycleTimeline(all, at('2031-01-01T00:00:00Z')).finished).toBe(true);
    // Due now: over once acted on. Handed off late (the Gateway connected on 25 December): validation ahead.
    const due = decideCycleTimeline({ ...all, sharingEnabledAt: null }, at('2031-01-01T00:00:00Z'));
    expect([due.due, due.finished]).toEqual([['sharingEnabled'], true]);
    const ahead = { ...all, sharingEnabledAt: null, readyToTransmitAt: '2030-12-25T00:00:00.000Z' };
    expect(decideCycleTimeline(ahead, at('2031-01-01T00:00:00Z'))).toMatchObject({
      finished: false,
      next: { milestone: 'sharingEnabled', dueAt: iso('2031-01-09T00:00:00Z') },
    });
  });

  it('it looks again at the next milestone, the cycle end, or after the longest wait, whichever comes first', () => {
    expect(longestDurableWait).toBe('P21D');
    expect(decideCycleTimeline(facts(), at('2030-10-20T00:00:00Z')).wakeAt).toBe(iso('2030-10-31T00:00:00Z'));
    expect(decideCycleTimeline(facts(), at('2030-03-01T00:00:00Z')).wakeAt).toBe(iso('2030-03-22T00:00:00Z'));
    const asked = facts({ preferenceReminderBlockedBy: 'sharingRequested' });
    expect(decideCycleTimeline(asked, at('2030-12-20T00:00:00Z')).wakeAt).toBe(iso('2031-01-01T00:00:00Z'));
  });

  it('waits: never later than 21 days nor earlier than now', () => {
    const now = at('2030-03-01T00:00:00Z');
    expect(latestWake(now)).toEqual(at('2030-03-22T00:00:00Z'));
    expect(wakeAt(now, [null, undefined])).toEqual(at('2030-03-22T00:00:00Z'));
    expect(wakeAt(now, ['2030-03-05T00:00:00Z', at('2030-03-04T00:00:00Z')])).toEqual(at('2030-03-04T00:00:00Z'));
    expect(wakeAt(now, ['2030-02-01T00:00:00Z'])).toEqual(now);
  });
});

describe('R9: the Gateway approval wait', () => {
  const handOff = 'jti-1';
  const since = '2030-03-01T08:00:00.000Z';
  const wait = { handOff, since };
  const gw = (overrides: Partial<GatewayApprovalFacts> = {}): GatewayApprovalFacts => ({
    factoryId: 'BD-FACT0001',
    countryCode: 'BD',
    status: 'registered',
    handOff,
    milestones: {},
    ...overrides,
  });

  it('R9: approval is expected within 3 days; each further 3 days a chase, then the escalation', () => {
    expect(ruleDurations.gatewayApprovalWait).toBe('P3D');
    expect(gatewayApprovalChases).toBe(2);
    expect(gatewayApprovalSchedule(new Date(since))).toEqual([
      { step: { kind: 'chase', number: 1 }, dueAt: iso('2030-03-04T08:00:00Z') },
      { step: { kind: 'chase', number: 2 }, dueAt: iso('2030-03-07T08:00:00Z') },
      { step: { kind: 'escalation' }, dueAt: iso('2030-03-10T08:00:00Z') },
    ]);
  });

  it('R9: within 3 days it waits; then the first chase is due', () => {
    const waiting = decideGatewayApproval(gw(), wait, at('2030-03-03T08:00:00Z'));
    expect(waiting).toMatchObject({
      outcome: 'waiting',
      due: [],
      finished: false,
      wakeAt: iso('2030-03-04T08:00:00Z'),
    });
    const late = decideGatewayApproval(gw(), wait, at('2030-03-04T08:00:00Z'));
    expect(late.due).toEqual([{ kind: 'chase', number: 1 }]);
    expect(gatewayApprovalStepDue(gw(), wait, { kind: 'chase', number: 1 }, at('2030-03-04T08:00:00Z'))).toBe(true);
    expect(gatewayApprovalStepDue(gw(), wait, { kind: 'chase', number: 1 }, at('2030-03-04T07:59:59Z'))).toBe(false);
  });

  it('R9: a chase is sent once; a chase missed while nothing ran is not sent late next to a later one', () => {
    const chased = gw({ milestones: { [gatewayApprovalStepKey({ kind: 'chase', number: 1 }, handOff)]: 'x' } });
    expect(decideGatewayApproval(chased, wait, at('2030-03-05T00:00:00Z')).due).toEqual([]);
    expect(decideGatewayApproval(gw(), wait, at('2030-03-08T00:00:00Z')).due).toEqual([{ kind: 'chase', number: 2 }]);
    const afterSecond = gw({ milestones: { [gatewayApprovalStepKey({ kind: 'chase', number: 2 }, handOff)]: 'x' } });
    expect(decideGatewayApproval(afterSecond, wait, at('2030-03-08T00:00:00Z')).due).toEqual([]);
  });

  it('R9: after the chases the escalation, and the wait is over', () => {
    const decision = decideGatewayApproval(gw(), wait, at('2030-03-10T08:00:00Z'));
    expect(decision).toMatchObject({ outcome: 'escalated', due: [{ kind: 'escalation' }], finished: true });
  });

  it('R9: connected, rejected, or another hand-off end this wait', () => {
    const now = at('2030-03-05T00:00:00Z');
    expect(decideGatewayApproval(gw({ status: 'connected' }), wait, now)).toMatchObject({
      outcome: 'connected',
      finished: true,
    });
    expect(decideGatewayApproval(gw({ status: 'rejected' }), wait, now)).toMatchObject({
      outcome: 'rejected',
      finished: true,
    });
    expect(decideGatewayApproval(gw({ handOff: 'jti-2' }), wait, now)).toMatchObject({ outcome: 'noRegistration' });
  });
});

describe('R10: the Terms & Conditions watch', () => {
  const signedAt = '2030-01-15T10:00:00.000Z';
  const terms = (milestones: Record<string, string> = {}) => ({ factoryId: 'BD-FACT0001', signedAt, milestones });

  it('R10: a signature lasts one year; the reminder goes 30 days before (29 February included)', () => {
    expect(termsExpiresAt(signedAt)).toEqual(at('2031-01-15T10:00:00Z'));
    expect(termsReminderAt(signedAt)).toEqual(at('2030-12-16T10:00:00Z'));
    expect(termsExpiresAt('2028-02-29T12:00:00.000Z')).toEqual(at('2029-02-28T12:00:00Z'));
  });

  it('R10: reminder due 30 days before expiry, then the expiry notice, then over', () => {
    expect(decideTermsWatch(terms(), at('2030-12-16T09:59:59Z'))).toMatchObject({
      due: [],
      next: { step: 'expiryReminder' },
    });
    expect(decideTermsWatch(terms(), at('2030-12-16T10:00:00Z')).due).toEqual(['expiryReminder']);
    const reminded = terms({ [termsStepKey('expiryReminder', signedAt)]: 'x' });
    expect(decideTermsWatch(reminded, at('2030-12-20T00:00:00Z'))).toMatchObject({
      due: [],
      next: { step: 'expired', dueAt: iso('2031-01-15T10:00:00Z') },
      finished: false,
    });
    expect(decideTermsWatch(reminded, at('2031-01-15T10:00:00Z'))).toMatchObject({ due: ['expired'], finished: true });
  });

  it('R10: a reminder not sent before the expiry is not sent late', () => {
    expect(decideTermsWatch(terms(), at('2031-02-01T00:00:00Z')).due).toEqual(['expired']);
  });

  it('R10: no signature, nothing to watch', () => {
    expect(
      decideTermsWatch({ factoryId: 'BD-FACT0001', signedAt: null, milestones: {} }, at('2031-01-01T00:00:00Z'))
    ).toMatchObject({
      due: [],
      finished: true,
    });
  });
});
