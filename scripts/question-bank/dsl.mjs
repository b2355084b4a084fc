// The small vocabulary the hand-written question lists (content-*.mjs) are written in. Only
// build-question-banks.mjs reads them; the committed JSON files under data/question-banks are the source
// of truth and nothing reads these scripts at run time.
//
// A question is written without its id: ids (SECTION-SUBTOPIC-n) are numbered per subtopic code in the
// order of the list, so they stay stable across versions: a question removed in a later version keeps
// its number (`removedIn`), a question added later (`since`) is numbered after every older question of
// its subtopic. Conditions name an earlier question by a `key`, never by a number.

/**
 * Options every question helper takes:
 * - g: guidance notes (else the subsection's)
 * - bp: marked for bipartite dialogue (R12); vcc: in the scope of a Virtual Compliance Check (R15)
 * - c: the Better Work compliance point (its cluster follows from it)
 * - key: a name other questions' conditions use; when: [key, 'equals' | 'includes' | 'greaterThan', value]
 * - step: the Step the question enters at (else its section's)
 * - law: the law overlay topic (else the subsection's)
 * - since / removedIn: the tool version that adds / removes it; reword: { version: text }
 * - unit, min, max, integer (numbers); maxLength (text)
 */
function question(answer, text, o = {}) {
  return { text, answer, ...o };
}

export const yn = (text, o) => question({ type: 'yesNo' }, text, o);

export const num = (text, unit, min, max, o = {}) =>
  question(
    {
      type: 'number',
      unit,
      integer: o.integer ?? true,
      ...(min === undefined ? {} : { min }),
      ...(max === undefined ? {} : { max }),
    },
    text,
    o
  );

export const pct = (text, o = {}) => num(text, 'percent', 0, 100, { integer: false, ...o });

export const date = (text, o) => question({ type: 'date' }, text, o);

export const txt = (text, maxLength, o) => question({ type: 'text', maxLength }, text, o);

const options = (list) => list.map(([code, label]) => ({ code, label }));

export const one = (text, list, o) => question({ type: 'singleChoice', options: options(list) }, text, o);

export const many = (text, list, o) => question({ type: 'multipleChoice', options: options(list) }, text, o);

export const sub = (code, name, category, defaults, questions) => ({ code, name, category, defaults, questions });

export const section = (number, code, title, step, o, subsections) => ({
  number,
  code,
  title,
  step,
  ...o,
  subsections,
});
