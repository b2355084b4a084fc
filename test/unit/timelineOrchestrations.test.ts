// The timeline orchestrations through the durable-functions package's real replay: the handlers the app
// registers with `df.app.orchestration` are called as the worker calls them, with the history the Durable
// extension writes (OrchestratorStarted, ExecutionStarted, TaskScheduled, TaskCompleted, TaskFailed,
// TimerCreated, TimerFired, EventRaised, OrchestratorCompleted; replay schema V3, the Azure Storage timer
// settings), and the tests assert the actions they return: each path of R3, R16, R17, R18, R25, R9 and R10,
// continue-as-new with its small input, the losing timer cancelled, and the history an execution writes.
import {
  ActionType,
  ReplayHistory,
  flatten,
  registeredTriggers,
  runExecution,
  type Action,
  type Episode,
} from '../support/orchestrationReplay';
import '../../functions/orchestrations/cycleTimeline';
import '../../functions/orchestrations/gatewayApproval';
import '../../functions/orchestrations/termsWatch';
import { activityRetry, timelineActivities, type ActivityOutcome } from '../../shared/app/timeline/activities';
import type { LoadedCycleFacts } from '../../shared/app/timeline/cycleFacts';
import type { CycleTimelineFacts } from '../../shared/domain/timeline/cycleTimeline';
import type { GatewayApprovalFacts } from '../../shared/domain/timeline/gatewayApproval';
import type { TermsWatchFacts } from '../../shared/domain/timeline/termsWatch';
import type { CycleTimelineStatus } from '../../shared/domain/timeline/status';

const factoryId = 'BD-FACT0001';
const cycleId = 'BD-FACT0001-C1';
const dayMs = 86_400_000;
const at = (iso: string) => new Date(iso);
const plus = (date: Date, ms: number) => new Date(date.getTime() + ms);

