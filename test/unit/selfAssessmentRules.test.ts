// The self-assessment rules as pure functions: R11 (activation opens it), R12 (completion with conditional
// questions, answer validation per type, navigation), R13 (95 % overall and a complete Facility Profile,
// compared as exact fractions; answers frozen after submission); the compact progress bitset.
import { ConflictError, NotFoundError, RuleViolationError, ValidationError } from '../../shared/domain/errors';
import { activateCycle, registerFirstCycle } from '../../shared/domain/factory/cycles';
import { newFactoryDocument, type CycleEntry } from '../../shared/domain/factory/factory';
import { answerProblems } from '../../shared/domain/selfAssessment/answers';
import { Bitset } from '../../shared/domain/selfAssessment/bitset';
import { navigationOf, nextUnanswered } from '../../shared/domain/selfAssessment/navigation';
import {
  planOf,
  type AnswerSpec,
  type AnswerValue,
  type AssessmentPlan,
  type BankOutline,
  type OutlineQuestion,
} from '../../shared/domain/selfAssessment/plan';
import {
  checkSubmission,
  emptyProgress,
  progressOf,
  reaches,
  withAnswer,
  type ProgressState,
} from '../../shared/domain/selfAssessment/progress';
import {
  clearAnswer,
  giveAnswer,
  newSelfAssessment,
  parseSelfAssessmentId,
  selfAssessmentIdOf,
  stateOf,
  submit,
  SubmissionRefusedError,
  type SelfAssessmentDocument,
} from '../../shared/domain/selfAssessment/selfAssessment';

const now = new Date('2030-03-01T08:00:00Z');
const yesNo: AnswerSpec = { type: 'yesNo' };
const q = (id: string, extra: Partial<OutlineQuestion> = {}): OutlineQuestion => ({
  id,
  step: 1,
  answer: yesNo,
  ...extra,
});

/** A small tool: a Facility Profile (with a submission date), Working Hours with conditions, a Step 3 section. */
const outline: BankOutline = {
  version: '9.9.9',
  sections: [
    {
      code: 'FP',
      facilityProfile: true,
      subsections: [
        { key: 'BAS/Facility', questions: [q('FP-BAS-1'), q('FP-BAS-2', { answer: { type: 'text', maxLength: 10 } })] },
        {
          key: 'BAS/Assessment Submission',
          questions: [q('FP-BAS-3', { answer: { type: 'date' }, submissionDate: true })],
        },
        {
          key: 'WRK/Young Workers',
          questions: [
            q('FP-WRK-1'),
            q('FP-WRK-2', {
              answer: { type: 'number', min: 1, max: 100, integer: true },
              condition: { questionId: 'FP-WRK-1', operator: 'equals', value: true },
            }),
          ],
        },
      ],
    },
    {
      code: 'WH',
      facilityProfile: false,
      subsections: [
        {
          key: 'OVT/Overtime',
          questions: [
            q('WH-OVT-1', { answer: { type: 'number', min: 0, max: 80, integer: true } }),
            q('WH-OVT-2', { condition: { questionId: 'WH-OVT-1', operator: 'greaterThan', value: 0 } }),
            q('WH-OVT-3', {
              answer: { type: 'multipleChoice', options: [{ code: 'night' }, { code: 'holiday' }, { code: 'sunday' }] },
            }),
            q('WH-OVT-4', { condition: { questionId: 'WH-OVT-3', operator: 'includes', value: 'night' } }),
            // a chain: applies only when WH-OVT-4 applies and says yes
            q('WH-OVT-5', { condition: { questionId: 'WH-OVT-4', operator: 'equals', value: true } }),
            q('WH-OVT-6', { step: 2 }),
          ],
        },
      ],
    },
    {
      code: 'AB',
      facilityProfile: false,
      subsections: [{ key: 'BEY/Beyond', questions: [q('AB-BEY-1', { step: 3 })] }],
    },
  ],
};

const plan1 = planOf(outline, 1);

function answered(plan: AssessmentPlan, answers: Record<string, AnswerValue>): ProgressState {
  let state = emptyProgress(plan);
  for (const [id, value] of Object.entries(answers)) state = withAnswer(plan, state, plan.byId.get(id)!, value);
  return state;
}

