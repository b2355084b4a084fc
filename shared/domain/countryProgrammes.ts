// Better Work country programmes and the launch of SLCP data sharing in each ("Country programmes", G: Scope).
// Bangladesh and Indonesia launched on 2021-05-31, Vietnam on 2021-06-30, each with a Law Overlay (FAQ 2, 4);
// the other Better Work countries have no launch, and every SLCP action there is refused with the reason.
// Stored in the `countryProgrammes` container (partition = country code), with their audit trail beside them.
import { RuleViolationError, ValidationError } from './errors';
import type { StoredDocument } from '../ports/documentStore';

export const countryCodePattern = /^[A-Z]{2}$/;
/** A calendar date, `YYYY-MM-DD`. */
export const calendarDatePattern = /^\d{4}-\d{2}-\d{2}$/;

/** The rule name that refusals of this module carry (problem `rule`). */
export const countryProgrammesRule = 'Country programmes';

export interface LawOverlay {
  /** The id of the law overlay of the question bank for this country. */
  reference: string;
  title: string;
}

export interface CountryProgramme {
  countryCode: string;
  name: string;
  /** The day SLCP data sharing starts in this country (UTC); null: not launched. */
  slcpLaunchDate: string | null;
  /** Per-question guidance on national law and international labour standards (FAQ 2, 4). */
  lawOverlay: LawOverlay | null;
}

export interface CountryProgrammeDocument extends StoredDocument, CountryProgramme {
  type: 'countryProgramme';
  id: string;
  updatedAt: string;
}

/** An audit event of a country programme, in its partition (who changed what, before → after). */
export interface CountryProgrammeAuditDocument extends StoredDocument {
  type: 'audit';
  id: string;
  countryCode: string;
  at: string;
  actor: { userId: string; roles: string[] };
  action: string;
  before: CountryProgramme;
  after: CountryProgramme;
}

export function countryProgrammeDocId(countryCode: string): string {
  return `programme-${countryCode}`;
}

/** The Better Work country programmes as they were set up (what a new database starts from). */
export const betterWorkCountryProgrammes: readonly CountryProgramme[] = [
  {
    countryCode: 'BD',
    name: 'Bangladesh',
    slcpLaunchDate: '2021-05-31',
    lawOverlay: { reference: 'law-overlay-BD', title: 'Bangladesh Labour Act 2006 and Bangladesh Labour Rules 2015' },
  },
  {
    countryCode: 'ID',
    name: 'Indonesia',
    slcpLaunchDate: '2021-05-31',
    lawOverlay: { reference: 'law-overlay-ID', title: 'Indonesian Manpower Law No. 13/2003 and its regulations' },
  },
  {
    countryCode: 'VN',
    name: 'Vietnam',
    slcpLaunchDate: '2021-06-30',
    lawOverlay: { reference: 'law-overlay-VN', title: 'Labour Code of Vietnam 2019 and its decrees' },
  },
  { countryCode: 'KH', name: 'Cambodia', slcpLaunchDate: null, lawOverlay: null },
  { countryCode: 'JO', name: 'Jordan', slcpLaunchDate: null, lawOverlay: null },
  { countryCode: 'HT', name: 'Haiti', slcpLaunchDate: null, lawOverlay: null },
  { countryCode: 'NI', name: 'Nicaragua', slcpLaunchDate: null, lawOverlay: null },
  { countryCode: 'EG', name: 'Egypt', slcpLaunchDate: null, lawOverlay: null },
  { countryCode: 'ET', name: 'Ethiopia', slcpLaunchDate: null, lawOverlay: null },
  { countryCode: 'PK', name: 'Pakistan', slcpLaunchDate: null, lawOverlay: null },
  { countryCode: 'LK', name: 'Sri Lanka', slcpLaunchDate: null, lawOverlay: null },
];

export function isBetterWorkCountry(countryCode: string): boolean {
  return betterWorkCountryProgrammes.some((p) => p.countryCode === countryCode);
}

export function defaultCountryProgramme(countryCode: string): CountryProgramme | undefined {
  const found = betterWorkCountryProgrammes.find((p) => p.countryCode === countryCode);
  return found ? { ...found, lawOverlay: found.lawOverlay ? { ...found.lawOverlay } : null } : undefined;
}

/** The day (UTC) of an instant, as `YYYY-MM-DD`. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export type LaunchState = { launched: true } | { launched: false; reason: string };

/** Whether SLCP data sharing runs in this country at `now`, and why not. */
export function slcpLaunchState(programme: CountryProgramme, now: Date): LaunchState {
  const where = `${programme.name} (${programme.countryCode})`;
  if (programme.slcpLaunchDate === null) {
    return {
      launched: false,
      reason: `SLCP data sharing is not launched in ${where}: the Better Work country programme has no launch date.`,
    };
  }
  if (utcDay(now) < programme.slcpLaunchDate) {
    return {
      launched: false,
      reason: `SLCP data sharing in ${where} launches on ${programme.slcpLaunchDate}; it is not available before then.`,
    };
  }
  return { launched: true };
}

export function isSlcpLaunched(programme: CountryProgramme, now: Date): boolean {
  return slcpLaunchState(programme, now).launched;
}

/** Refuses (422, rule "Country programmes") any SLCP action in a country where data sharing does not run. */
export function assertSlcpLaunched(programme: CountryProgramme, now: Date): void {
  const state = slcpLaunchState(programme, now);
  if (!state.launched) throw new RuleViolationError(countryProgrammesRule, state.reason);
}

/** A real calendar day (not 2021-02-30). */
export function isCalendarDate(value: string): boolean {
  if (!calendarDatePattern.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && utcDay(date) === value;
}

/** The programme with its launch date set (a day) or withdrawn (null). */
export function withLaunchDate(programme: CountryProgramme, launchDate: string | null): CountryProgramme {
  if (launchDate !== null && !isCalendarDate(launchDate)) {
    throw new ValidationError('The launch date is not a calendar date.', [
      { pointer: '/launchDate', detail: 'must be a date YYYY-MM-DD, or null to withdraw the launch' },
    ]);
  }
  return { ...programme, slcpLaunchDate: launchDate };
}

/** The plain programme out of its stored document. */
export function programmeOf(doc: CountryProgramme): CountryProgramme {
  return {
    countryCode: doc.countryCode,
    name: doc.name,
    slcpLaunchDate: doc.slcpLaunchDate,
    lawOverlay: doc.lawOverlay ? { reference: doc.lawOverlay.reference, title: doc.lawOverlay.title } : null,
  };
}

export function countryProgrammeDocument(programme: CountryProgramme, now: string): CountryProgrammeDocument {
  return {
    ...programmeOf(programme),
    id: countryProgrammeDocId(programme.countryCode),
    type: 'countryProgramme',
    updatedAt: now,
  };
}
