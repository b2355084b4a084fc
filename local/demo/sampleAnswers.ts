// Valid answers built from a question's answer type (as the question bank or the question view gives it),
// for the scripted factory managers of the demo, the benchmarks and the API tests. Pure.

export interface AnswerTypeLike {
  type: 'yesNo' | 'number' | 'date' | 'text' | 'singleChoice' | 'multipleChoice';
  min?: number | undefined;
  max?: number | undefined;
  integer?: boolean | undefined;
  maxLength?: number | undefined;
  options?: readonly { code: string }[] | undefined;
}

export type SampleValue = boolean | number | string | string[];

/** A plausible valid answer: yes, the smallest number allowed (at least 1 where allowed), a date, a short text, the first option(s). */
export function sampleAnswer(answer: AnswerTypeLike, day = '2026-01-15'): SampleValue {
  switch (answer.type) {
    case 'yesNo':
      return true;
    case 'number': {
      const min = answer.min ?? 0;
      const max = answer.max ?? Math.max(min, 1) + 100;
      return Math.min(max, Math.max(min, 1));
    }
    case 'date':
      return day;
    case 'text':
      return 'As recorded in the factory register'.slice(0, Math.max(1, answer.maxLength ?? 40));
    case 'singleChoice':
      return answer.options![0]!.code;
    case 'multipleChoice':
      return answer.options!.slice(0, Math.min(2, answer.options!.length)).map((o) => o.code);
  }
}

/** Values that must be refused for this answer type, each with what is wrong with it. */
export function invalidAnswers(answer: AnswerTypeLike): { value: unknown; why: string }[] {
  const wrongType = answer.type === 'yesNo' ? 'yes' : answer.type === 'number' ? '12' : 12;
  const bad: { value: unknown; why: string }[] = [{ value: wrongType, why: 'wrong type' }];
  if (answer.type === 'number' && answer.max !== undefined)
    bad.push({ value: answer.max + 1, why: 'above the maximum' });
  if (answer.type === 'number' && answer.min !== undefined)
    bad.push({ value: answer.min - 1, why: 'below the minimum' });
  if (answer.type === 'date') bad.push({ value: '2026-02-30', why: 'not a calendar day' });
  if (answer.type === 'text')
    bad.push({ value: 'x'.repeat((answer.maxLength ?? 1) + 1), why: 'over its length limit' });
  if (answer.type === 'singleChoice') bad.push({ value: 'notAnOption', why: 'not an option of the list' });
  if (answer.type === 'multipleChoice') {
    const first = answer.options![0]!.code;
    bad.push({ value: [first, 'notAnOption'], why: 'an option not in the list' });
    bad.push({ value: [first, first], why: 'the same option twice' });
  }
  return bad;
}
