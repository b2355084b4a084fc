// R10: the factory profile ("Profile Info", G: D) and the Terms & Conditions signature. The profile is
// "100 % complete" only when every counted field is filled and the signature is less than one year old.
// Pure: time is passed in.
import { z } from 'zod';
import { addRuleDuration } from '../durations';
import { ValidationError } from '../errors';
import type { FactoryDocument } from './factory';

/** No control characters (line breaks, NUL, DEL ...) in one-line fields. */
function withoutControlCharacters(value: string): boolean {
  for (const char of value) {
    const code = char.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

function text(max: number) {
  return z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine(withoutControlCharacters, 'must not contain control characters');
}

const email = z.string().trim().max(254, 'must be at most 254 characters').pipe(z.email('must be an email address'));

/** Digits, spaces and dashes, 6 to 15 digits (E.164 allows 15 with the country code). */
const phoneNumber = z
  .string()
  .trim()
  .regex(/^[0-9][0-9 -]*[0-9]$/, 'must be digits, spaces and dashes')
  .refine((v) => {
    const digits = v.replace(/[^0-9]/g, '').length;
    return digits >= 6 && digits <= 15;
  }, 'must have 6 to 15 digits');

/** An Open Supply Hub id, e.g. BD2019085NWMQ4H. */
export const osHubIdSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}[0-9A-Z]{8,20}$/, 'must be an Open Supply Hub ID such as BD2019085NWMQ4H');

/** Every field of the profile and what a valid value is. */
export const profileFieldSchemas = {
  facilityName: text(200),
  address: text(500),
  city: text(100),
  postalCode: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$/, 'must be 2 to 12 letters, digits, spaces or dashes'),
  phoneCountryCode: z
    .string()
    .trim()
    .regex(/^\+[1-9]\d{0,3}$/, 'must be a country calling code such as +880'),
  phoneNumber,
  facilityEmail: email,
  fax: phoneNumber,
  contactPersonName: text(200),
  contactPersonTitle: text(200),
  contactEmail: email,
  totalWorkers: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1_000_000),
  femaleWorkers: z.number().int('must be a whole number').min(0, 'must not be negative').max(1_000_000),
  products: text(500),
  osHubId: osHubIdSchema,
} as const;

export type ProfileFieldName = keyof typeof profileFieldSchemas;
export type ProfileFields = { [K in ProfileFieldName]?: z.output<(typeof profileFieldSchemas)[K]> };

/** The fields that count towards "100 % complete" (R10), in the order the portal shows them. */
export const countedProfileFields = [
  'facilityName',
  'address',
  'city',
  'postalCode',
  'phoneCountryCode',
  'phoneNumber',
  'facilityEmail',
  'contactPersonName',
  'contactPersonTitle',
  'contactEmail',
  'totalWorkers',
  'femaleWorkers',
  'products',
] as const satisfies readonly ProfileFieldName[];

/** Shown and kept, but not required: a fax is rare today, and the OS Hub ID is only held when there is one. */
export const optionalProfileFields = ['fax', 'osHubId'] as const satisfies readonly ProfileFieldName[];

/** What `missing` names when the T&C signature is absent or older than a year. */
export const termsRequirement = 'termsAndConditions';

export const profileFieldNames = Object.keys(profileFieldSchemas) as ProfileFieldName[];

/**
 * The profile as one record. The name, address and OS Hub ID are the factory's own (one value for the
 * registration and the profile); the other fields live in `factory.profile`.
 */
export function profileFieldsOf(factory: FactoryDocument): ProfileFields {
  const fields: Record<string, unknown> = {};
  for (const name of profileFieldNames) {
    const value = storedValue(factory, name);
    if (isFilled(value)) fields[name] = value;
  }
  return fields as ProfileFields;
}

function storedValue(factory: FactoryDocument, name: ProfileFieldName): unknown {
  switch (name) {
    case 'facilityName':
      return factory.name;
    case 'address':
      return factory.address;
    case 'osHubId':
      return factory.osHubId;
    default:
      return factory.profile[name];
  }
}

