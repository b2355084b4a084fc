// The question bank ("The question bank" in the domain spec; R11-R13, R15 as the data they need): the
// shipped versions validate (this test is the build-time check of data/question-banks/*.json), their
// contents match the seed (G: E), every kind of invalid file is answered with every problem and its
// JSON Pointer, translations fall back to English, and the import/read use cases on the memory store.
import fc from 'fast-check';
import caf140 from '../../data/question-banks/caf-1.4.0.json';
import caf150 from '../../data/question-banks/caf-1.5.0.json';
import {
  importQuestionBank,
  listQuestionBanks,
  loadQuestionBank,
  questionBankCatalogue,
  shippedVersions,
  type QuestionBankDeps,
} from '../../shared/app/questionBank/questionBanks';
import { memoryDocumentStore } from '../../shared/adapters/memory/memoryDocumentStore';
import type { Principal } from '../../shared/domain/access/roles';
import { ConflictError, ForbiddenError, ValidationError } from '../../shared/domain/errors';
import type { Question, QuestionBank, QuestionBankProblem } from '../../shared/domain/questionBank/model';
import {
  allQuestions,
  facilityProfileSection,
  localise,
  localisedStructure,
  parseQuestionBank,
  questionById,
  questionsOfStep,
  stepCounts,
} from '../../shared/domain/questionBank/questionBank';
import { assembleQuestionBank, jsonBytes, splitIntoParts } from '../../shared/domain/questionBank/storage';
import { compliancePoints, lawOverlayCountries, questionIdPattern } from '../../shared/domain/questionBank/vocabulary';
import type { Clock } from '../../shared/ports/clock';

const files = { '1.4.0': caf140 as unknown, '1.5.0': caf150 as unknown };

function valid(json: unknown): QuestionBank {
  const parsed = parseQuestionBank(json);
  if (!parsed.ok) throw new Error(parsed.problems.map((p) => `${p.pointer}: ${p.detail}`).join('\n'));
  return parsed.tool;
}

const clone = <T>(value: T): T => structuredClone(value);
const shipped = { '1.4.0': valid(files['1.4.0']), '1.5.0': valid(files['1.5.0']) };
const tool = shipped['1.4.0'];
const subsectionsOf = (t: QuestionBank, sectionCode: string) =>
  t.sections.find((s) => s.code === sectionCode)!.subsections;

// ---------------------------------------------------------------------------------------------------
// The shipped versions
// ---------------------------------------------------------------------------------------------------