const cycle = (activatedAt?: string): CycleEntry => ({
  cycleId: 'BD-7KQ2M9XA-C1',
  sequence: 1,
  startsOn: '2030-01-01',
  endsOn: '2030-12-31',
  registeredAt: '2029-12-01T00:00:00.000Z',
  sharingEffective: false,
  ...(activatedAt ? { activatedAt, activatedBy: 'staff' } : {}),
});

function header(plan: AssessmentPlan, state: ProgressState = emptyProgress(plan)): SelfAssessmentDocument {
  const doc = newSelfAssessment({
    cycle: cycle(now.toISOString()),
    factoryId: 'BD-7KQ2M9XA',
    step: plan.step,
    plan,
    userId: 'manager',
    now: now.toISOString(),
  });
  return { ...doc, progress: { answered: state.answered.encode(), conditionValues: [...state.conditionValues] } };
}

/** A plan of n unconditional yes/no questions; the first `fp` of them in the Facility Profile. */
function flatPlan(n: number, fp = 1): AssessmentPlan {
  const ids = Array.from({ length: n }, (_, i) => i);
  return planOf(
    {
      version: '1.0.0',
      sections: [
        {
          code: 'FP',
          facilityProfile: true,
          subsections: [{ key: 'A/A', questions: ids.slice(0, fp).map((i) => q(`FP-AAA-${i + 1}`)) }],
        },
        {
          code: 'WH',
          facilityProfile: false,
          subsections: [{ key: 'B/B', questions: ids.slice(fp).map((i) => q(`WH-BBB-${i + 1}`)) }],
        },
      ],
    },
    1
  );
}

function withFirst(plan: AssessmentPlan, count: number): ProgressState {
  let state = emptyProgress(plan);
  for (const question of plan.questions.slice(0, count)) state = withAnswer(plan, state, question, true);
  return state;
}

describe('R11: the self-assessment opens once the service cycle is activated', () => {
  const factory = registerFirstCycle(
    newFactoryDocument({
      factoryId: 'BD-7KQ2M9XA',
      name: 'F',
      address: 'A',
      osHubId: undefined,
      now: now.toISOString(),
    }),
    { startsOn: '2030-01-01', endsOn: '2030-12-31' },
    now
  );

  it('R11: staff activate a cycle once; activating it again changes nothing', () => {
    const first = activateCycle(factory, 'BD-7KQ2M9XA-C1', 'staff-1', now);
    expect(first.changed).toBe(true);
    expect(first.cycle).toMatchObject({ activatedAt: now.toISOString(), activatedBy: 'staff-1' });
    const again = activateCycle(first.factory, 'BD-7KQ2M9XA-C1', 'staff-2', new Date('2030-04-01T00:00:00Z'));
    expect(again.changed).toBe(false);
    expect(again.factory).toBe(first.factory);
    expect(again.cycle.activatedBy).toBe('staff-1');
  });

  it('R11: an unknown cycle is not found; an ended one cannot be activated', () => {
    expect(() => activateCycle(factory, 'BD-7KQ2M9XA-C9', 's', now)).toThrow(NotFoundError);
    expect(() => activateCycle(factory, 'BD-7KQ2M9XA-C1', 's', new Date('2031-01-01T00:00:00Z'))).toThrow(
      ConflictError
    );
  });

  it('R11: starting on a cycle that is not activated is refused with rule R11', () => {
    const start = () =>
      newSelfAssessment({
        cycle: cycle(),
        factoryId: 'BD-7KQ2M9XA',
        step: 1,
        plan: plan1,
        userId: 'm',
        now: now.toISOString(),
      });
    expect(start).toThrow(RuleViolationError);
    expect(start).toThrow(expect.objectContaining({ rule: 'R11' }));
  });

  it('R11: one self-assessment per cycle, its id naming the cycle and so the factory and partition', () => {
    const doc = header(plan1);
    expect(doc.selfAssessmentId).toBe('BD-7KQ2M9XA-C1-SA');
    expect(selfAssessmentIdOf('BD-7KQ2M9XA-C1')).toBe(doc.id);
    expect(parseSelfAssessmentId(doc.id)).toEqual({
      factoryId: 'BD-7KQ2M9XA',
      countryCode: 'BD',
      cycleId: 'BD-7KQ2M9XA-C1',
    });
    for (const bad of ['BD-7KQ2M9XA-C1', 'bd-7kq2m9xa-C1-SA', 'BD-7KQ2M9XA-C0-SA', 'BD-7KQ2M9XA-C1-SA-x', '../x'])
      expect(parseSelfAssessmentId(bad)).toBeUndefined();
    expect(doc).toMatchObject({ status: 'open', toolVersion: '9.9.9', step: 1, countryCode: 'BD' });
  });

  it('R11: Steps are cumulative: Step 1 leaves out Step 2 and 3 questions, Step 3 has them all', () => {
    expect(plan1.questions.map((x) => x.id)).not.toContain('WH-OVT-6');
    expect(plan1.sections.map((s) => s.code)).toEqual(['FP', 'WH']);
    expect(planOf(outline, 2).questions).toHaveLength(plan1.questions.length + 1);
    expect(planOf(outline, 3).questions.map((x) => x.id)).toContain('AB-BEY-1');
  });
});

