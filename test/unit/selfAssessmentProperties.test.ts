// R12, R13 completion arithmetic as properties (fast-check): on generated tools with conditional questions
// (chains included) and random answer sets, the computed completion equals a brute-force count; answering a
// question then clearing it returns to the previous progress; the progress bitset round-trips.
import fc from 'fast-check';
import { Bitset } from '../../shared/domain/selfAssessment/bitset';
import {
  planOf,
  type AnswerSpec,
  type AnswerValue,
  type BankOutline,
  type Condition,
  type OutlineQuestion,
  type Step,
} from '../../shared/domain/selfAssessment/plan';
import {
  checkSubmission,
  decodeProgress,
  emptyProgress,
  encodeProgress,
  progressOf,
  withAnswer,
  type ProgressState,
} from '../../shared/domain/selfAssessment/progress';

const options = [{ code: 'a' }, { code: 'b' }, { code: 'c' }];
const specs: AnswerSpec[] = [
  { type: 'yesNo' },
  { type: 'number', min: 0, max: 5, integer: true },
  { type: 'singleChoice', options },
  { type: 'multipleChoice', options },
  { type: 'text', maxLength: 20 },
];

/** A value of the spec, from a random seed. */
function valueOf(spec: AnswerSpec, seed: number): AnswerValue {
  switch (spec.type) {
    case 'yesNo':
      return seed % 2 === 0;
    case 'number':
      return seed % 6;
    case 'singleChoice':
      return options[seed % 3]!.code;
    case 'multipleChoice':
      return options
        .filter((_, i) => (seed >> i) & 1)
        .map((o) => o.code)
        .concat((seed & 7) === 0 ? ['a'] : []);
    case 'date':
      return '2030-01-01';
    case 'text':
      return `t${seed}`;
  }
}

function conditionOn(source: OutlineQuestion, seed: number): Condition {
  switch (source.answer.type) {
    case 'yesNo':
      return { questionId: source.id, operator: 'equals', value: seed % 2 === 0 };
    case 'number':
      return { questionId: source.id, operator: 'greaterThan', value: seed % 4 };
    case 'singleChoice':
      return { questionId: source.id, operator: 'equals', value: options[seed % 3]!.code };
    default:
      return { questionId: source.id, operator: 'includes', value: options[seed % 3]!.code };
  }
}

interface Generated {
  outline: BankOutline;
  step: Step;
}

/** Tools of 1-4 sections (the first the Facility Profile) of 1-3 subsections of 1-6 questions; about a third conditional. */
const tools: fc.Arbitrary<Generated> = fc
  .record({
    shape: fc.array(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }), {
      minLength: 1,
      maxLength: 4,
    }),
    seeds: fc.array(fc.nat(1000), { minLength: 80, maxLength: 80 }),
    step: fc.constantFrom<Step>(1, 2, 3),
  })
  .map(({ shape, seeds, step }) => {
    const all: OutlineQuestion[] = [];
    let n = 0;
    const seed = () => seeds[n++ % seeds.length]! + n;
    const sections = shape.map((subsections, s) => ({
      code: `S${s}`,
      facilityProfile: s === 0,
      subsections: subsections.map((count, u) => ({
        key: `U${s}-${u}`,
        questions: Array.from({ length: count }, (_, i): OutlineQuestion => {
          const r = seed();
          const sources = all.filter((x) => x.answer.type !== 'text');
          const question: OutlineQuestion = {
            id: `S${s}-U${u}-${i + 1}`,
            step: (1 + (r % 5 === 0 ? 1 : 0) + (r % 7 === 0 ? 1 : 0)) as Step,
            answer: specs[r % specs.length]!,
            condition: sources.length > 0 && r % 3 === 0 ? conditionOn(sources[r % sources.length]!, r) : undefined,
          };
          all.push(question);
          return question;
        }),
      })),
    }));
    return { outline: { version: '1.0.0', sections }, step };
  });

/** Every question of the plan: answered (with which seed) or not. */
const withAnswers = tools.chain((tool) => {
  const plan = planOf(tool.outline, tool.step);
  return fc
    .array(fc.option(fc.nat(1000), { nil: undefined }), {
      minLength: plan.questions.length,
      maxLength: plan.questions.length,
    })
    .map((answers) => ({ ...tool, plan, answers }));
});

function stateFrom(plan: ReturnType<typeof planOf>, answers: readonly (number | undefined)[]): ProgressState {
  let state = emptyProgress(plan);
  plan.questions.forEach((q, i) => {
    if (answers[i] !== undefined) state = withAnswer(plan, state, q, valueOf(q.answer, answers[i]!));
  });
  return state;
}

/** The brute force: straight from the definition, with the answers by question id. */
function bruteForce(outline: BankOutline, step: Step, answers: Map<string, AnswerValue>) {
  const inStep = outline.sections
    .flatMap((s) => s.subsections.flatMap((u) => u.questions))
    .filter((q) => q.step <= step);
  const byId = new Map(inStep.map((q) => [q.id, q]));
  const applies = (q: OutlineQuestion): boolean => {
    if (!q.condition) return true;
    const source = byId.get(q.condition.questionId);
    if (!source || !applies(source)) return false;
    const value = answers.get(source.id);
    if (value === undefined) return false;
    if (q.condition.operator === 'equals') return value === q.condition.value;
    if (q.condition.operator === 'includes') return Array.isArray(value) && value.includes(q.condition.value as string);
    return typeof value === 'number' && value > (q.condition.value as number);
  };
  const count = (questions: readonly OutlineQuestion[]) => {
    const inIt = questions.filter((q) => q.step <= step);
    return {
      applicable: inIt.filter(applies).length,
      answered: inIt.filter((q) => applies(q) && answers.has(q.id)).length,
    };
  };
  return {
    overall: count(inStep),
    sections: outline.sections
      .filter((s) => s.subsections.some((u) => u.questions.some((q) => q.step <= step)))
      .map((s) => count(s.subsections.flatMap((u) => u.questions))),
    subsections: outline.sections
      .flatMap((s) => s.subsections)
      .filter((u) => u.questions.some((q) => q.step <= step))
      .map((u) => count(u.questions)),
    facilityProfile: count(
      outline.sections.filter((s) => s.facilityProfile).flatMap((s) => s.subsections.flatMap((u) => u.questions))
    ),
  };
}