describe('the shipped question banks (the build-time check of data/question-banks)', () => {
  it.each(Object.entries(files))('caf-%s.json validates and is the version it is named after', (version, json) => {
    const parsed = parseQuestionBank(json);
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    expect(valid(json).version).toBe(version);
  });

  it('the app builds in exactly the shipped files', () => {
    expect(shippedVersions).toEqual(Object.keys(files));
  });

  it('has at least 400 questions, at least 120 in Step 1, and Steps that are cumulative', () => {
    for (const t of Object.values(shipped)) {
      const counts = stepCounts(t);
      expect(allQuestions(t).length).toBeGreaterThanOrEqual(400);
      expect(counts[0]!.totalQuestions).toBeGreaterThanOrEqual(120);
      expect(counts.map((c) => c.totalQuestions)).toEqual([
        counts[0]!.newQuestions,
        counts[0]!.newQuestions + counts[1]!.newQuestions,
        allQuestions(t).length,
      ]);
      expect(questionsOfStep(t, 2).map((p) => p.question.id)).toEqual(
        allQuestions(t)
          .filter((p) => p.question.step <= 2)
          .map((p) => p.question.id)
      );
    }
  });

  it('R11: sections 1-8 are Step 1, Step 2 adds section 9 and code-of-conduct questions in sections 2-8, Step 3 adds 10', () => {
    expect(tool.sections.map((s) => [s.number, s.code, s.title.en, s.step])).toEqual([
      [1, 'FP', 'Facility Profile', 1],
      [2, 'RH', 'Recruitment & Hiring', 1],
      [3, 'WH', 'Working Hours', 1],
      [4, 'WB', 'Wages & Benefits', 1],
      [5, 'WT', 'Worker Treatment', 1],
      [6, 'WI', 'Worker Involvement', 1],
      [7, 'HS', 'Health & Safety', 1],
      [8, 'TR', 'Termination', 1],
      [9, 'MS', 'Management Systems', 2],
      [10, 'AB', 'Above & Beyond', 3],
    ]);
    expect(tool.steps.map((s) => [s.step, s.name])).toEqual([
      [1, 'Essential'],
      [2, 'Progressive'],
      [3, 'Advanced'],
    ]);
    for (const section of tool.sections.slice(1, 8)) {
      expect(section.subsections.some((sub) => sub.questions.some((q) => q.step === 2))).toBe(true);
    }
    const stepOf = (code: string) =>
      new Set(
        allQuestions(tool)
          .filter((p) => p.section.code === code)
          .map((p) => p.question.step)
      );
    expect(stepOf('MS')).toEqual(new Set([2]));
    expect(stepOf('AB')).toEqual(new Set([3]));
    expect(facilityProfileSection(tool).code).toBe('FP');
  });

  it("has the seed's Facility Profile subsections with their numbers of questions (G: E)", () => {
    const rows = subsectionsOf(tool, 'FP').map((sub) => [sub.name.en, sub.category.en, sub.questions.length]);
    expect(rows.slice(0, 6)).toEqual([
      ['Basic Information', 'Facility', 15],
      ['Basic Information', 'Hours of Operation', 3],
      ['Basic Information', 'Peak Months', 1],
      ['Basic Information', 'Assessment Submission', 7],
      ['Building Structures', 'Total', 1],
      ['Building Structures', 'Production', 1],
    ]);
    const submission = questionById(tool, 'FP-BAS-26')!;
    expect(submission.question.text.en).toBe('Date of self-assessment submission');
    expect(submission.question.answer).toEqual({ type: 'date' });
    expect(submission.subsection.category.en).toBe('Assessment Submission');
    expect(
      subsectionsOf(tool, 'FP')
        .flatMap((s) => s.questions.map((q) => q.id))
        .slice(0, 26)
    ).toEqual(Array.from({ length: 26 }, (_, i) => `FP-BAS-${i + 1}`));
  });

  it('R15: has the seed question on minimum age, yes/no, in Recruitment & Hiring, mapped to Child Labour', () => {
    const found = allQuestions(tool).filter(
      (p) => p.question.text.en === 'Does the facility verify minimum age requirements prior to hiring workers?'
    );
    expect(found).toHaveLength(1);
    expect(found[0]!.section.title.en).toBe('Recruitment & Hiring');
    expect(found[0]!.question).toMatchObject({
      id: 'RH-AGE-1',
      step: 1,
      answer: { type: 'yesNo' },
      compliance: { cluster: 'Child Labour', point: 'Child Labourers' },
    });
  });

  it('R15: every Step 1 question outside the Facility Profile maps to a cluster and point; VCC scope is a subset of them', () => {
    const step1 = questionsOfStep(tool, 1).filter((p) => !p.section.facilityProfile);
    expect(step1.every((p) => p.question.compliance !== undefined)).toBe(true);
    const clusters = new Set(step1.map((p) => p.question.compliance!.cluster));
    expect(clusters).toEqual(new Set(Object.keys(compliancePoints)));
    const vcc = allQuestions(tool).filter((p) => p.question.vccScope);
    expect(vcc.length).toBeGreaterThan(30);
    expect(vcc.length).toBeLessThan(step1.length);
    expect(vcc.every((p) => p.question.step === 1 && p.question.compliance)).toBe(true);
  });

  it('R12: bipartite questions are highlighted, with a focus on OSH, social dialogue and grievances', () => {
    const bipartite = allQuestions(tool).filter((p) => p.question.bipartiteDialogue);
    expect(bipartite.length).toBeGreaterThan(40);
    for (const code of ['HS', 'WI']) expect(bipartite.some((p) => p.section.code === code)).toBe(true);
    expect(bipartite.some((p) => p.subsection.name.en === 'Grievance Mechanisms')).toBe(true);
  });

  it('has conditional questions: workers under 18, migrant workers, dormitories, each on an earlier answer', () => {
    const conditional = allQuestions(tool).filter((p) => p.question.condition);
    expect(conditional.length).toBeGreaterThan(40);
    const on = (id: string) => conditional.filter((p) => p.question.condition!.questionId === id).length;
    const idOf = (text: string) => allQuestions(tool).find((p) => p.question.text.en === text)!.question.id;
    expect(on(idOf('Does the facility employ workers under 18 years of age?'))).toBeGreaterThanOrEqual(5);
    expect(on(idOf('Does the facility employ migrant workers?'))).toBeGreaterThanOrEqual(5);
    expect(on(idOf('Does the facility provide dormitories or other housing for workers?'))).toBeGreaterThanOrEqual(5);
    for (const p of conditional) {
      expect(questionById(tool, p.question.condition!.questionId)!.position).toBeLessThan(p.position);
    }
    const operators = new Set(
      conditional.flatMap((p) => Object.keys(p.question.condition!).filter((k) => k !== 'questionId'))
    );
    expect(operators).toEqual(new Set(['equals', 'includes', 'greaterThan']));
  });

  it('uses every answer type, with bounds on numbers and limits on texts', () => {
    const types = new Set(allQuestions(tool).map((p) => p.question.answer.type));
    expect(types).toEqual(new Set(['yesNo', 'number', 'date', 'text', 'singleChoice', 'multipleChoice']));
    for (const { question } of allQuestions(tool)) {
      if (question.answer.type === 'number') expect(question.answer.min).toBeDefined();
    }
  });

  it('has a law overlay entry for each launched country on every question', () => {
    expect(lawOverlayCountries).toEqual(['BD', 'ID', 'VN']);
    for (const { question } of allQuestions(tool)) {
      expect(Object.keys(question.lawOverlay).sort()).toEqual(['BD', 'ID', 'VN']);
    }
  });

  it('translates every section, subsection and category into bn, id and vi, and at least 20 questions', () => {
    for (const lang of ['bn', 'id', 'vi'] as const) {
      for (const section of tool.sections) {
        expect(section.title[lang]).toBeDefined();
        for (const sub of section.subsections) {
          expect([sub.name.en, sub.name[lang], sub.category[lang]].every(Boolean)).toBe(true);
        }
      }
      const translated = allQuestions(tool).filter((p) => p.question.text[lang] !== undefined);
      expect(translated.length).toBeGreaterThanOrEqual(20);
      expect(translated.length).toBeLessThan(allQuestions(tool).length); // the rest falls back to English
    }
  });

  it('versions coexist: 1.5.0 adds, rewords and removes questions; a kept id keeps its answer type', () => {
    const ids = (t: QuestionBank) => new Set(allQuestions(t).map((p) => p.question.id));
    const [old, next] = [ids(shipped['1.4.0']), ids(shipped['1.5.0'])];
    const added = [...next].filter((id) => !old.has(id));
    const removed = [...old].filter((id) => !next.has(id));
    expect(added.length).toBeGreaterThanOrEqual(3);
    expect(removed.length).toBeGreaterThanOrEqual(3);
    const reworded = [...next].filter(
      (id) =>
        old.has(id) &&
        questionById(shipped['1.4.0'], id)!.question.text.en !== questionById(shipped['1.5.0'], id)!.question.text.en
    );
    expect(reworded.length).toBeGreaterThanOrEqual(2);
    for (const id of [...next].filter((i) => old.has(i))) {
      expect(questionById(shipped['1.5.0'], id)!.question.answer.type).toBe(
        questionById(shipped['1.4.0'], id)!.question.answer.type
      );
    }
    // a new id continues its subtopic's numbering instead of reusing a removed one
    for (const id of added) {
      const [, section, subtopic, n] = questionIdPattern.exec(id)!;
      const older = [...old].filter((o) => o.startsWith(`${section}-${subtopic}-`)).map((o) => Number(o.split('-')[2]));
      expect(Number(n)).toBeGreaterThan(Math.max(...older));
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Invalid files: every problem, with its JSON Pointer
// ---------------------------------------------------------------------------------------------------

const overlay = () => ({ BD: { en: 'Bangladesh law' }, ID: { en: 'Indonesian law' }, VN: { en: 'Vietnamese law' } });
const childLabour = { cluster: 'Child Labour', point: 'Child Labourers' };

function question(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    step: 1,
    text: { en: `Question ${id}` },
    answer: { type: 'yesNo' },
    guidance: { en: 'Guidance' },
    bipartiteDialogue: false,
    vccScope: false,
    lawOverlay: overlay(),
    ...extra,
  };
}

/** A small valid file: a Facility Profile and one Recruitment subsection. */
function miniFile() {
  return {
    toolId: 'caf',
    version: '9.0.0',
    title: { en: 'Mini tool' },
    publishedOn: '2024-01-31',
    languages: ['en', 'bn'],
    steps: [
      { step: 1, name: 'Essential', title: { en: 'Essential' }, description: { en: 'Step 1' } },
      { step: 2, name: 'Progressive', title: { en: 'Progressive' }, description: { en: 'Step 2' } },
      { step: 3, name: 'Advanced', title: { en: 'Advanced' }, description: { en: 'Step 3' } },
    ],
    sections: [
      {
        number: 1,
        code: 'FP',
        title: { en: 'Facility Profile', bn: 'কারখানার প্রোফাইল' },
        step: 1,
        facilityProfile: true,
        subsections: [
          {
            code: 'BAS',
            name: { en: 'Basic Information' },
            category: { en: 'Facility' },
            questions: [
              question('FP-BAS-1'),
              question('FP-BAS-2', {
                answer: { type: 'number', unit: { en: 'workers' }, integer: true, min: 0, max: 100 },
                condition: { questionId: 'FP-BAS-1', equals: true },
              }),
              question('FP-BAS-3', {
                answer: {
                  type: 'singleChoice',
                  options: [
                    { code: 'a', label: { en: 'A' } },
                    { code: 'b', label: { en: 'B' } },
                  ],
                },
              }),
            ],
          },
        ],
      },
      {
        number: 2,
        code: 'RH',
        title: { en: 'Recruitment & Hiring' },
        step: 1,
        subsections: [
          {
            code: 'AGE',
            name: { en: 'Age Verification' },
            category: { en: 'Child Labour' },
            questions: [
              question('RH-AGE-1', { compliance: childLabour, vccScope: true }),
              question('RH-AGE-2', { compliance: childLabour, condition: { questionId: 'FP-BAS-3', equals: 'a' } }),
              question('RH-AGE-3', { step: 2 }),
            ],
          },
        ],
      },
    ],
  };
}

type MiniFile = ReturnType<typeof miniFile>;
const q = (file: MiniFile, section: number, index: number) =>
  file.sections[section]!.subsections[0]!.questions[index] as Record<string, unknown>;
const at = (section: number, index: number, ...rest: string[]) =>
  [`/sections/${section}/subsections/0/questions/${index}`, ...rest].join('/');

function problemsOf(json: unknown): QuestionBankProblem[] {
  const parsed = parseQuestionBank(json);
  if (parsed.ok) throw new Error('expected the file to be refused');
  return parsed.problems;
}

describe('an invalid question bank file is refused with every problem and its JSON Pointer', () => {
  it('the small fixture itself is valid', () => {
    expect(parseQuestionBank(miniFile())).toMatchObject({ ok: true });
  });

  const cases: [string, (f: MiniFile) => void, [string, RegExp][]][] = [
    [
      'a duplicate id (reported where it repeats, naming the first)',
      (f) => (q(f, 1, 1).id = 'RH-AGE-1'),
      [[at(1, 1, 'id'), /RH-AGE-1 is already the id of \/sections\/1\/subsections\/0\/questions\/0/]],
    ],
    ['a bad id pattern', (f) => (q(f, 1, 2).id = 'RH-AGE-03'), [[at(1, 2, 'id'), /SECTION-SUBTOPIC-n/]]],
    [
      'an id that no longer exists for a condition (a bad id and what depends on it)',
      (f) => (q(f, 0, 0).id = 'FP-BASIC-1'),
      [
        [at(0, 0, 'id'), /SECTION-SUBTOPIC-n/],
        [at(0, 1, 'condition', 'questionId'), /FP-BAS-1 is not a question of this version/],
      ],
    ],
    [
      'an id that does not fit its section and subsection',
      (f) => (q(f, 1, 2).id = 'FP-BAS-9'),
      [[at(1, 2, 'id'), /must start with RH-AGE-/]],
    ],
    [
      'a dangling condition',
      (f) => (q(f, 1, 1).condition = { questionId: 'FP-BAS-99', equals: true }),
      [[at(1, 1, 'condition', 'questionId'), /FP-BAS-99 is not a question of this version/]],
    ],
    [
      'a forward condition',
      (f) => (q(f, 0, 0).condition = { questionId: 'RH-AGE-1', equals: true }),
      [[at(0, 0, 'condition', 'questionId'), /RH-AGE-1 is not before this question/]],
    ],
    [
      'a condition on a question of a later Step',
      (f) => {
        q(f, 1, 1).step = 1;
        q(f, 1, 2).step = 2;
        (f.sections[1]!.subsections[0]!.questions as unknown[]).push(
          question('RH-AGE-4', { compliance: childLabour, condition: { questionId: 'RH-AGE-3', equals: true } })
        );
      },
      [[at(1, 3, 'condition', 'questionId'), /enters at Step 2, after this question \(Step 1\)/]],
    ],
    [
      'a condition of an incompatible type',
      (f) => (q(f, 0, 1).condition = { questionId: 'FP-BAS-1', greaterThan: 3 }),
      [[at(0, 1, 'condition', 'greaterThan'), /does not fit FP-BAS-1, a yesNo: use equals true or false/]],
    ],
    [
      'a condition on an option that does not exist',
      (f) => (q(f, 1, 1).condition = { questionId: 'FP-BAS-3', equals: 'c' }),
      [[at(1, 1, 'condition', 'equals'), /"c" is not an option code of FP-BAS-3 \(a, b\)/]],
    ],
    [
      'a condition with two operators',
      (f) => (q(f, 0, 1).condition = { questionId: 'FP-BAS-1', equals: true, greaterThan: 1 }),
      [[at(0, 1, 'condition'), /exactly one of equals, includes or greaterThan/]],
    ],
    [
      'min greater than max',
      (f) => (q(f, 0, 1).answer = { type: 'number', unit: { en: 'workers' }, integer: true, min: 10, max: 5 }),
      [[at(0, 1, 'answer', 'min'), /the minimum \(10\) is greater than the maximum \(5\)/]],
    ],
    [
      'a missing law overlay of a launched country',
      (f) => delete (q(f, 1, 0).lawOverlay as Record<string, unknown>).VN,
      [[at(1, 0, 'lawOverlay', 'VN'), /is missing: every country with a Law Overlay \(Vietnam\) needs an entry/]],
    ],
    [
      'a missing compliance cluster on a Step 1 question outside the Facility Profile',
      (f) => {
        delete q(f, 1, 1).compliance;
      },
      [[at(1, 1, 'compliance'), /needs its Better Work compliance cluster and point/]],
    ],
    [
      'a compliance point of another cluster',
      (f) => (q(f, 1, 1).compliance = { cluster: 'Forced Labour', point: 'Child Labourers' }),
      [[at(1, 1, 'compliance', 'point'), /is not a compliance point of Forced Labour/]],
    ],
    [
      'empty options (and the condition on one of them)',
      (f) => ((q(f, 0, 2).answer as { options: unknown[] }).options = []),
      [
        [at(0, 2, 'answer', 'options'), /must have at least 2 options/],
        [at(1, 1, 'condition', 'equals'), /"a" is not an option code of FP-BAS-3, which has no valid options/],
      ],
    ],
    [
      'a duplicate option code',
      (f) => ((q(f, 0, 2).answer as { options: { code: string }[] }).options[1]!.code = 'a'),
      [[at(0, 2, 'answer', 'options', '1', 'code'), /"a" is already the code of option 0/]],
    ],
    [
      'a VCC scope outside Step 1',
      (f) => (q(f, 1, 2).vccScope = true),
      [[at(1, 2, 'vccScope'), /only Step 1 questions/]],
    ],
    [
      'a question entering before its section',
      (f) => {
        f.sections[1]!.step = 2;
        q(f, 1, 0).vccScope = false;
      },
      [
        [at(1, 0, 'step'), /must be at least 2/],
        [at(1, 1, 'step'), /must be at least 2/],
      ],
    ],
    [
      'no Facility Profile',
      (f) => delete (f.sections[0] as { facilityProfile?: boolean }).facilityProfile,
      [
        ['/sections', /one section must be the Facility Profile/],
        [at(0, 0, 'compliance'), /needs its Better Work compliance/],
        [at(0, 1, 'compliance'), /needs its Better Work compliance/],
        [at(0, 2, 'compliance'), /needs its Better Work compliance/],
      ],
    ],
    [
      'Steps out of order and misnamed',
      (f) => {
        f.steps[1]!.name = 'Advanced';
        f.steps[2]!.step = 2;
      },
      [
        ['/steps/1/name', /Step 2 is "Progressive"/],
        ['/steps/2/step', /must be 3/],
        ['/steps/2/name', /Step 2 is "Progressive"/],
      ],
    ],
    [
      'an unknown field and an unknown language',
      (f) => {
        (f as Record<string, unknown>).author = 'me';
        (q(f, 0, 0).text as Record<string, unknown>).fr = 'Question';
      },
      [
        ['/', /Unrecognized key/],
        [at(0, 0, 'text'), /Unrecognized key/],
      ],
    ],
  ];

  it.each(cases)('%s', (_name, mutate, expected) => {
    const file = miniFile();
    mutate(file);
    const problems = problemsOf(file);
    expect(problems.map((p) => p.pointer).sort()).toEqual(expected.map(([pointer]) => pointer).sort());
    for (const [pointer, detail] of expected) {
      expect(problems.filter((p) => p.pointer === pointer).some((p) => detail.test(p.detail))).toBe(true);
    }
  });

  it('every problem of a file with many at once, type errors among them, each with its pointer', () => {
    const file = miniFile();
    for (const [, mutate] of cases.filter(([name]) =>
      [
        'a duplicate id',
        'a bad id pattern',
        'a forward condition',
        'min greater',
        'a missing law',
        'a missing compliance',
        'empty options',
      ].some((n) => name.startsWith(n))
    ))
      mutate(file);
    // and two type errors: a text that is not text, a Step that is not one
    q(file, 0, 2).text = 42;
    (file.sections[1] as Record<string, unknown>).step = 4;
    const problems = problemsOf(file);
    expect(problems.map((p) => p.pointer)).toEqual([
      at(0, 0, 'condition', 'questionId'),
      at(0, 1, 'answer', 'min'),
      at(0, 2, 'answer', 'options'),
      at(0, 2, 'text'),
      '/sections/1/step',
      at(1, 0, 'lawOverlay', 'VN'),
      at(1, 1, 'compliance'),
      at(1, 1, 'condition', 'equals'),
      at(1, 1, 'id'),
      at(1, 2, 'id'),
    ]);
    expect(problems.every((p) => p.detail.length > 0)).toBe(true);
  });

  it('a body that is not a question bank at all', () => {
    expect(problemsOf([])).toEqual([{ pointer: '/', detail: expect.stringMatching(/expected object/) }]);
    expect(problemsOf({ toolId: 'caf' }).map((p) => p.pointer)).toEqual([
      '/languages',
      '/publishedOn',
      '/sections',
      '/steps',
      '/title',
      '/version',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------------

type Mutation = (t: QuestionBank, pick: number) => void;

const questionsIn = (t: QuestionBank) => t.sections.flatMap((s) => s.subsections.flatMap((sub) => sub.questions));
const referenced = (t: QuestionBank) =>
  new Set(questionsIn(t).flatMap((x) => (x.condition ? [x.condition.questionId] : [])));
const nth = <T>(items: readonly T[], pick: number): T => items[pick % items.length]!;

const validMutations = (text: string): Mutation[] => [
  // reword a question and add a translation
  (t, pick) => {
    const target = nth(questionsIn(t), pick);
    target.text = { ...target.text, en: text, vi: text };
  },
  // flip the bipartite flag
  (t, pick) => {
    const target = nth(questionsIn(t), pick);
    target.bipartiteDialogue = !target.bipartiteDialogue;
  },
  // reorder the options of a choice question (codes stay unique)
  (t, pick) => {
    const target = nth(
      questionsIn(t).filter((x) => x.answer.type === 'singleChoice' || x.answer.type === 'multipleChoice'),
      pick
    );
    if (target.answer.type === 'singleChoice' || target.answer.type === 'multipleChoice')
      target.answer.options.reverse();
  },
  // move the bounds of a number, keeping min ≤ max
  (t, pick) => {
    const target = nth(
      questionsIn(t).filter((x) => x.answer.type === 'number'),
      pick
    );
    if (target.answer.type === 'number') {
      target.answer.min = pick % 50;
      target.answer.max = (pick % 50) + (pick % 7);
    }
  },
  // add a question at the end of a subsection, numbered after the last of its subtopic
  (t, pick) => {
    const section = nth(t.sections, pick);
    const subsection = nth(section.subsections, pick);
    const prefix = `${section.code}-${subsection.code}-`;
    const numbers = questionsIn(t)
      .filter((x) => x.id.startsWith(prefix))
      .map((x) => Number(x.id.slice(prefix.length)));
    const model = subsection.questions[0]!;
    const added: Question = {
      ...clone(model),
      id: `${prefix}${Math.max(...numbers) + 1}`,
      text: { en: text },
      answer: { type: 'yesNo' },
    };
    delete added.condition;
    subsection.questions.push(added);
  },
  // remove a question nothing depends on (never the last of its subsection)
  (t, pick) => {
    const used = referenced(t);
    const removable = t.sections.flatMap((s) =>
      s.subsections
        .filter((sub) => sub.questions.length > 1)
        .flatMap((sub) => sub.questions.filter((x) => !used.has(x.id)).map((x) => ({ sub, x })))
    );
    const { sub, x } = nth(removable, pick);
    sub.questions.splice(sub.questions.indexOf(x), 1);
  },
];

describe('properties', () => {
  const base = shipped['1.4.0'];
  /** The JSON Pointer of each question of `base`, in document order. */
  const pointers = allQuestions(base).map(({ section, subsection, question: x }) => {
    const s = base.sections.indexOf(section);
    return `/sections/${s}/subsections/${section.subsections.indexOf(subsection)}/questions/${subsection.questions.indexOf(x)}`;
  });

  it('random valid changes (rewording, flags, option order, bounds, added and removed questions) keep the tool valid', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(5), fc.nat(10_000), fc.string({ minLength: 1, maxLength: 80 })), {
          minLength: 1,
          maxLength: 6,
        }),
        (changes) => {
          const t = clone(base);
          for (const [which, pick, text] of changes)
            validMutations(text.trim() === '' ? 'A question' : text)[which]!(t, pick);
          const parsed = parseQuestionBank(t);
          if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems.slice(0, 3)));
        }
      ),
      { numRuns: 40 }
    );
  });

  it('giving a question the id of another is always caught, where the id repeats', () => {
    fc.assert(
      fc.property(fc.nat(pointers.length - 1), fc.nat(pointers.length - 1), (i, j) => {
        fc.pre(i !== j);
        const t = clone(base);
        const all = questionsIn(t);
        const id = all[i]!.id;
        all[j]!.id = id;
        const [first, repeat] = [Math.min(i, j), Math.max(i, j)];
        expect(problemsOf(t)).toContainEqual({
          pointer: `${pointers[repeat]}/id`,
          detail: `${id} is already the id of ${pointers[first]}: ids must be unique in a version`,
        });
      }),
      { numRuns: 60 }
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Translation
// ---------------------------------------------------------------------------------------------------

describe('translation with English fallback', () => {
  it('a text is given in the language asked for, else in English', () => {
    const text = { en: 'Working Hours', bn: 'কর্মঘণ্টা' };
    expect(localise(text, 'bn')).toBe('কর্মঘণ্টা');
    expect(localise(text, 'vi')).toBe('Working Hours');
    expect(localise(text, 'en')).toBe('Working Hours');
  });

  it('the structure in Bangla: translated titles, English where a question has no translation, with the counts', () => {
    const bn = localisedStructure(tool, 'bn');
    expect(bn.sections[2]!.title).toBe('কর্মঘণ্টা');
    expect(bn.sections[0]!.subsections[0]!.name).toBe('মৌলিক তথ্য');
    const seedQuestion = bn.sections[1]!.subsections.flatMap((s) => s.questions).find((x) => x.id === 'RH-AGE-1')!;
    expect(seedQuestion.text).toBe('শ্রমিক নিয়োগের আগে কারখানা কি ন্যূনতম বয়সের শর্ত যাচাই করে?');
    expect(bn.sections[0]!.subsections[0]!.questions[1]).toMatchObject({
      id: 'FP-BAS-2',
      text: 'Other names the facility is known by (trade names)',
    });
    expect(bn.translation.translated).toBeGreaterThan(100);
    expect(bn.translation.translated).toBeLessThan(bn.translation.texts);
    const en = localisedStructure(tool, 'en');
    expect(en.translation.translated).toBe(en.translation.texts);
  });

  it('one Step only, and the law overlay of one country', () => {
    const step1 = localisedStructure(tool, 'id', { step: 1, country: 'ID' });
    const ids = step1.sections.flatMap((s) => s.subsections.flatMap((sub) => sub.questions.map((x) => x.id)));
    expect(ids).toEqual(questionsOfStep(tool, 1).map((p) => p.question.id));
    expect(step1.sections.map((s) => s.code)).toEqual(['FP', 'RH', 'WH', 'WB', 'WT', 'WI', 'HS', 'TR']);
    expect(step1.sections[0]!.subsections[0]!.questions[0]!.lawOverlay).toMatch(/OSS/);
  });
});

// ---------------------------------------------------------------------------------------------------
// Storage and the use cases (memory store)
// ---------------------------------------------------------------------------------------------------

const admin: Principal = { userId: 'admin-1', roles: ['Admin'], email: undefined, name: undefined };
const manager: Principal = { userId: 'fm-1', roles: ['FactoryManager'], email: undefined, name: undefined };
const clock: Clock = { now: () => new Date('2030-01-15T10:00:00Z') };
const newVersion = (version: string): unknown => ({ ...clone(files['1.5.0'] as object), version });

describe('storage of an imported version', () => {
  it('splits a version into parts under the byte budget and puts it back together unchanged', () => {
    const budget = 40 * 1024;
    const parts = splitIntoParts(tool, budget);
    expect(parts.length).toBeGreaterThan(5);
    for (const part of parts) expect(jsonBytes(part)).toBeLessThanOrEqual(budget);
    const { sections: _sections, ...head } = tool;
    expect(assembleQuestionBank(head, parts)).toEqual(tool);
    expect(splitIntoParts(tool)).toHaveLength(1);
  });

  it('cuts inside a subsection when one is larger than a part', () => {
    const parts = splitIntoParts(tool, 6 * 1024);
    const cut = parts.some(
      (part, i) => i > 0 && part[0]!.subsections[0]!.index === parts[i - 1]!.at(-1)!.subsections.at(-1)!.index
    );
    expect(cut).toBe(true);
    const { sections: _sections, ...head } = tool;
    expect(assembleQuestionBank(head, parts)).toEqual(tool);
  });
});

describe('importing and reading versions', () => {
  const deps = (partBytes?: number): QuestionBankDeps & { store: ReturnType<typeof memoryDocumentStore> } => ({
    store: memoryDocumentStore(),
    clock,
    ...(partBytes ? { partBytes } : {}),
  });

  it('lists the shipped versions, the highest as the latest', async () => {
    const list = await listQuestionBanks(deps());
    expect(list.map((v) => [v.version, v.source, v.latest])).toEqual([
      ['1.4.0', 'shipped', false],
      ['1.5.0', 'shipped', true],
    ]);
    expect(list[0]!.questionCount).toBe(allQuestions(tool).length);
  });

  it('an administrator imports a version: manifest, part and audit event in its partition; then it is listed and read', async () => {
    const d = deps();
    const summary = await importQuestionBank(d, admin, newVersion('1.6.0'));
    expect(summary).toMatchObject({ version: '1.6.0', source: 'imported', latest: true, importedBy: 'admin-1' });
    const docs = await d.store.query('questionBanks', '1.6.0', { query: 'SELECT * FROM c WHERE c.version = @pk' });
    expect(docs.items.map((doc) => doc.type).sort()).toEqual(['audit', 'questionBankManifest', 'questionBankPart']);
    expect(docs.items.find((doc) => doc.type === 'audit')).toMatchObject({
      action: 'questionBankImported',
      actor: { userId: 'admin-1', roles: ['Admin'] },
      at: '2030-01-15T10:00:00.000Z',
    });
    const loaded = await loadQuestionBank(d, '1.6.0');
    expect(loaded.source).toBe('imported');
    expect(loaded.tool).toEqual({ ...shipped['1.5.0'], version: '1.6.0' });
    expect((await listQuestionBanks(d)).map((v) => v.version)).toEqual(['1.4.0', '1.5.0', '1.6.0']);
    expect((await questionBankCatalogue(d).latest()).version).toBe('1.6.0');
    expect(await questionBankCatalogue(d).version('7.0.0')).toBeUndefined();
  });

  it('a large version is stored in many parts (manifest last) and read back whole', async () => {
    const d = deps(32 * 1024);
    await importQuestionBank(d, admin, newVersion('2.0.0'));
    const docs = await d.store.query(
      'questionBanks',
      '2.0.0',
      { query: 'SELECT * FROM c WHERE c.version = @pk' },
      { maxItems: 1000 }
    );
    expect(docs.items.filter((doc) => doc.type === 'questionBankPart').length).toBeGreaterThan(10);
    expect((await loadQuestionBank(d, '2.0.0')).tool).toEqual({ ...shipped['1.5.0'], version: '2.0.0' });
  });

  it('refuses a version that exists (shipped or imported) with 409, writing nothing', async () => {
    const d = deps();
    await importQuestionBank(d, admin, newVersion('1.6.0'));
    const size = d.store.size();
    await expect(importQuestionBank(d, admin, newVersion('1.6.0'))).rejects.toThrow(ConflictError);
    await expect(importQuestionBank(d, admin, newVersion('1.5.0'))).rejects.toThrow(/built into the platform/);
    expect(d.store.size()).toBe(size);
  });

  it('refuses an invalid file with every problem (400), and a non-administrator (403), writing nothing', async () => {
    const d = deps();
    const file = newVersion('1.7.0') as { sections: { subsections: { questions: { id: string }[] }[] }[] };
    file.sections[1]!.subsections[0]!.questions[1]!.id = file.sections[1]!.subsections[0]!.questions[0]!.id;
    file.sections[2]!.subsections[0]!.questions[0]!.id = 'nonsense';
    const refused = await importQuestionBank(d, admin, file).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).errors.map((e) => e.pointer)).toEqual([
      '/sections/1/subsections/0/questions/1/id',
      '/sections/2/subsections/0/questions/0/id',
    ]);
    expect((refused as ValidationError).message).toMatch(/2 problems; nothing was imported/);
    await expect(importQuestionBank(d, manager, newVersion('1.8.0'))).rejects.toThrow(ForbiddenError);
    expect(d.store.size()).toBe(0);
  });

  it('a version that does not exist is a 404', async () => {
    await expect(loadQuestionBank(deps(), '9.9.9')).rejects.toThrow(/There is no question bank version 9.9.9/);
  });
});
