// Assembles data/question-banks/caf-<version>.json from the hand-written lists beside this file:
//   node scripts/question-bank/build-question-banks.mjs
// The committed JSON files are the source of truth: the app bundles them and test/unit/questionBank.test.ts
// validates them; this script is only a convenience for writing them and is never needed at run time.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { facilityProfile } from './content-profile.mjs';
import { recruitment, wages, workingHours } from './content-labour.mjs';
import { healthSafety, involvement, termination, treatment } from './content-workplace.mjs';
import { aboveAndBeyond, managementSystems } from './content-beyond.mjs';
import { lawOverlays } from './law-overlays.mjs';
import { translations } from './translations.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(root, 'data', 'question-banks');

const versions = [
  { version: '1.4.0', publishedOn: '2021-05-01' },
  { version: '1.5.0', publishedOn: '2022-09-01' },
];

const sections = [
  facilityProfile,
  recruitment,
  workingHours,
  wages,
  treatment,
  involvement,
  healthSafety,
  termination,
  managementSystems,
  aboveAndBeyond,
];

const languages = ['en', 'bn', 'id', 'vi'];
const overlayCountries = ['BD', 'ID', 'VN'];

/** The Better Work compliance points by cluster (the same catalogue as shared/domain/questionBank/vocabulary.ts). */
const clusters = {
  'Child Labour': [
    'Child Labourers',
    'Documentation and Protection of Young Workers',
    'Hazardous Work and Other Worst Forms',
    'Unconditional Worst Forms',
  ],
  'Forced Labour': ['Bonded Labour', 'Coercion', 'Forced Labour and Overtime', 'Prison Labour'],
  Discrimination: ['Gender', 'Race and Origin', 'Religion and Political Opinion', 'Other Grounds'],
  'Freedom of Association and Collective Bargaining': [
    'Collective Bargaining',
    'Freedom to Associate',
    'Interference and Discrimination',
    'Strikes',
    'Union Operations',
  ],
  'Contracts & Human Resources': [
    'Contracting Procedures',
    'Dialogue, Discipline and Disputes',
    'Employment Contracts',
    'Termination',
  ],
  'Working Time': ['Leave', 'Overtime', 'Regular Hours'],
  'Compensation & Benefits': [
    'Method of Payment',
    'Minimum Wages/Piece Rate Wages',
    'Overtime Wages',
    'Paid Leave',
    'Premium Pay',
    'Social Security and Other Benefits',
    'Wage Information, Use and Deduction',
  ],
  'Occupational Safety and Health': [
    'Chemicals and Hazardous Substances',
    'Emergency Preparedness',
    'Health Services and First Aid',
    'OSH Management Systems',
    'Welfare Facilities',
    'Worker Accommodation',
    'Worker Protection',
    'Working Environment',
  ],
};
const clusterOf = new Map(Object.entries(clusters).flatMap(([cluster, points]) => points.map((p) => [p, cluster])));

const steps = [
  { step: 1, name: 'Essential', description: 'Sections 1 to 8: the questions every self-assessment answers.' },
  {
    step: 2,
    name: 'Progressive',
    description: 'Adds section 9 and code-of-conduct style questions in sections 2 to 8.',
  },
  { step: 3, name: 'Advanced', description: 'Adds section 10: practices beyond compliance.' },
];

/** A translatable text: English plus every translation the dictionary has. */
function tx(en, { required = false } = {}) {
  const found = translations[en];
  if (required && !found) throw new Error(`no translation for "${en}"`);
  const text = { en };
  if (found) languages.slice(1).forEach((lang, i) => found[i] && (text[lang] = found[i]));
  return text;
}

const versionAtLeast = (version, than) => {
  const a = version.split('.').map(Number);
  const b = than.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
};

const inVersion = (q, version) =>
  (!q.since || versionAtLeast(version, q.since)) && (!q.removedIn || !versionAtLeast(version, q.removedIn));

/** The question's wording in a version: the latest rewording at or before it, else the original. */
const textIn = (q, version) =>
  Object.entries(q.reword ?? {})
    .filter(([since]) => versionAtLeast(version, since))
    .map(([, text]) => text)
    .reduce((_previous, text) => text, q.text);

