// The rules of a question bank that span fields: unique ids that fit their section and subsection,
// conditions on earlier questions of a compatible type, unique option codes, min ≤ max, a law overlay for
// every launched country, a compliance cluster on every Step 1 question outside the Facility Profile.
//
// The checks read the value defensively (anything may be missing or of the wrong type), so they can run
// even when the schema has already found type errors elsewhere: a file is answered with every problem it
// has at once, not the first layer of them. The schema reports field-level problems (types, patterns,
// lengths); these checks report only what no single field can know.
import { betterWorkCountryProgrammes } from '../countryProgrammes';
import {
  compliancePoints,
  lawOverlayCountries,
  questionIdPattern,
  stepNames,
  type ComplianceCluster,
} from './vocabulary';

export type IssuePath = (string | number)[];

export interface ConsistencyIssue {
  path: IssuePath;
  message: string;
}

/** An RFC 6901 JSON Pointer, e.g. `/sections/0/subsections/2/questions/5/id`. */
export function toPointer(path: readonly PropertyKey[]): string {
  return path.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

type Loose = Record<string, unknown>;

const isRecord = (value: unknown): value is Loose =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const asNumber = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const englishOf = (text: unknown): string | undefined => (isRecord(text) ? asString(text.en) : undefined);
/** A Step number, or undefined for anything else (the schema reports it; no check builds on a wrong one). */
const asStep = (value: unknown): number | undefined => (value === 1 || value === 2 || value === 3 ? value : undefined);

const conditionOperators = ['equals', 'includes', 'greaterThan'] as const;

interface Entry {
  id: string | undefined;
  path: IssuePath;
  /** Position in the whole tool, in document order. */
  order: number;
  step: number | undefined;
  answerType: string | undefined;
  optionCodes: string[];
  question: Loose;
}

const countryName = (code: string) =>
  betterWorkCountryProgrammes.find((programme) => programme.countryCode === code)?.name ?? code;

function answerIssues(answer: unknown, at: IssuePath, add: (path: IssuePath, message: string) => void): void {
  if (!isRecord(answer)) return;
  if (answer.type === 'number') {
    const min = asNumber(answer.min);
    const max = asNumber(answer.max);
    if (min !== undefined && max !== undefined && min > max) {
      add([...at, 'min'], `the minimum (${min}) is greater than the maximum (${max})`);
    }
  }
  if (answer.type === 'singleChoice' || answer.type === 'multipleChoice') {
    const seen = new Map<string, number>();
    asArray(answer.options).forEach((option, k) => {
      const code = isRecord(option) ? asString(option.code) : undefined;
      if (code === undefined) return;
      const first = seen.get(code);
      if (first !== undefined) {
        add([...at, 'options', k, 'code'], `"${code}" is already the code of option ${first}: codes must be unique`);
      } else seen.set(code, k);
    });
  }
}

function conditionIssues(
  entry: Entry,
  byId: ReadonlyMap<string, Entry>,
  add: (path: IssuePath, message: string) => void
): void {
  const condition = entry.question.condition;
  if (!isRecord(condition)) return;
  const at = [...entry.path, 'condition'];
  const used = conditionOperators.filter((operator) => condition[operator] !== undefined);
  if (used.length !== 1) {
    add(at, 'needs exactly one of equals, includes or greaterThan');
  }
  const targetId = asString(condition.questionId);
  if (targetId === undefined) return;
  const target = byId.get(targetId);
  if (!target) {
    add([...at, 'questionId'], `${targetId} is not a question of this version`);
    return;
  }
  if (target.order >= entry.order) {
    add(
      [...at, 'questionId'],
      `${targetId} is not before this question: a condition can only refer to an earlier question`
    );
    return;
  }
  if (target.step !== undefined && entry.step !== undefined && target.step > entry.step) {
    add(
      [...at, 'questionId'],
      `${targetId} enters at Step ${target.step}, after this question (Step ${entry.step}): the condition could not be answered`
    );
  }
  if (used.length !== 1) return;
  const operator = used[0]!;
  const value = condition[operator];
  const where = [...at, operator];
  const type = target.answerType;
  const fits =
    (type === 'yesNo' && operator === 'equals' && typeof value === 'boolean') ||
    (type === 'number' && (operator === 'equals' || operator === 'greaterThan') && typeof value === 'number') ||
    (type === 'singleChoice' && operator === 'equals' && typeof value === 'string') ||
    (type === 'multipleChoice' && operator === 'includes' && typeof value === 'string');
  if (!fits) {
    const expected: Record<string, string> = {
      yesNo: 'equals true or false',
      number: 'equals or greaterThan a number',
      singleChoice: 'equals one of its option codes',
      multipleChoice: 'includes one of its option codes',
      date: 'nothing: a date answer cannot be a condition',
      text: 'nothing: a text answer cannot be a condition',
    };
    add(
      where,
      `does not fit ${targetId}, a ${type ?? 'question without a valid answer type'}: use ${expected[type ?? ''] ?? 'a question with a valid answer type'}`
    );
    return;
  }
  if ((type === 'singleChoice' || type === 'multipleChoice') && !target.optionCodes.includes(value as string)) {
    add(
      where,
      target.optionCodes.length === 0
        ? `"${String(value)}" is not an option code of ${targetId}, which has no valid options`
        : `"${String(value)}" is not an option code of ${targetId} (${target.optionCodes.join(', ')})`
    );
  }
}

/** Every cross-field problem of a question bank file, with the path where it is. */
export function questionBankConsistencyIssues(value: unknown): ConsistencyIssue[] {
  const issues: ConsistencyIssue[] = [];
  const add = (path: IssuePath, message: string) => issues.push({ path, message });
  if (!isRecord(value)) return issues;

  asArray(value.steps).forEach((step, i) => {
    if (!isRecord(step)) return;
    if (step.step !== i + 1) add(['steps', i, 'step'], `must be ${i + 1}: the Steps are 1, 2 and 3, in this order`);
    const expectedName = stepNames[step.step as keyof typeof stepNames] as string | undefined;
    if (expectedName !== undefined && step.name !== expectedName) {
      add(['steps', i, 'name'], `Step ${String(step.step)} is "${expectedName}"`);
    }
  });

  const languages = asArray(value.languages);
  if (Array.isArray(value.languages) && !languages.includes('en')) {
    add(['languages'], 'must include en: every text has English, the language others fall back to');
  }
  languages.forEach((language, i) => {
    if (languages.indexOf(language) !== i) add(['languages', i], `${String(language)} is listed twice`);
  });

  const entries: Entry[] = [];
  const sections = asArray(value.sections);
  const sectionCodes = new Map<string, number>();
  const profileSections: number[] = [];
  let previousNumber: number | undefined;
  sections.forEach((section, s) => {
    if (!isRecord(section)) return;
    const sectionPath: IssuePath = ['sections', s];
    const number = asNumber(section.number);
    if (number !== undefined) {
      if (previousNumber !== undefined && number <= previousNumber) {
        add([...sectionPath, 'number'], `must be greater than ${previousNumber}, the number of the section before`);
      }
      previousNumber = number;
    }
    const sectionCode = asString(section.code);
    if (sectionCode !== undefined) {
      const first = sectionCodes.get(sectionCode);
      if (first !== undefined) {
        add([...sectionPath, 'code'], `${sectionCode} is already the code of ${toPointer(['sections', first])}`);
      } else sectionCodes.set(sectionCode, s);
    }
    const sectionStep = asStep(section.step);
    const isProfile = section.facilityProfile === true;
    if (isProfile) {
      profileSections.push(s);
      if (sectionStep !== undefined && sectionStep !== 1) {
        add([...sectionPath, 'step'], 'must be 1: the Facility Profile is part of Step 1');
      }
    }

    const subsectionKeys = new Map<string, number>();
    const subsectionNames = new Map<string, { name: string; at: number }>();
    asArray(section.subsections).forEach((subsection, u) => {
      if (!isRecord(subsection)) return;
      const subsectionPath: IssuePath = [...sectionPath, 'subsections', u];
      const subsectionCode = asString(subsection.code);
      const name = englishOf(subsection.name);
      const category = englishOf(subsection.category);
      if (subsectionCode !== undefined && category !== undefined) {
        const key = `${subsectionCode}\u0000${category}`;
        const first = subsectionKeys.get(key);
        if (first !== undefined) {
          add(
            [...subsectionPath, 'category'],
            `${subsectionCode} already has the category "${category}" at ${toPointer([...sectionPath, 'subsections', first])}`
          );
        } else subsectionKeys.set(key, u);
      }
      if (subsectionCode !== undefined && name !== undefined) {
        const named = subsectionNames.get(subsectionCode);
        if (named && named.name !== name) {
          add(
            [...subsectionPath, 'name', 'en'],
            `must be "${named.name}" like ${toPointer([...sectionPath, 'subsections', named.at])}: subsections sharing the code ${subsectionCode} share their name`
          );
        } else if (!named) subsectionNames.set(subsectionCode, { name, at: u });
      }

      asArray(subsection.questions).forEach((question, q) => {
        if (!isRecord(question)) return;
        const path: IssuePath = [...subsectionPath, 'questions', q];
        const answer = isRecord(question.answer) ? question.answer : undefined;
        const entry: Entry = {
          id: asString(question.id),
          path,
          order: entries.length,
          step: asStep(question.step),
          answerType: asString(answer?.type),
          optionCodes: asArray(answer?.options).flatMap((o) => {
            const code = isRecord(o) ? asString(o.code) : undefined;
            return code === undefined ? [] : [code];
          }),
          question,
        };
        entries.push(entry);

        const match = entry.id === undefined ? null : questionIdPattern.exec(entry.id);
        if (match && sectionCode !== undefined && subsectionCode !== undefined) {
          if (match[1] !== sectionCode || match[2] !== subsectionCode) {
            add(
              [...path, 'id'],
              `must start with ${sectionCode}-${subsectionCode}-, the codes of its section and subsection`
            );
          }
        }
        if (entry.step !== undefined && sectionStep !== undefined && entry.step < sectionStep) {
          add([...path, 'step'], `must be at least ${sectionStep}, the Step its section enters at`);
        }
        const compliance = question.compliance;
        if (entry.step === 1 && !isProfile && compliance === undefined) {
          add(
            [...path, 'compliance'],
            'is missing: a Step 1 question outside the Facility Profile needs its Better Work compliance cluster and point'
          );
        }
        if (isRecord(compliance)) {
          const cluster = asString(compliance.cluster);
          const point = asString(compliance.point);
          const points =
            cluster === undefined
              ? undefined
              : (compliancePoints[cluster as ComplianceCluster] as readonly string[] | undefined);
          if (points && point !== undefined && !points.includes(point)) {
            add(
              [...path, 'compliance', 'point'],
              `is not a compliance point of ${cluster}: one of ${points.join('; ')}`
            );
          }
        }
        if (question.vccScope === true) {
          if (entry.step !== undefined && entry.step !== 1) {
            add(
              [...path, 'vccScope'],
              'must be false: only Step 1 questions are in the scope of a Virtual Compliance Check'
            );
          } else if (!isRecord(compliance)) {
            add(
              [...path, 'vccScope'],
              'must be false: a question in the VCC scope needs a compliance cluster and point'
            );
          }
        }
        answerIssues(question.answer, [...path, 'answer'], add);
        if (isRecord(question.lawOverlay)) {
          for (const country of lawOverlayCountries) {
            if (question.lawOverlay[country] === undefined) {
              add(
                [...path, 'lawOverlay', country],
                `is missing: every country with a Law Overlay (${countryName(country)}) needs an entry`
              );
            }
          }
          for (const country of Object.keys(question.lawOverlay)) {
            if (!betterWorkCountryProgrammes.some((programme) => programme.countryCode === country)) {
              add([...path, 'lawOverlay', country], `${country} is not a Better Work country programme`);
            }
          }
        }
      });
    });
  });

  if (Array.isArray(value.sections) && profileSections.length === 0) {
    add(['sections'], 'one section must be the Facility Profile (facilityProfile: true)');
  }
  for (const extra of profileSections.slice(1)) {
    add(
      ['sections', extra, 'facilityProfile'],
      `only one section can be the Facility Profile; it is section ${profileSections[0]}`
    );
  }

  const byId = new Map<string, Entry>();
  for (const entry of entries) {
    if (entry.id === undefined) continue;
    const first = byId.get(entry.id);
    if (first) {
      add(
        [...entry.path, 'id'],
        `${entry.id} is already the id of ${toPointer(first.path)}: ids must be unique in a version`
      );
    } else byId.set(entry.id, entry);
  }
  for (const entry of entries) conditionIssues(entry, byId, add);
  return issues;
}