function isFilled(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (typeof value === 'number') return Number.isFinite(value);
  return false;
}

/** A change of the profile: a value sets a field; null clears an optional one. */
export type ProfileChanges = { [K in ProfileFieldName]?: z.output<(typeof profileFieldSchemas)[K]> | null };

/**
 * The factory with these profile changes applied. Each value has been validated on its own; here the
 * fields are checked together (female workers at most the total) and a counted field cannot be cleared.
 */
export function applyProfileChanges(factory: FactoryDocument, changes: ProfileChanges): FactoryDocument {
  const errors: { pointer: string; detail: string }[] = [];
  const next: FactoryDocument = { ...factory, profile: { ...factory.profile } };
  for (const [name, value] of Object.entries(changes) as [ProfileFieldName, unknown][]) {
    if (value === undefined) continue;
    if (value === null && !(optionalProfileFields as readonly string[]).includes(name)) {
      errors.push({ pointer: `/${name}`, detail: 'is required for a complete profile and cannot be cleared' });
      continue;
    }
    switch (name) {
      case 'facilityName':
        next.name = value as string;
        break;
      case 'address':
        next.address = value as string;
        break;
      case 'osHubId':
        next.osHubId = value === null ? undefined : (value as string);
        break;
      default:
        if (value === null) delete next.profile[name];
        else next.profile[name] = value;
    }
  }
  const merged = profileFieldsOf(next);
  if (
    merged.totalWorkers !== undefined &&
    merged.femaleWorkers !== undefined &&
    merged.femaleWorkers > merged.totalWorkers
  ) {
    errors.push({
      pointer: changes.femaleWorkers !== undefined ? '/femaleWorkers' : '/totalWorkers',
      detail: `female workers (${merged.femaleWorkers}) cannot exceed total workers (${merged.totalWorkers})`,
    });
  }
  if (errors.length > 0) throw new ValidationError('The profile is not valid.', errors);
  return next;
}

/** The day a signature stops counting (R10: one year after it was made). */
export function termsValidUntil(terms: NonNullable<FactoryDocument['terms']>): Date {
  return addRuleDuration(new Date(terms.signedAt), 'termsValidity');
}

/** R10: the T&C signature counts while it is less than one year old. */
export function termsCurrent(factory: FactoryDocument, now: Date): boolean {
  return factory.terms !== undefined && now.getTime() < termsValidUntil(factory.terms).getTime();
}

export interface ProfileCompletion {
  /** Whole percent of the counted fields plus the signature; 100 only when complete. */
  percent: number;
  /** Counted fields not filled, then `termsAndConditions` when the signature is absent or expired. */
  missing: string[];
  termsCurrent: boolean;
  /** When the current signature stops counting; null without one. */
  termsValidUntil: string | null;
  /** R10: every counted field filled and a signature less than one year old ("100 % complete"). */
  complete: boolean;
}

export function profileCompletion(factory: FactoryDocument, now: Date): ProfileCompletion {
  const fields = profileFieldsOf(factory);
  const missing: string[] = countedProfileFields.filter((name) => fields[name] === undefined);
  const current = termsCurrent(factory, now);
  if (!current) missing.push(termsRequirement);
  const requirements = countedProfileFields.length + 1;
  const met = requirements - missing.length;
  return {
    percent: Math.floor((met * 100) / requirements),
    missing,
    termsCurrent: current,
    termsValidUntil: factory.terms ? termsValidUntil(factory.terms).toISOString() : null,
    complete: missing.length === 0,
  };
}

/** R10: the factory manager signs the Terms & Conditions; a new signature restarts the year. */
export function signTerms(factory: FactoryDocument, by: { userId: string; now: Date }): FactoryDocument {
  return { ...factory, terms: { signedAt: by.now.toISOString(), signedBy: by.userId } };
}
