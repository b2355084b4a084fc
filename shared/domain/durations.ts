// The durations the rules speak of, each declared once, as ISO 8601 (added on the UTC calendar).
// Rules read them through `addRuleDuration` / `subtractRuleDuration`, never with their own arithmetic.
import { addIsoDuration, parseIsoDuration, subtractIsoDuration, type IsoDuration } from './isoDuration';

export const ruleDurations = {
  /** R10: a Terms & Conditions signature lasts one year ("signature is on an annual basis", G: D). */
  termsValidity: 'P1Y',
  /** R7: an invitation link to set up the factory account expires after seven days. */
  invitationValidity: 'P7D',
  /** R3: the preference reminder goes out two calendar months before the running cycle ends (G: A). */
  preferenceReminderLead: 'P2M',
  /** R9: the Gateway approves a registration within three days; later than that, chase. */
  gatewayApprovalWait: 'P3D',
  /** R10: the factory manager is reminded this long before the T&C signature expires. */
  termsExpiryReminderLead: 'P30D',
  /** R16: the report is released within 28 days after the assessment. */
  releaseDeadline: 'P28D',
  /** R16: staff are reminded this long before the release deadline. */
  releaseReminderLead: 'P7D',
  /** R18: SLCP validates the data 15 days after release; sharing is then enabled. */
  validationDelay: 'P15D',
  /** R25 / Better Work practice: Progress Report 1 is due 30 days after the report's release. */
  progressReportDue: 'P30D',
  /** The factory manager is reminded this long before Progress Report 1 is due. */
  progressReportReminderLead: 'P7D',
} as const satisfies Record<string, string>;

export type RuleDurationName = keyof typeof ruleDurations;

const parsed = new Map<RuleDurationName, IsoDuration>();

/** The duration `name` as parsed; a declaration that is not ISO 8601 fails loudly on first use. */
export function ruleDuration(name: RuleDurationName): IsoDuration {
  let duration = parsed.get(name);
  if (!duration) {
    duration = parseIsoDuration(ruleDurations[name]);
    if (!duration) throw new Error(`ruleDurations.${name} (${ruleDurations[name]}) is not an ISO 8601 duration`);
    parsed.set(name, duration);
  }
  return duration;
}

/** `from` plus the rule duration `name`, on the UTC calendar (P1Y from 29 February is 28 February). */
export function addRuleDuration(from: Date, name: RuleDurationName): Date {
  return addIsoDuration(from, ruleDuration(name));
}

/** `from` minus the rule duration `name`, on the UTC calendar (P2M before 30 April is the last day of February). */
export function subtractRuleDuration(from: Date, name: RuleDurationName): Date {
  return subtractIsoDuration(from, ruleDuration(name));
}