describe('R12: completion per subsection, section and overall, with conditional questions', () => {
  it('R12: a conditional question that does not apply drops out of the denominator', () => {
    const progress = progressOf(plan1, emptyProgress(plan1));
    // FP-WRK-2, WH-OVT-2, WH-OVT-4, WH-OVT-5 are off while nothing is answered
    expect(progress.overall).toMatchObject({ answered: 0, applicable: 6, toAnswer: 6, completedPercent: 0 });
    const young = plan1.subsections.find((s) => s.key === 'WRK/Young Workers')!;
    expect(progress.subsections[young.index]).toMatchObject({ applicable: 1 });
    const on = progressOf(plan1, answered(plan1, { 'FP-WRK-1': true }));
    expect(on.subsections[young.index]).toMatchObject({ answered: 1, applicable: 2, completedPercent: 50 });
  });

  it('R12: a stored answer of a question that stops applying stops counting, and counts again when it applies', () => {
    const state = answered(plan1, { 'FP-WRK-1': true, 'FP-WRK-2': 3 });
    expect(progressOf(plan1, state).overall).toMatchObject({ answered: 2, applicable: 7 });
    const off = withAnswer(plan1, state, plan1.byId.get('FP-WRK-1')!, false);
    expect(progressOf(plan1, off).overall).toMatchObject({ answered: 1, applicable: 6 });
    expect(off.answered.has(plan1.byId.get('FP-WRK-2')!.index)).toBe(true); // kept, not counted
    const onAgain = withAnswer(plan1, off, plan1.byId.get('FP-WRK-1')!, true);
    expect(progressOf(plan1, onAgain).overall).toMatchObject({ answered: 2, applicable: 7 });
  });

  it('R12: conditions on numbers (greaterThan), multiple choices (includes) and chains of conditions', () => {
    const applies = (answers: Record<string, AnswerValue>, id: string) =>
      progressOf(plan1, answered(plan1, answers)).applies[plan1.byId.get(id)!.index];
    expect(applies({ 'WH-OVT-1': 0 }, 'WH-OVT-2')).toBe(false);
    expect(applies({ 'WH-OVT-1': 4 }, 'WH-OVT-2')).toBe(true);
    expect(applies({ 'WH-OVT-3': ['holiday'] }, 'WH-OVT-4')).toBe(false);
    expect(applies({ 'WH-OVT-3': ['holiday', 'night'] }, 'WH-OVT-4')).toBe(true);
    expect(applies({ 'WH-OVT-3': ['night'], 'WH-OVT-4': true }, 'WH-OVT-5')).toBe(true);
    // WH-OVT-4 says yes but no longer applies: its dependant does not apply either
    expect(applies({ 'WH-OVT-3': ['sunday'], 'WH-OVT-4': true }, 'WH-OVT-5')).toBe(false);
  });

  it('R12: only the answers conditions read are kept in the state, in the plan order of their questions', () => {
    expect(plan1.conditionSources.map((i) => plan1.questions[i]!.id)).toEqual([
      'FP-WRK-1',
      'WH-OVT-1',
      'WH-OVT-3',
      'WH-OVT-4',
    ]);
    const state = answered(plan1, { 'FP-BAS-1': true, 'WH-OVT-3': ['night'] });
    expect(state.conditionValues).toEqual([null, null, ['night'], null]);
  });

  it('R12: answering a question whose condition is off is refused with rule R12', () => {
    const doc = header(plan1);
    const attempt = () => giveAnswer(plan1, doc, plan1.byId.get('FP-WRK-2')!, 4, now.toISOString());
    expect(attempt).toThrow(expect.objectContaining({ rule: 'R12' }));
  });

  it('R12: a valid answer updates the progress; a wrong one is refused with its field details', () => {
    const doc = header(plan1);
    const change = giveAnswer(plan1, doc, plan1.byId.get('FP-BAS-2')!, 'Meghna', now.toISOString());
    expect(change.progress.overall).toMatchObject({ answered: 1 });
    expect(stateOf(plan1, change.header).answered.has(plan1.byId.get('FP-BAS-2')!.index)).toBe(true);
    try {
      giveAnswer(plan1, doc, plan1.byId.get('FP-BAS-2')!, 'Meghna Knit Composite', now.toISOString());
      throw new Error('not refused');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors).toEqual([
        { pointer: '/value', detail: 'must be at most 10 characters (it has 21)' },
      ]);
    }
  });

  it('R12: clearing an answer takes it out; clearing one without an answer changes nothing', () => {
    const doc = giveAnswer(plan1, header(plan1), plan1.byId.get('FP-BAS-1')!, true, now.toISOString()).header;
    const cleared = clearAnswer(plan1, doc, plan1.byId.get('FP-BAS-1')!, now.toISOString())!;
    expect(cleared.progress.overall.answered).toBe(0);
    expect(cleared.header.progress).toEqual(header(plan1).progress);
    expect(clearAnswer(plan1, cleared.header, plan1.byId.get('FP-BAS-1')!, now.toISOString())).toBeUndefined();
  });
});