/** Numbers every question once for all versions: older ones in list order, later additions after them. */
function numberQuestions() {
  const counters = new Map();
  const next = (prefix) => {
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    return `${prefix}-${n}`;
  };
  const all = sections.flatMap((s) => s.subsections.flatMap((sub) => sub.questions.map((q) => ({ s, sub, q }))));
  for (const { s, sub, q } of all) if (!q.since) q.id = next(`${s.code}-${sub.code}`);
  for (const { s, sub, q } of all) if (q.since) q.id = next(`${s.code}-${sub.code}`);
}

function answerOf(answer) {
  switch (answer.type) {
    case 'number':
      return { ...answer, unit: tx(answer.unit) };
    case 'singleChoice':
    case 'multipleChoice':
      return { ...answer, options: answer.options.map((o) => ({ code: o.code, label: tx(o.label) })) };
    default:
      return answer;
  }
}

function buildVersion({ version, publishedOn }) {
  const byKey = new Map();
  const outSections = sections.map((s) => ({
    number: s.number,
    code: s.code,
    title: tx(s.title, { required: true }),
    step: s.step,
    ...(s.facilityProfile ? { facilityProfile: true } : {}),
    subsections: s.subsections
      .map((sub) => ({
        code: sub.code,
        name: tx(sub.name, { required: true }),
        category: tx(sub.category, { required: true }),
        questions: sub.questions
          .filter((q) => inVersion(q, version))
          .map((q) => {
            const d = sub.defaults;
            const step = q.step ?? s.step;
            const where = `${version} ${q.id}`;
            const guidance = q.g ?? d.g;
            if (!guidance) throw new Error(`${where}: no guidance`);
            const topic = q.law ?? d.law;
            const overlay = lawOverlays[topic];
            if (!overlay) throw new Error(`${where}: no law overlay topic "${topic}"`);
            const point = step === 1 && !s.facilityProfile ? (q.c ?? d.c) : undefined;
            if (step === 1 && !s.facilityProfile && !clusterOf.has(point))
              throw new Error(`${where}: unknown compliance point "${point}"`);
            const vcc = point !== undefined && (q.vcc ?? d.vcc ?? false);
            let condition;
            if (q.when) {
              const [key, operator, value] = q.when;
              const target = byKey.get(key);
              if (!target) throw new Error(`${where}: the condition names "${key}", not an earlier question`);
              condition = { questionId: target.id, [operator]: value };
            }
            const text = textIn(q, version);
            const out = {
              id: q.id,
              step,
              text: tx(text),
              answer: answerOf(q.answer),
              guidance: tx(guidance),
              bipartiteDialogue: q.bp ?? d.bp ?? false,
              vccScope: vcc,
              ...(point ? { compliance: { cluster: clusterOf.get(point), point } } : {}),
              ...(condition ? { condition } : {}),
              lawOverlay: Object.fromEntries(overlayCountries.map((c) => [c, { en: overlay[c] }])),
            };
            if (q.key) byKey.set(q.key, out);
            return out;
          }),
      }))
      .filter((sub) => sub.questions.length > 0),
  }));
  return {
    toolId: 'caf',
    version,
    title: tx('Self-assessment question bank (Better Work, SLCP structure)', { required: true }),
    publishedOn,
    languages,
    steps: steps.map((s) => ({
      step: s.step,
      name: s.name,
      title: tx(s.name, { required: true }),
      description: tx(s.description, { required: true }),
    })),
    sections: outSections,
  };
}

numberQuestions();
const config = (await prettier.resolveConfig(join(outDir, 'x.json'))) ?? {};
for (const v of versions) {
  const tool = buildVersion(v);
  const file = join(outDir, `caf-${v.version}.json`);
  writeFileSync(file, await prettier.format(JSON.stringify(tool), { ...config, parser: 'json' }));
  const questions = tool.sections.flatMap((s) => s.subsections.flatMap((sub) => sub.questions));
  console.log(`${file}: ${questions.length} questions, ${questions.filter((q) => q.step === 1).length} in Step 1`);
}