/** A cycle of 2030 that shares via SLCP, connected and submitted; nothing recorded yet. */
function facts(overrides: Partial<CycleTimelineFacts> = {}): CycleTimelineFacts {
  return {
    factoryId,
    countryCode: 'BD',
    cycleId,
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

const found = (f: CycleTimelineFacts): LoadedCycleFacts => ({ found: true, facts: f });
const acted = (milestone: string, when: Date): ActivityOutcome => ({
  milestone,
  acted: true,
  at: when.toISOString(),
  reason: null,
});

const activityCalls = (actions: readonly Action[]) =>
  flatten(actions)
    .filter((a) => a.actionType === ActionType.CallActivityWithRetry || a.actionType === ActionType.CallActivity)
    .map((a) => a.functionName);

function timersOf(actions: readonly Action[]): Action[] {
  return flatten(actions).filter((a) => a.actionType === ActionType.CreateTimer);
}

function cycleTimeline(input: unknown = { factoryId, cycleId }) {
  return new ReplayHistory('cycleTimeline', `cycle-${cycleId}`, input);
}

/** Starts an execution at `start` and answers the facts activity (one second later). */
async function startWithFacts(history: ReplayHistory, start: Date, f: CycleTimelineFacts): Promise<Episode> {
  const first = await history.start(start);
  expect(first.newActions).toEqual([
    expect.objectContaining({
      actionType: ActionType.CallActivityWithRetry,
      functionName: timelineActivities.loadCycleTimelineFacts,
      input: { factoryId, cycleId },
    }),
  ]);
  return history.completeActivity(history.pending('activity')[0]!, found(f), plus(start, 1000));
}

it('registers the three orchestrations and an activity per step, with their trigger types', async () => {
  await import('../../functions/activities/loadCycleTimelineFacts');
  const triggers = registeredTriggers();
  expect(triggers).toMatchObject({
    cycleTimeline: 'orchestrationTrigger',
    gatewayApproval: 'orchestrationTrigger',
    termsWatch: 'orchestrationTrigger',
    loadCycleTimelineFacts: 'activityTrigger',
  });
});

describe('cycleTimeline', () => {
  it('calls its activities with retry options (three attempts, backoff) for transient failures', async () => {
    const history = cycleTimeline();
    const first = await history.start(at('2030-03-01T00:00:00Z'));
    expect(first.newActions[0]!.retryOptions).toMatchObject({
      firstRetryIntervalInMilliseconds: activityRetry.firstRetryIntervalInMilliseconds,
      maxNumberOfAttempts: 3,
      backoffCoefficient: 2,
    });
  });

  it('R3: in the reminder window it sends the preference reminder, then waits (capped) for the clock or CycleChanged', async () => {
    const history = cycleTimeline();
    const start = at('2030-10-31T00:00:00Z'); // the cycle ends on 31 December: the window opens on 31 October
    const decided = await startWithFacts(history, start, facts());
    const asOf = plus(start, 1000).toISOString();
    expect(decided.newActions).toEqual([
      expect.objectContaining({
        functionName: timelineActivities.sendPreferenceReminder,
        input: { factoryId, cycleId, asOf },
      }),
    ]);
    const waiting = await history.completeActivity(
      history.pending('activity')[0]!,
      acted('preferenceReminder', plus(start, 1500)),
      plus(start, 2000)
    );
    // Nothing else on the clock (no assessment yet): it wakes after the longest wait, 21 days.
    const [timer, wait] = waiting.newActions;
    expect(timer).toMatchObject({ actionType: ActionType.CreateTimer, isCanceled: false });
    expect(timer!.fireAt).toEqual(plus(plus(start, 1000), 21 * dayMs));
    expect(wait).toMatchObject({ actionType: ActionType.WaitForExternalEvent, externalEventName: 'CycleChanged' });
    // A timer longer than 6 days is written as 3-day pieces (Azure Storage), the first here.
    expect(waiting.scheduled.map((s) => s.fireAt)).toEqual([plus(plus(start, 2000), 3 * dayMs)]);
    expect(waiting.state.customStatus).toMatchObject({
      phase: 'waiting',
      ran: [{ milestone: 'preferenceReminder', acted: true }],
      waitingFor: ['assessmentCompleted'],
      wakeAt: plus(plus(start, 1000), 21 * dayMs).toISOString(),
    });
    expect(waiting.state.isDone).toBe(false);
  });

  it('R3: skipped when the factory already asked to share (no reminder activity at all)', async () => {
    const history = cycleTimeline();
    const start = at('2030-11-02T00:00:00Z');
    const decided = await startWithFacts(history, start, facts({ preferenceReminderBlockedBy: 'sharingRequested' }));
    expect(activityCalls(decided.newActions)).toEqual([]);
    expect(decided.newActions.map((a) => a.actionType)).toEqual([
      ActionType.CreateTimer,
      ActionType.WaitForExternalEvent,
    ]);
    expect(decided.state.customStatus).toMatchObject({ ran: [], failed: [] });
  });

  it('R3: before the window it only waits, and wakes at the window (under 21 days) by its timer', async () => {
    const history = cycleTimeline();
    const start = at('2030-10-20T00:00:00Z');
    const decided = await startWithFacts(history, start, facts());
    expect(activityCalls(decided.newActions)).toEqual([]);
    expect(timersOf(decided.newActions)[0]!.fireAt).toEqual(at('2030-10-31T00:00:00Z'));
    expect(decided.state.customStatus).toMatchObject({
      next: { milestone: 'preferenceReminder', dueAt: '2030-10-31T00:00:00.000Z' },
    });
  });

  it('R16: after the assessment it reminds staff before the deadline, then the release (CycleChanged) wins over the escalation timer, which is cancelled', async () => {
    const history = cycleTimeline({ factoryId, cycleId, execution: 4 });
    const assessed = facts({ assessmentLastDay: '2030-06-10', preferenceReminderBlockedBy: 'nextCycleRegistered' });
    const start = at('2030-07-01T00:00:00Z'); // deadline 8 July (10 June + 28 days), reminder 7 days before
    const decided = await startWithFacts(history, start, assessed);
    expect(activityCalls(decided.newActions)).toEqual([timelineActivities.remindReleaseDeadline]);
    const waiting = await history.completeActivity(
      history.pending('activity')[0]!,
      acted('releaseReminder', start),
      plus(start, 2000)
    );
    const [timer] = timersOf(waiting.newActions);
    expect(timer!.fireAt).toEqual(at('2030-07-09T00:00:00Z')); // the escalation when 8 July has passed
    expect(waiting.state.customStatus).toMatchObject({
      next: { milestone: 'releaseEscalation', dueAt: '2030-07-09T00:00:00.000Z' },
      waitingFor: ['reportReleased'],
    });

    const released = await history.raiseEvent('CycleChanged', 'reportReleased', at('2030-07-05T10:00:00Z'));
    // The replay's actions: the timer the event beat is cancelled, and the execution continues as new.
    expect(timersOf(released.state.actions[0]!)).toEqual([
      expect.objectContaining({ fireAt: timer!.fireAt, isCanceled: true }),
    ]);
    expect(released.newActions).toEqual([
      expect.objectContaining({
        actionType: ActionType.ContinueAsNew,
        input: { factoryId, cycleId, execution: 5, wokenBy: 'reportReleased' },
      }),
    ]);
    expect(released.state.isDone).toBe(true);
    expect(history.continuedWith).toEqual({ factoryId, cycleId, execution: 5, wokenBy: 'reportReleased' });

    // The next execution reads the release: R17 hand-off now, no escalation; validation is next (R18).
    const next = cycleTimeline(history.continuedWith);
    const afterRelease = await startWithFacts(next, at('2030-07-05T10:00:01Z'), {
      ...assessed,
      releasedAt: '2030-07-05T10:00:00.000Z',
      milestones: { releaseReminder: start.toISOString() },
    });
    expect(activityCalls(afterRelease.newActions)).toEqual([timelineActivities.markReadyToTransmit]);
    const handedOff = await next.completeActivity(
      next.pending('activity')[0]!,
      acted('readyToTransmit', at('2030-07-05T10:00:02Z')),
      at('2030-07-05T10:00:03Z')
    );
    expect(activityCalls(handedOff.newActions)).toEqual([]);
    expect(handedOff.state.customStatus).toMatchObject({
      // R18: the validation is awaited; without one by 15 days after the hand-off the Gateway is asked.
      next: { milestone: 'sharingEnabled', dueAt: '2030-07-20T10:00:02.000Z' },
    });
  });

  it('R16: late: when the deadline has passed without a release it escalates to staff (the reminder was sent)', async () => {
    const history = cycleTimeline();
    const start = at('2030-07-09T00:00:00Z');
    const decided = await startWithFacts(
      history,
      start,
      facts({
        assessmentLastDay: '2030-06-10',
        preferenceReminderBlockedBy: 'nextCycleRegistered',
        milestones: { releaseReminder: '2030-07-01T00:00:01.000Z' },
      })
    );
    expect(activityCalls(decided.newActions)).toEqual([timelineActivities.escalateReleaseDeadline]);
    const waiting = await history.completeActivity(
      history.pending('activity')[0]!,
      acted('releaseEscalation', start),
      plus(start, 2000)
    );
    // Still waiting for the release, which nothing on the clock replaces.
    expect(waiting.state.customStatus).toMatchObject({ next: null, waitingFor: ['reportReleased'] });
  });

  it("R18: the Gateway's validation makes the sharing activity due at once", async () => {
    const history = cycleTimeline();
    const decided = await startWithFacts(
      history,
      at('2030-07-12T10:00:00Z'),
      facts({
        assessmentLastDay: '2030-06-10',
        preferenceReminderBlockedBy: 'nextCycleRegistered',
        releasedAt: '2030-07-05T10:00:00.000Z',
        readyToTransmitAt: '2030-07-05T10:00:00.000Z',
        transmissionValidatedAt: '2030-07-12T09:00:00.000Z',
      })
    );
    expect(activityCalls(decided.newActions)).toEqual([timelineActivities.enableSharing]);
  });

  it('R18: no validation by release + 15 days: the sharing activity runs all the same (it asks the Gateway, chases staff)', async () => {
    const history = cycleTimeline();
    const released = {
      assessmentLastDay: '2030-06-10',
      preferenceReminderBlockedBy: 'nextCycleRegistered' as const,
      releasedAt: '2030-07-05T10:00:00.000Z',
      readyToTransmitAt: '2030-07-05T10:00:00.000Z',
    };
    const decided = await startWithFacts(history, at('2030-07-20T10:00:00Z'), facts(released));
    expect(activityCalls(decided.newActions)).toEqual([timelineActivities.enableSharing]);
    // Once chased, the timeline waits for the validation (the callback wakes it), not for the clock.
    const after = cycleTimeline();
    const waiting = await startWithFacts(
      after,
      at('2030-07-20T10:01:00Z'),
      facts({ ...released, milestones: { validationCheck: '2030-07-20T10:00:01.000Z' } })
    );
    expect(activityCalls(waiting.newActions)).toEqual([]);
    expect(waiting.state.customStatus).toMatchObject({ waitingFor: ['transmissionValidated'] });
  });

  it('R25: the Progress Report 1 reminder, 7 days before it is due (release + 30 days)', async () => {
    const history = cycleTimeline();
    const decided = await startWithFacts(
      history,
      at('2030-07-28T10:00:00Z'),
      facts({
        assessmentLastDay: '2030-06-10',
        preferenceReminderBlockedBy: 'nextCycleRegistered',
        releasedAt: '2030-07-05T10:00:00.000Z',
        readyToTransmitAt: '2030-07-05T10:00:00.000Z',
        sharingEnabledAt: '2030-07-20T10:00:00.000Z',
      })
    );
    expect(activityCalls(decided.newActions)).toEqual([timelineActivities.remindProgressReport]);
  });

  it('continues as new with its small input when its timer wins (the long timer fires piece by piece)', async () => {
    const history = cycleTimeline();
    const start = at('2030-03-01T00:00:00Z');
    await runExecution(history, start, { activity: () => found(facts()) });
    expect(history.continuedWith).toEqual({ factoryId, cycleId, execution: 2, wokenBy: 'timer' });
    // 21 days: pieces of 3 days while more than 6 remain, then the rest.
    const fired = history.events.filter((e) => e.EventType === 11).map((e) => e.Timestamp.toISOString());
    expect(fired).toEqual([
      '2030-03-04T00:00:01.000Z',
      '2030-03-07T00:00:01.000Z',
      '2030-03-10T00:00:01.000Z',
      '2030-03-13T00:00:01.000Z',
      '2030-03-16T00:00:01.000Z',
      '2030-03-22T00:00:01.000Z',
    ]);
    const [timer] = timersOf(history.state!.actions[0]!);
    expect(timer!.isCanceled).toBe(false);
  });

  it('completes when the cycle is over and nothing remains (no timer left behind)', async () => {
    const history = cycleTimeline({ factoryId, cycleId, execution: 30 });
    const done = await startWithFacts(
      history,
      at('2031-01-02T00:00:00Z'),
      facts({ preferenceReminderSentAt: '2030-10-31T00:00:01.000Z' }) // no assessment was recorded
    );
    expect(done.state.isDone).toBe(true);
    expect(done.newActions).toEqual([]);
    expect(done.state.output).toEqual({ factoryId, cycleId, outcome: 'finished', executions: 30 });
    expect(done.state.customStatus).toMatchObject({ phase: 'finished' });
  });

  it('a cycle that is gone ends the timeline', async () => {
    const history = cycleTimeline();
    await history.start(at('2030-03-01T00:00:00Z'));
    const gone = await history.completeActivity(
      history.pending('activity')[0]!,
      { found: false },
      at('2030-03-01T00:00:01Z')
    );
    expect(gone.state).toMatchObject({ isDone: true, output: { outcome: 'cycleNotFound' } });
  });

  it('an activity that still fails after its retries is reported in the status; the timeline tries again within the hour (no crash, no hot loop)', async () => {
    const history = cycleTimeline();
    const start = at('2030-10-31T00:00:00Z');
    await startWithFacts(history, start, facts());
    let now = plus(start, 1000);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const attemptTask = history.pending('activity')[0]!;
      expect(attemptTask.name).toBe(timelineActivities.sendPreferenceReminder);
      now = plus(now, 1000);
      const retryAt = plus(now, 5000 * 2 ** (attempt - 1));
      const failed = await history.failActivity(attemptTask, 'Cosmos DB is unavailable', now, retryAt);
      expect(failed.state.isDone).toBe(false);
      now = retryAt;
      await history.fireTimer(history.pending('timer')[0]!, { reschedule: attempt < 3 });
    }
    const state = history.state!;
    expect(state.error).toBeUndefined();
    expect(state.customStatus).toMatchObject({ failed: ['preferenceReminder'], ran: [] });
    const [timer] = timersOf(state.actions[0]!);
    // Not at once (no hot loop), not at the next due date 21 days away either: in an hour.
    expect(timer!.fireAt!.getTime()).toBeGreaterThan(now.getTime() + 30 * 60_000);
    expect(timer!.fireAt!.getTime()).toBeLessThanOrEqual(now.getTime() + 60 * 60_000);
    expect(state.customStatus).toMatchObject({ wakeAt: timer!.fireAt!.toISOString() });
  });

  it('history: an execution stays under 60 events, even with three milestones due and the longest wait', async () => {
    const busy = facts({
      assessmentLastDay: '2030-06-10',
      releasedAt: '2030-07-05T10:00:00.000Z',
      preferenceReminderBlockedBy: null,
      startsOn: '2030-01-01',
      endsOn: '2030-09-30',
    });
    const history = cycleTimeline();
    // 31 July 2030: R3 (the cycle ends on 30 September: the window opened on 30 July), R17 (released, all steps
    // done) and R25 (release + 23 days) are due at once; then R18 is 15 days ahead (a timer in 3-day pieces).
    // Each step adds 4 events (OrchestratorStarted, its completion, what it schedules, OrchestratorCompleted);
    // measured: 36 here, 32 for a quiet execution with the longest wait (6 timer pieces).
    await runExecution(history, at('2030-07-31T00:00:00Z'), {
      activity: (name, input) =>
        name === timelineActivities.loadCycleTimelineFacts
          ? found(busy)
          : acted(name, new Date((input as { asOf: string }).asOf)),
    });
    const ran = (history.state!.customStatus as CycleTimelineStatus).ran.map((r) => r.milestone);
    expect(ran).toEqual(['preferenceReminder', 'readyToTransmit', 'progressReportReminder']);
    expect(history.continuedWith).toMatchObject({ execution: 2, wokenBy: 'timer' });
    expect(history.size).toBeLessThanOrEqual(60);
    // And what a quiet execution (nothing due, the longest wait) writes:
    const quiet = cycleTimeline();
    await runExecution(quiet, at('2030-03-01T00:00:00Z'), { activity: () => found(facts()) });
    expect(quiet.size).toBeLessThanOrEqual(40);
  });
});

describe('gatewayApproval', () => {
  const handOff = 'b3f1c2d4-0000-4000-8000-00000000a002';
  const gatewayFacts = (overrides: Partial<GatewayApprovalFacts> = {}) => ({
    found: true,
    facts: { factoryId, countryCode: 'BD', status: 'registered', handOff, milestones: {}, ...overrides },
  });

  it('R9: on time: waits up to 3 days for GatewayApproved; the approval wins, the timer is cancelled, and the connected facts end it', async () => {
    const connectedAt = at('2030-03-01T08:00:00Z');
    const history = new ReplayHistory('gatewayApproval', `gateway-${factoryId}`, { factoryId });
    await history.start(connectedAt);
    const waiting = await history.completeActivity(
      history.pending('activity')[0]!,
      gatewayFacts({ status: 'registrationStarted' }),
      plus(connectedAt, 1000)
    );
    const since = plus(connectedAt, 1000);
    expect(activityCalls(waiting.newActions)).toEqual([]);
    const [timer] = timersOf(waiting.newActions);
    expect(timer!.fireAt).toEqual(plus(since, 3 * dayMs));
    expect(waiting.newActions[1]).toMatchObject({ externalEventName: 'GatewayApproved' });

    const approved = await history.raiseEvent('GatewayApproved', { factoryId }, plus(connectedAt, 2 * dayMs));
    expect(timersOf(approved.state.actions[0]!)).toEqual([
      expect.objectContaining({ fireAt: timer!.fireAt, isCanceled: true }),
    ]);
    expect(approved.newActions).toEqual([
      expect.objectContaining({
        actionType: ActionType.ContinueAsNew,
        input: { factoryId, handOff, since: since.toISOString(), execution: 2 },
      }),
    ]);

    const next = new ReplayHistory('gatewayApproval', `gateway-${factoryId}`, history.continuedWith);
    await next.start(plus(connectedAt, 2 * dayMs));
    const done = await next.completeActivity(
      next.pending('activity')[0]!,
      gatewayFacts({ status: 'connected' }),
      plus(connectedAt, 2 * dayMs + 1000)
    );
    expect(done.state).toMatchObject({ isDone: true, output: { factoryId, outcome: 'connected' } });
    expect(done.newActions).toEqual([]);
  });

  it('R9: late: after 3 days without approval it chases the factory manager and staff, then waits 3 more days', async () => {
    const since = '2030-03-01T08:00:01.000Z';
    const history = new ReplayHistory('gatewayApproval', `gateway-${factoryId}`, {
      factoryId,
      handOff,
      since,
      execution: 2,
    });
    const late = at('2030-03-04T08:00:01Z');
    await history.start(late);
    const chased = await history.completeActivity(history.pending('activity')[0]!, gatewayFacts(), plus(late, 1000));
    expect(chased.newActions).toEqual([
      expect.objectContaining({
        functionName: timelineActivities.chaseGatewayApproval,
        input: { factoryId, handOff, since, step: { kind: 'chase', number: 1 }, asOf: plus(late, 1000).toISOString() },
      }),
    ]);
    const waiting = await history.completeActivity(
      history.pending('activity')[0]!,
      acted(`gatewayApprovalChase1:${handOff}`, late),
      plus(late, 2000)
    );
    expect(timersOf(waiting.newActions)[0]!.fireAt).toEqual(at('2030-03-07T08:00:01Z'));
  });

  it('R9: after the last chase it escalates to staff and ends', async () => {
    const since = '2030-03-01T08:00:01.000Z';
    const history = new ReplayHistory('gatewayApproval', `gateway-${factoryId}`, {
      factoryId,
      handOff,
      since,
      execution: 4,
    });
    const start = at('2030-03-10T08:00:01Z');
    await history.start(start);
    const escalating = await history.completeActivity(
      history.pending('activity')[0]!,
      gatewayFacts({
        milestones: {
          [`gatewayApprovalChase1:${handOff}`]: '2030-03-04T08:00:02.000Z',
          [`gatewayApprovalChase2:${handOff}`]: '2030-03-07T08:00:02.000Z',
        },
      }),
      plus(start, 1000)
    );
    expect(escalating.newActions[0]).toMatchObject({
      input: expect.objectContaining({ step: { kind: 'escalation' } }),
    });
    const done = await history.completeActivity(
      history.pending('activity')[0]!,
      acted(`gatewayApprovalEscalation:${handOff}`, start),
      plus(start, 2000)
    );
    expect(done.state).toMatchObject({ isDone: true, output: { outcome: 'escalated' } });
  });

  it('R9: a rejected registration ends the wait without chasing', async () => {
    const history = new ReplayHistory('gatewayApproval', `gateway-${factoryId}`, { factoryId });
    await history.start(at('2030-03-02T08:00:00Z'));
    const done = await history.completeActivity(
      history.pending('activity')[0]!,
      gatewayFacts({ status: 'rejected' }),
      at('2030-03-02T08:00:01Z')
    );
    expect(done.state).toMatchObject({ isDone: true, output: { outcome: 'rejected' } });
    expect(activityCalls(done.state.actions[0]!)).toEqual([timelineActivities.loadGatewayApprovalFacts]);
  });
});

describe('termsWatch', () => {
  const signedAt = '2030-01-15T10:00:00.000Z';
  const termsFacts = (overrides: Partial<TermsWatchFacts> = {}) => ({
    found: true,
    facts: { factoryId, signedAt, milestones: {}, ...overrides },
  });

  it('R10: waits (capped at 21 days) until 30 days before the signature expires', async () => {
    const history = new ReplayHistory('termsWatch', `terms-${factoryId}`, { factoryId, signedAt });
    const start = at('2030-01-15T10:00:01Z');
    await history.start(start);
    const waiting = await history.completeActivity(history.pending('activity')[0]!, termsFacts(), plus(start, 1000));
    expect(activityCalls(waiting.newActions)).toEqual([]);
    expect(timersOf(waiting.newActions)[0]!.fireAt).toEqual(plus(plus(start, 1000), 21 * dayMs));
    expect(waiting.state.customStatus).toMatchObject({
      next: { milestone: `termsExpiryReminder:${signedAt}`, dueAt: '2030-12-16T10:00:00.000Z' },
    });
  });

  it('R10: reminds the manager 30 days before expiry, then waits for the expiry', async () => {
    const history = new ReplayHistory('termsWatch', `terms-${factoryId}`, { factoryId, signedAt, execution: 17 });
    const start = at('2030-12-16T10:00:00Z');
    await history.start(start);
    const reminding = await history.completeActivity(history.pending('activity')[0]!, termsFacts(), plus(start, 1000));
    expect(reminding.newActions).toEqual([
      expect.objectContaining({
        functionName: timelineActivities.remindTermsExpiry,
        input: { factoryId, signedAt, asOf: plus(start, 1000).toISOString() },
      }),
    ]);
    const waiting = await history.completeActivity(
      history.pending('activity')[0]!,
      acted(`termsExpiryReminder:${signedAt}`, start),
      plus(start, 2000)
    );
    expect(timersOf(waiting.newActions)[0]!.fireAt).toEqual(at('2031-01-06T10:00:01Z')); // capped; expiry 15 January
  });

  it('R10: a new signature (TermsSigned) wins over the timer, which is cancelled, and restarts the watch', async () => {
    const history = new ReplayHistory('termsWatch', `terms-${factoryId}`, { factoryId, signedAt });
    const start = at('2030-06-01T00:00:00Z');
    await history.start(start);
    const waiting = await history.completeActivity(history.pending('activity')[0]!, termsFacts(), plus(start, 1000));
    const [timer] = timersOf(waiting.newActions);
    const resigned = await history.raiseEvent(
      'TermsSigned',
      { factoryId, signedAt: '2030-06-02T09:00:00.000Z' },
      at('2030-06-02T09:00:01Z')
    );
    expect(timersOf(resigned.state.actions[0]!)).toEqual([
      expect.objectContaining({ fireAt: timer!.fireAt, isCanceled: true }),
    ]);
    expect(resigned.newActions).toEqual([expect.objectContaining({ actionType: ActionType.ContinueAsNew })]);
  });

  it('R10: at expiry it tells the manager the profile is below 100 % and ends', async () => {
    const history = new ReplayHistory('termsWatch', `terms-${factoryId}`, { factoryId, signedAt, execution: 19 });
    const start = at('2031-01-15T10:00:00Z');
    await history.start(start);
    const noticing = await history.completeActivity(
      history.pending('activity')[0]!,
      termsFacts({ milestones: { [`termsExpiryReminder:${signedAt}`]: '2030-12-16T10:00:02.000Z' } }),
      plus(start, 1000)
    );
    expect(activityCalls(noticing.newActions)).toEqual([timelineActivities.noticeTermsExpired]);
    const done = await history.completeActivity(
      history.pending('activity')[0]!,
      acted(`termsExpired:${signedAt}`, start),
      plus(start, 2000)
    );
    expect(done.state).toMatchObject({ isDone: true, output: { outcome: 'expired', signedAt } });
  });
});

describe('facts that cannot be read after the retries (the store away longer than they last)', () => {
  /** Starts `history` and fails its facts activity on every attempt; answers when it gave up. */
  async function failFactsThrice(history: ReplayHistory, activity: string): Promise<Date> {
    let now = at('2030-10-31T00:00:00Z');
    await history.start(now);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const attemptTask = history.pending('activity')[0]!;
      expect(attemptTask.name).toBe(activity);
      now = plus(now, 1000);
      const retryAt = plus(now, 5000 * 2 ** (attempt - 1));
      await history.failActivity(attemptTask, 'Cosmos DB is unavailable', now, retryAt);
      now = retryAt;
      await history.fireTimer(history.pending('timer')[0]!, { reschedule: attempt < 3 });
    }
    return now;
  }

  it.each([
    ['cycleTimeline', () => cycleTimeline(), timelineActivities.loadCycleTimelineFacts],
    [
      'gatewayApproval',
      () => new ReplayHistory('gatewayApproval', `gateway-${factoryId}`, { factoryId }),
      timelineActivities.loadGatewayApprovalFacts,
    ],
    [
      'termsWatch',
      () => new ReplayHistory('termsWatch', `terms-${factoryId}`, { factoryId }),
      timelineActivities.loadTermsWatchFacts,
    ],
  ])('%s does not fail: it looks again in an hour (no hot loop)', async (_name, create, activity) => {
    const history = create();
    const gaveUpAt = await failFactsThrice(history, activity);
    const state = history.state!;
    expect(state.isDone).toBe(false);
    expect(state.error).toBeUndefined();
    expect(state.customStatus).toMatchObject({ phase: 'waiting', failed: ['loadFacts'] });
    const [timer] = timersOf(state.actions[0]!);
    expect(timer!.fireAt!.getTime()).toBeGreaterThan(gaveUpAt.getTime() + 30 * 60_000);
    expect(timer!.fireAt!.getTime()).toBeLessThanOrEqual(gaveUpAt.getTime() + 60 * 60_000);
  });
});