const pick = (t: { answered: number; applicable: number }) => ({ answered: t.answered, applicable: t.applicable });

describe('R12: completion arithmetic with conditional questions (property-based)', () => {
  it('R12: the computed completion equals a brute-force count, per subsection, per section and overall', () => {
    const conditional = { on: 0, off: 0, offButAnswered: 0 };
    fc.assert(
      fc.property(withAnswers, ({ outline, step, plan, answers }) => {
        const state = stateFrom(plan, answers);
        const progress = progressOf(plan, state);
        const given = new Map<string, AnswerValue>();
        plan.questions.forEach((q, i) => {
          if (answers[i] !== undefined) given.set(q.id, valueOf(q.answer, answers[i]!));
        });
        const expected = bruteForce(outline, step, given);
        expect(pick(progress.overall)).toEqual(expected.overall);
        expect(progress.sections.map(pick)).toEqual(expected.sections);
        expect(progress.subsections.map(pick)).toEqual(expected.subsections);
        for (const t of [progress.overall, ...progress.sections, ...progress.subsections]) {
          expect(t.toAnswer).toBe(t.applicable - t.answered);
          expect(t.completedPercent).toBeLessThanOrEqual(100);
        }
        plan.questions.forEach((q, i) => {
          if (!q.condition) return;
          if (progress.applies[i]) conditional.on += 1;
          else if (answers[i] !== undefined) conditional.offButAnswered += 1;
          else conditional.off += 1;
        });
      }),
      { numRuns: 300 }
    );
    // the generated tools exercise conditions both ways, and stored answers of questions that stopped applying
    expect(conditional.on).toBeGreaterThan(50);
    expect(conditional.off).toBeGreaterThan(50);
    expect(conditional.offButAnswered).toBeGreaterThan(20);
  });

  it('R13: submission is allowed exactly when answered × 100 ≥ 95 × applicable and the Facility Profile is complete', () => {
    fc.assert(
      fc.property(withAnswers, ({ outline, step, plan, answers }) => {
        const state = stateFrom(plan, answers);
        const given = new Map<string, AnswerValue>();
        plan.questions.forEach((q, i) => {
          if (answers[i] !== undefined) given.set(q.id, valueOf(q.answer, answers[i]!));
        });
        const expected = bruteForce(outline, step, given);
        const allowed =
          expected.overall.answered * 100 >= 95 * expected.overall.applicable &&
          expected.facilityProfile.answered === expected.facilityProfile.applicable;
        const check = checkSubmission(plan, progressOf(plan, state));
        expect(check.allowed).toBe(allowed);
        expect(check.missing).toHaveLength(expected.overall.applicable - expected.overall.answered);
      }),
      { numRuns: 300 }
    );
  });

  it('R12: answering a question, then clearing it, returns to the previous progress', () => {
    fc.assert(
      fc.property(withAnswers, fc.nat(), fc.nat(1000), ({ plan, answers }, which, seed) => {
        const unanswered = plan.questions.filter((_, i) => answers[i] === undefined);
        fc.pre(unanswered.length > 0);
        const question = unanswered[which % unanswered.length]!;
        const before = stateFrom(plan, answers);
        const answered = withAnswer(plan, before, question, valueOf(question.answer, seed));
        const cleared = withAnswer(plan, answered, question, undefined);
        expect(encodeProgress(cleared)).toEqual(encodeProgress(before));
        expect(progressOf(plan, cleared)).toEqual(progressOf(plan, before));
        const after = progressOf(plan, answered);
        // the answer counts when its question applies, and never lowers the count
        const applies = progressOf(plan, before).applies[question.index];
        expect(after.overall.answered).toBeGreaterThanOrEqual(
          progressOf(plan, before).overall.answered + (applies ? 1 : 0)
        );
      }),
      { numRuns: 300 }
    );
  });

  it('the stored progress state round-trips', () => {
    fc.assert(
      fc.property(withAnswers, ({ plan, answers }) => {
        const state = stateFrom(plan, answers);
        const stored = JSON.parse(JSON.stringify(encodeProgress(state)));
        expect(encodeProgress(decodeProgress(plan, stored))).toEqual(encodeProgress(state));
      }),
      { numRuns: 100 }
    );
  });

  it('the bitset round-trips: any size, any set of bits', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 600 })
          .chain((size) =>
            fc.tuple(
              fc.constant(size),
              size === 0 ? fc.constant([]) : fc.uniqueArray(fc.nat(size - 1), { maxLength: size })
            )
          ),
        ([size, bits]) => {
          let set = Bitset.empty(size);
          for (const i of bits) set = set.with(i, true);
          const decoded = Bitset.decode(set.encode(), size);
          expect(decoded.indices()).toEqual([...bits].sort((a, b) => a - b));
          expect(decoded.count()).toBe(bits.length);
          expect(set.encode().length).toBe(Math.ceil(Math.ceil(size / 8) * (4 / 3)));
        }
      ),
      { numRuns: 300 }
    );
  });
});
