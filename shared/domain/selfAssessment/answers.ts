// R12: an answer is validated against its question's type and bounds before it is taken. Pure.
import type { AnswerSpec, AnswerValue } from './plan';

export interface FieldProblem {
  pointer: string;
  detail: string;
}

/** Comments are optional and short; the answer itself carries the data. */
export const commentMaxLength = 1000;

const isCalendarDate = (value: string): boolean => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
};

/** Characters as people count them (code points), not UTF-16 units. */
export const textLength = (value: string): number => [...value].length;

const describe = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'a list'
      : typeof value === 'object'
        ? 'an object'
        : `a ${typeof value}`;

/**
 * The problems of `value` as an answer of this type (empty when valid); `pointer` is where the value is in
 * the request. Text is taken as written (no trimming), but blank text is no answer.
 */
export function answerProblems(spec: AnswerSpec, value: unknown, pointer = '/value'): FieldProblem[] {
  const problem = (detail: string, at = pointer): FieldProblem[] => [{ pointer: at, detail }];
  switch (spec.type) {
    case 'yesNo':
      return typeof value === 'boolean' ? [] : problem(`must be true (yes) or false (no), not ${describe(value)}`);
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value))
        return problem(`must be a number, not ${describe(value)}`);
      const unit = spec.unit ? ` ${spec.unit}` : '';
      if (spec.integer && !Number.isInteger(value)) return problem(`must be a whole number${unit ? ` of${unit}` : ''}`);
      if (spec.min !== undefined && value < spec.min) return problem(`must be at least ${spec.min}${unit}`);
      if (spec.max !== undefined && value > spec.max) return problem(`must be at most ${spec.max}${unit}`);
      return [];
    }
    case 'date':
      return typeof value === 'string' && isCalendarDate(value) ? [] : problem('must be a date YYYY-MM-DD');
    case 'text': {
      if (typeof value !== 'string') return problem(`must be text, not ${describe(value)}`);
      if (value.trim() === '') return problem('must not be blank');
      const length = textLength(value);
      return length > spec.maxLength ? problem(`must be at most ${spec.maxLength} characters (it has ${length})`) : [];
    }
    case 'singleChoice': {
      const codes = spec.options.map((o) => o.code);
      if (typeof value !== 'string') return problem(`must be one option code, not ${describe(value)}`);
      return codes.includes(value) ? [] : problem(`"${value}" is not an option; the options are ${codes.join(', ')}`);
    }
    case 'multipleChoice': {
      const codes = spec.options.map((o) => o.code);
      if (!Array.isArray(value)) return problem(`must be a list of option codes, not ${describe(value)}`);
      if (value.length === 0) return problem('must name at least one option');
      const problems: FieldProblem[] = [];
      const seen = new Set<unknown>();
      value.forEach((item: unknown, i) => {
        const at = `${pointer}/${i}`;
        if (typeof item !== 'string')
          problems.push({ pointer: at, detail: `must be an option code, not ${describe(item)}` });
        else if (!codes.includes(item))
          problems.push({ pointer: at, detail: `"${item}" is not an option; the options are ${codes.join(', ')}` });
        else if (seen.has(item)) problems.push({ pointer: at, detail: `"${item}" is named twice` });
        seen.add(item);
      });
      return problems;
    }
  }
}

export function isValidAnswer(spec: AnswerSpec, value: unknown): value is AnswerValue {
  return answerProblems(spec, value).length === 0;
}