describe('R12: answers are validated against their question type and bounds', () => {
  const ok = (spec: AnswerSpec, value: unknown) => expect(answerProblems(spec, value)).toEqual([]);
  const bad = (spec: AnswerSpec, value: unknown, detail: RegExp) =>
    expect(
      answerProblems(spec, value)
        .map((p) => `${p.pointer} ${p.detail}`)
        .join('; ')
    ).toMatch(detail);

  it('R12: yes/no takes true or false only', () => {
    ok(yesNo, true);
    ok(yesNo, false);
    bad(yesNo, 'yes', /\/value must be true \(yes\) or false \(no\), not a string/);
    bad(yesNo, null, /not null/);
  });

  it('R12: numbers keep their bounds and whole numbers are whole', () => {
    const spec: AnswerSpec = { type: 'number', unit: 'workers', min: 1, max: 100, integer: true };
    ok(spec, 1);
    ok(spec, 100);
    bad(spec, 0, /at least 1 workers/);
    bad(spec, 101, /at most 100 workers/);
    bad(spec, 2.5, /whole number/);
    bad(spec, '5', /must be a number, not a string/);
    bad(spec, Number.NaN, /must be a number/);
    ok({ type: 'number', min: 0, max: 100, integer: false }, 37.5);
  });

  it('R12: dates are real calendar days YYYY-MM-DD', () => {
    const spec: AnswerSpec = { type: 'date' };
    ok(spec, '2030-02-28');
    bad(spec, '2030-02-30', /must be a date/);
    bad(spec, '01/02/2030', /must be a date/);
    bad(spec, 20300101, /must be a date/);
  });

  it('R12: text has a maximum length in characters and must not be blank', () => {
    const spec: AnswerSpec = { type: 'text', maxLength: 5 };
    ok(spec, 'ঢাকা'); // 4 characters, more UTF-16 units
    ok(spec, '12345');
    bad(spec, '123456', /at most 5 characters \(it has 6\)/);
    bad(spec, '   ', /blank/);
    bad(spec, ['a'], /must be text, not a list/);
  });

  it('R12: a single choice is one option code of the list', () => {
    const spec: AnswerSpec = { type: 'singleChoice', options: [{ code: 'a' }, { code: 'b' }] };
    ok(spec, 'a');
    bad(spec, 'c', /"c" is not an option; the options are a, b/);
    bad(spec, ['a'], /one option code, not a list/);
  });

  it('R12: a multiple choice is a non-empty list of distinct option codes of the list', () => {
    const spec: AnswerSpec = { type: 'multipleChoice', options: [{ code: 'a' }, { code: 'b' }, { code: 'c' }] };
    ok(spec, ['a']);
    ok(spec, ['c', 'a']);
    bad(spec, [], /at least one option/);
    bad(spec, ['a', 'a'], /\/value\/1 "a" is named twice/);
    bad(spec, ['a', 'x', 3], /\/value\/1 "x" is not an option.*\/value\/2 must be an option code, not a number/);
    bad(spec, 'a', /must be a list of option codes/);
  });
});

