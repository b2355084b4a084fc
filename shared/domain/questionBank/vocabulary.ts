// The fixed vocabulary of a question bank ("The question bank" in the domain spec): languages, the three
// cumulative Steps, the id patterns, Better Work's compliance clusters and points (R15), and the countries
// that need a law overlay. Pure data; the zod schema (shared/schemas/questionBank.ts) and the consistency
// checks build on it.
import { betterWorkCountryProgrammes } from '../countryProgrammes';

/** English first: every text has it, and every other language falls back to it. */
export const questionBankLanguages = ['en', 'bn', 'id', 'vi'] as const;
export type Language = (typeof questionBankLanguages)[number];

export const stepNumbers = [1, 2, 3] as const;
export type StepNumber = (typeof stepNumbers)[number];

/** Steps are cumulative: Step 2 contains Step 1, Step 3 contains both. Step 1 is the default (R11). */
export const stepNames = { 1: 'Essential', 2: 'Progressive', 3: 'Advanced' } as const satisfies Record<
  StepNumber,
  string
>;
export type StepName = (typeof stepNames)[StepNumber];

export const questionBankToolId = 'caf';

/** A version `major.minor.patch` without leading zeros, e.g. 1.4.0. */
export const toolVersionPattern = /^(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$/;
/** Question ids: SECTION-SUBTOPIC-n, e.g. FP-BAS-26. */
export const questionIdPattern = /^([A-Z]{2,3})-([A-Z]{3})-([1-9][0-9]{0,3})$/;
export const sectionCodePattern = /^[A-Z]{2,3}$/;
export const subsectionCodePattern = /^[A-Z]{3}$/;
/** Option codes are stable across versions and translations: what an answer stores. */
export const optionCodePattern = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;

/** Better Work's Compliance Assessment Tool: 8 clusters, each with its compliance points (R15). */
export const compliancePoints = {
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
} as const satisfies Record<string, readonly string[]>;

export type ComplianceCluster = keyof typeof compliancePoints;
export const complianceClusters = Object.keys(compliancePoints) as [ComplianceCluster, ...ComplianceCluster[]];

/** The countries whose programme has a Law Overlay (the launched ones: BD, ID, VN): every question needs an entry. */
export const lawOverlayCountries: readonly string[] = betterWorkCountryProgrammes
  .filter((programme) => programme.lawOverlay !== null)
  .map((programme) => programme.countryCode);

/** Limits that keep one question well below any storage limit, however many languages it carries. */
export const textLimits = { text: 1000, guidance: 4000, overlay: 2000, label: 300, unit: 60 } as const;

/** Orders versions numerically (1.10.0 after 1.9.0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
