// A question bank version as the rest of the platform uses it: parsed and validated from JSON (a shipped
// file or an administrator's import), its questions in order per Step (cumulative), looked up by id, and
// its texts in a language with English as the fallback. Pure.
import { questionBankSchema } from '../../schemas/questionBank';
import { toPointer } from './consistency';
import type {
  Answer,
  Question,
  QuestionBank,
  QuestionBankProblem,
  Section,
  Subsection,
  TranslatableText,
} from './model';
import { stepNames, stepNumbers, type Language, type StepNumber } from './vocabulary';

export type ParsedQuestionBank = { ok: true; tool: QuestionBank } | { ok: false; problems: QuestionBankProblem[] };

function comparePaths(a: readonly PropertyKey[], b: readonly PropertyKey[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * Validates a question bank file: the tool, or every problem it has, each with the JSON Pointer of where
 * it is, in the order of the file.
 */
export function parseQuestionBank(json: unknown): ParsedQuestionBank {
  const parsed = questionBankSchema.safeParse(json);
  if (parsed.success) return { ok: true, tool: parsed.data };
  const seen = new Set<string>();
  const problems = [...parsed.error.issues]
    .sort((a, b) => comparePaths(a.path, b.path))
    .map((issue) => ({ pointer: toPointer(issue.path) || '/', detail: issue.message }))
    .filter((problem) => {
      const key = `${problem.pointer}\u0000${problem.detail}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return { ok: false, problems };
}

/** The text in a language, or in English when it has no translation into it. */
export function localise(text: TranslatableText, lang: Language): string {
  return text[lang] ?? text.en;
}

export function isTranslated(text: TranslatableText, lang: Language): boolean {
  return lang === 'en' || text[lang] !== undefined;
}

/** A question with where it is in its tool. */
export interface PlacedQuestion {
  question: Question;
  section: Section;
  subsection: Subsection;
  /** Position in the whole tool (document order), from 0. */
  position: number;
}

interface Index {
  all: PlacedQuestion[];
  byId: Map<string, PlacedQuestion>;
}

const indexes = new WeakMap<QuestionBank, Index>();

function indexOf(tool: QuestionBank): Index {
  let index = indexes.get(tool);
  if (!index) {
    const all: PlacedQuestion[] = [];
    for (const section of tool.sections) {
      for (const subsection of section.subsections) {
        for (const question of subsection.questions) all.push({ question, section, subsection, position: all.length });
      }
    }
    index = { all, byId: new Map(all.map((placed) => [placed.question.id, placed])) };
    indexes.set(tool, index);
  }
  return index;
}

/** Every question of the tool, in order. */
export function allQuestions(tool: QuestionBank): readonly PlacedQuestion[] {
  return indexOf(tool).all;
}

/** The questions of a Step, in order: Steps are cumulative, so Step 2 includes Step 1. */
export function questionsOfStep(tool: QuestionBank, step: StepNumber): PlacedQuestion[] {
  return indexOf(tool).all.filter((placed) => placed.question.step <= step);
}

export function questionById(tool: QuestionBank, id: string): PlacedQuestion | undefined {
  return indexOf(tool).byId.get(id);
}

/** The Facility Profile section, which must be 100 % complete before submission (R13). */
export function facilityProfileSection(tool: QuestionBank): Section {
  return tool.sections.find((section) => section.facilityProfile === true)!;
}

export interface StepCount {
  step: StepNumber;
  name: string;
  /** Questions that enter at this Step. */
  newQuestions: number;
  /** Questions of this Step, the earlier Steps included. */
  totalQuestions: number;
}

export function stepCounts(tool: QuestionBank): StepCount[] {
  const questions = allQuestions(tool);
  return stepNumbers.map((step) => ({
    step,
    name: stepNames[step],
    newQuestions: questions.filter((placed) => placed.question.step === step).length,
    totalQuestions: questions.filter((placed) => placed.question.step <= step).length,
  }));
}

// ---------------------------------------------------------------------------------------------------
// The structure in one language
// ---------------------------------------------------------------------------------------------------

export type LocalisedAnswer =
  | { type: 'yesNo' }
  | { type: 'number'; unit: string; integer: boolean; min?: number; max?: number }
  | { type: 'date' }
  | { type: 'text'; maxLength: number }
  | { type: 'singleChoice' | 'multipleChoice'; options: { code: string; label: string }[] };

export interface LocalisedQuestion {
  id: string;
  step: StepNumber;
  text: string;
  guidance: string;
  answer: LocalisedAnswer;
  bipartiteDialogue: boolean;
  vccScope: boolean;
  compliance?: Question['compliance'];
  condition?: Question['condition'];
  lawOverlay?: string;
}

export interface LocalisedStructure {
  toolId: string;
  version: string;
  title: string;
  publishedOn: string;
  lang: Language;
  languages: Language[];
  step?: StepNumber;
  country?: string;
  /** How many of the texts given exist in `lang` (the others are in English). */
  translation: { texts: number; translated: number };
  steps: (StepCount & { title: string; description: string })[];
  sections: {
    number: number;
    code: string;
    title: string;
    step: StepNumber;
    facilityProfile: boolean;
    subsections: { code: string; name: string; category: string; questions: LocalisedQuestion[] }[];
  }[];
}

/**
 * The tool's structure in one language: Steps, sections, subsections and questions (only those of `step`
 * when given; sections and subsections left empty by it are left out), each text in `lang` or in
 * English; with `country`, each question's law overlay for that country.
 */
export function localisedStructure(
  tool: QuestionBank,
  lang: Language,
  options: { step?: StepNumber | undefined; country?: string | undefined } = {}
): LocalisedStructure {
  const translation = { texts: 0, translated: 0 };
  const say = (text: TranslatableText): string => {
    translation.texts += 1;
    if (isTranslated(text, lang)) translation.translated += 1;
    return localise(text, lang);
  };
  const answerIn = (answer: Answer): LocalisedAnswer => {
    switch (answer.type) {
      case 'number':
        return { ...answer, unit: say(answer.unit) };
      case 'singleChoice':
      case 'multipleChoice':
        return {
          type: answer.type,
          options: answer.options.map((option) => ({ code: option.code, label: say(option.label) })),
        };
      default:
        return { ...answer };
    }
  };
  const inStep = (question: Question) => options.step === undefined || question.step <= options.step;
  const counts = stepCounts(tool);
  const structure: LocalisedStructure = {
    toolId: tool.toolId,
    version: tool.version,
    title: say(tool.title),
    publishedOn: tool.publishedOn,
    lang,
    languages: [...tool.languages],
    ...(options.step === undefined ? {} : { step: options.step }),
    ...(options.country === undefined ? {} : { country: options.country }),
    translation,
    steps: tool.steps.map((step, i) => ({
      ...counts[i]!,
      title: say(step.title),
      description: say(step.description),
    })),
    sections: tool.sections
      .map((section) => ({
        number: section.number,
        code: section.code,
        title: section.title,
        step: section.step,
        facilityProfile: section.facilityProfile === true,
        subsections: section.subsections
          .map((subsection) => ({ subsection, questions: subsection.questions.filter(inStep) }))
          .filter(({ questions }) => questions.length > 0),
      }))
      .filter((section) => section.subsections.length > 0)
      .map((section) => ({
        ...section,
        title: say(section.title),
        subsections: section.subsections.map(({ subsection, questions }) => ({
          code: subsection.code,
          name: say(subsection.name),
          category: say(subsection.category),
          questions: questions.map((question): LocalisedQuestion => {
            const overlay = options.country === undefined ? undefined : question.lawOverlay[options.country];
            return {
              id: question.id,
              step: question.step,
              text: say(question.text),
              guidance: say(question.guidance),
              answer: answerIn(question.answer),
              bipartiteDialogue: question.bipartiteDialogue,
              vccScope: question.vccScope,
              ...(question.compliance ? { compliance: { ...question.compliance } } : {}),
              ...(question.condition ? { condition: { ...question.condition } } : {}),
              ...(overlay ? { lawOverlay: say(overlay) } : {}),
            };
          }),
        })),
      })),
  };
  return structure;
}