describe('R12: navigation: previous, next, next unanswered, position in the subsection', () => {
  it('R12: previous and next skip the questions that do not apply', () => {
    const progress = progressOf(plan1, emptyProgress(plan1));
    const nav = navigationOf(plan1, progress, plan1.byId.get('FP-WRK-1')!);
    expect(nav).toMatchObject({ previous: 'FP-BAS-3', next: 'WH-OVT-1', position: { n: 1, of: 1 } });
    const on = progressOf(plan1, answered(plan1, { 'FP-WRK-1': true }));
    expect(navigationOf(plan1, on, plan1.byId.get('FP-WRK-1')!)).toMatchObject({
      next: 'FP-WRK-2',
      nextUnanswered: 'FP-WRK-2',
      position: { n: 1, of: 2 },
    });
    expect(navigationOf(plan1, on, plan1.byId.get('FP-BAS-1')!).previous).toBeNull();
  });

  it('R12: the next unanswered question follows the current one and wraps round; none when all are answered', () => {
    const state = answered(plan1, { 'FP-BAS-1': true, 'WH-OVT-1': 0 });
    const progress = progressOf(plan1, state);
    expect(nextUnanswered(plan1, progress)).toBe('FP-BAS-2');
    expect(nextUnanswered(plan1, progress, plan1.byId.get('WH-OVT-1')!.index)).toBe('WH-OVT-3');
    const late = answered(plan1, { 'WH-OVT-3': ['holiday'] });
    expect(nextUnanswered(plan1, progressOf(plan1, late), plan1.byId.get('WH-OVT-3')!.index)).toBe('FP-BAS-1');
    const all = answered(plan1, {
      'FP-BAS-1': true,
      'FP-BAS-2': 'x',
      'FP-BAS-3': '2030-01-01',
      'FP-WRK-1': false,
      'WH-OVT-1': 0,
      'WH-OVT-3': ['sunday'],
    });
    expect(nextUnanswered(plan1, progressOf(plan1, all))).toBeNull();
    // a question that does not apply has no position
    expect(navigationOf(plan1, progressOf(plan1, all), plan1.byId.get('FP-WRK-2')!).position).toBeNull();
  });
});

describe('R13: submission needs 95 % and a complete Facility Profile', () => {
  it('R13: the 94.9 % / 95 % boundary: 949 of 1000 is refused, 950 of 1000 is allowed', () => {
    const plan = flatPlan(1000);
    const refused = checkSubmission(plan, progressOf(plan, withFirst(plan, 949)));
    expect(refused).toMatchObject({
      allowed: false,
      overall: { answered: 949, applicable: 1000, completedPercent: 94.9 },
    });
    expect(refused.missing).toHaveLength(51);
    expect(refused.reasons.join()).toMatch(/overall completion is 94.9 % \(949 of 1000\); at least 95 % is needed/);
    expect(checkSubmission(plan, progressOf(plan, withFirst(plan, 950))).allowed).toBe(true);
  });

  it('R13: compares exact fractions, not rounded percents: 1899 of 2000 (94.95 %) is below 95 %', () => {
    expect(reaches({ answered: 1899, applicable: 2000 })).toBe(false);
    expect(reaches({ answered: 1900, applicable: 2000 })).toBe(true);
    expect(reaches({ answered: 19, applicable: 20 })).toBe(true);
    expect(reaches({ answered: 0, applicable: 0 })).toBe(true);
    const plan = flatPlan(2000);
    const check = checkSubmission(plan, progressOf(plan, withFirst(plan, 1899)));
    expect(check.allowed).toBe(false);
    expect(check.overall.completedPercent).toBe(94.9); // shown rounded down, never as 95
  });

  it('R13: the Facility Profile must be 100 % even when overall completion is 99 %', () => {
    const plan = flatPlan(100, 5);
    let state = emptyProgress(plan);
    for (const question of plan.questions.slice(1)) state = withAnswer(plan, state, question, true);
    const check = checkSubmission(plan, progressOf(plan, state));
    expect(check).toMatchObject({
      allowed: false,
      overall: { answered: 99, applicable: 100 },
      facilityProfile: { answered: 4, applicable: 5, completedPercent: 80 },
      missingFacilityProfile: ['FP-AAA-1'],
      missing: ['FP-AAA-1'],
    });
    expect(check.reasons).toEqual(['the Facility Profile section is 80 % complete (4 of 5); it must be 100 %']);
  });

  it('R13: submission fills the submission date from the clock, records who and when, and freezes the answers', () => {
    const state = answered(plan1, {
      'FP-BAS-1': true,
      'FP-BAS-2': 'x',
      'FP-WRK-1': false,
      'WH-OVT-1': 0,
      'WH-OVT-3': ['sunday'],
    });
    // 5 of 6 answered (83 %) before; the submission date makes it 6 of 6
    const submission = submit(plan1, header(plan1, state), 'manager', now);
    expect(submission.submissionDate).toMatchObject({ value: '2030-03-01', question: { id: 'FP-BAS-3' } });
    expect(submission.header).toMatchObject({
      status: 'submitted',
      submittedAt: now.toISOString(),
      submittedBy: 'manager',
    });
    expect(submission.check.overall).toMatchObject({ answered: 6, applicable: 6 });
    const frozen = submission.header;
    expect(() => giveAnswer(plan1, frozen, plan1.byId.get('FP-BAS-1')!, false, now.toISOString())).toThrow(
      ConflictError
    );
    expect(() => clearAnswer(plan1, frozen, plan1.byId.get('FP-BAS-1')!, now.toISOString())).toThrow(ConflictError);
    expect(() => submit(plan1, frozen, 'manager', now)).toThrow(ConflictError);
  });

  it('R13: a refused submission says the numbers and what is missing (422, rule R13)', () => {
    const state = answered(plan1, { 'FP-BAS-1': true, 'WH-OVT-1': 0, 'WH-OVT-3': ['sunday'] });
    try {
      submit(plan1, header(plan1, state), 'manager', now);
      throw new Error('not refused');
    } catch (error) {
      expect(error).toBeInstanceOf(SubmissionRefusedError);
      const refused = error as SubmissionRefusedError;
      expect(refused.rule).toBe('R13');
      expect(refused.check.missing).toEqual(['FP-BAS-2', 'FP-WRK-1']);
      expect(refused.check.facilityProfile).toMatchObject({ answered: 2, applicable: 4 });
    }
  });
});

describe('the compact progress state', () => {
  it('the answered questions of a Step 3 tool of 450 questions fit in 76 characters', () => {
    let bits = Bitset.empty(450);
    for (const i of [0, 7, 8, 449]) bits = bits.with(i, true);
    expect(bits.encode()).toHaveLength(76);
    expect(Bitset.decode(bits.encode(), 450).indices()).toEqual([0, 7, 8, 449]);
    expect(bits.count()).toBe(4);
  });

  it('a stored bitset of the wrong size or with bits beyond its questions is refused', () => {
    const bits = Bitset.empty(10).with(9, true).encode();
    expect(() => Bitset.decode(bits, 20)).toThrow(/bytes/);
    expect(() => Bitset.decode(bits, 9)).toThrow(/beyond/);
    expect(() => Bitset.decode('**', 10)).toThrow(/base64url/);
    expect(() => Bitset.empty(3).with(3, true)).toThrow(RangeError);
  });
});
