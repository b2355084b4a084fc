// The enrolment API's request and response schemas (country programmes, factories, cycles, invitations,
// profile, audit) and the mapping of the domain to the responses. They validate and document the API.
import type { ZodRawShape } from 'zod';
import { z } from '../http/openapi';
import { countryCodePattern, isSlcpLaunched, type CountryProgramme } from '../domain/countryProgrammes';
import { currentCycleOf } from '../domain/factory/cycles';
import type { AuditEventDocument, CycleEntry, FactoryDocument } from '../domain/factory/factory';
import {
  optionalProfileFields,
  profileCompletion,
  profileFieldSchemas,
  profileFieldsOf,
  termsCurrent,
  termsValidUntil,
  type ProfileFieldName,
} from '../domain/factory/profile';

/**
 * A request object that refuses fields it does not know, each reported at its own pointer (`/foo`), rather
 * than one issue at the root.
 */
export function closedObject<S extends ZodRawShape>(shape: S) {
  return z.preprocess((input, ctx) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
    const known: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) {
      if (Object.hasOwn(shape, key)) known[key] = value;
      else ctx.issues.push({ code: 'custom', path: [key], message: 'is not a field of this request', input });
    }
    return known;
  }, z.strictObject(shape));
}

const calendarDate = z.iso.date({ error: 'must be a date YYYY-MM-DD' });
const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ error: 'must be an email address' }));

// ---------------------------------------------------------------------------------------------------
// Path and query
// ---------------------------------------------------------------------------------------------------

export const countryCodeParams = z.object({
  countryCode: z
    .string()
    .regex(countryCodePattern, 'must be a two-letter country code such as BD')
    .openapi({ example: 'BD' }),
});

/** Malformed ids are answered like unknown ones (404) by the use cases, so any short text passes here. */
export const factoryIdParams = z.object({
  factoryId: z.string().min(1).max(64).openapi({ example: 'BD-7KQ2M9XA' }),
});

export const pageQuery = z.object({
  continuation: z.string().min(1).max(4096).optional().openapi({ description: 'From the previous page' }),
  pageSize: z.coerce.number().int().min(1).max(100).default(50),
});

// ---------------------------------------------------------------------------------------------------
// Country programmes
// ---------------------------------------------------------------------------------------------------

export const countryProgrammeView = z
  .object({
    countryCode: z.string(),
    name: z.string(),
    slcpLaunchDate: calendarDate.nullable(),
    /** Whether SLCP data sharing runs there today. */
    slcpLaunched: z.boolean(),
    lawOverlay: z.object({ reference: z.string(), title: z.string() }).nullable(),
  })
  .openapi('CountryProgramme');

export const countryProgrammeList = z.object({ items: z.array(countryProgrammeView) });

export const setLaunchBody = closedObject({
  launchDate: calendarDate.nullable().openapi({ description: 'The day SLCP data sharing starts; null withdraws it' }),
});

export function toCountryProgrammeView(programme: CountryProgramme, now: Date): z.infer<typeof countryProgrammeView> {
  return { ...programme, slcpLaunched: isSlcpLaunched(programme, now) };
}

// ---------------------------------------------------------------------------------------------------
// Factories and cycles
// ---------------------------------------------------------------------------------------------------

const cyclePeriod = closedObject({ startsOn: calendarDate, endsOn: calendarDate });

export const createFactoryBody = closedObject({
  name: profileFieldSchemas.facilityName,
  address: profileFieldSchemas.address,
  osHubId: profileFieldSchemas.osHubId.optional(),
  managerEmail: email,
  cycle: cyclePeriod,
});

export const registerCycleBody = closedObject({
  startsOn: calendarDate,
  endsOn: calendarDate,
  managerEmail: email.optional().openapi({ description: 'Also send this address a new invitation link' }),
});

export const cycleView = z
  .object({
    cycleId: z.string(),
    sequence: z.number().int(),
    startsOn: calendarDate,
    endsOn: calendarDate,
    registeredAt: z.string(),
    sharingEffective: z.boolean(),
    activatedAt: z
      .string()
      .nullable()
      .openapi({ description: 'R11: when Better Work activated it (self-assessment open)' }),
  })
  .openapi('Cycle');

/** R21: a brand never learns whether a cycle shares via SLCP. */
export const brandCycleView = z
  .strictObject({
    cycleId: z.string(),
    sequence: z.number().int(),
    startsOn: calendarDate,
    endsOn: calendarDate,
  })
  .openapi('BrandCycle');

export const factoryView = z
  .object({
    factoryId: z.string(),
    countryCode: z.string(),
    name: z.string(),
    address: z.string(),
    osHubId: z.string().nullable(),
    status: z.enum(['invited', 'registered']),
    currentCycle: cycleView.nullable(),
    cycles: z.array(cycleView),
    managerCount: z.number().int(),
    invitation: z
      .object({ sentTo: z.string(), sentAt: z.string(), expiresAt: z.string(), acceptedAt: z.string().nullable() })
      .nullable(),
    sharing: z.object({
      pendingForNextCycle: z.boolean(),
      requestedAt: z.string().nullable(),
      optedOutAt: z.string().nullable(),
      optOutReason: z.string().nullable(),
    }),
    gateway: z.object({
      status: z.string(),
      gatewayFacilityId: z.string().nullable(),
      linkedBy: z.string().nullable(),
      updatedAt: z.string().nullable(),
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Factory');

/** R21: what a brand sees of a factory: no SLCP participation, no Gateway connection. */
export const brandFactoryView = z
  .strictObject({
    factoryId: z.string(),
    countryCode: z.string(),
    name: z.string(),
    address: z.string(),
    osHubId: z.string().nullable(),
    status: z.enum(['invited', 'registered']),
    currentCycle: brandCycleView.nullable(),
    cycles: z.array(brandCycleView),
  })
  .openapi('BrandFactory');

export const factoryOrBrandView = z.union([brandFactoryView, factoryView]);

function toCycleView(cycle: CycleEntry): z.infer<typeof cycleView> {
  return {
    cycleId: cycle.cycleId,
    sequence: cycle.sequence,
    startsOn: cycle.startsOn,
    endsOn: cycle.endsOn,
    registeredAt: cycle.registeredAt,
    sharingEffective: cycle.sharingEffective,
    activatedAt: cycle.activatedAt ?? null,
  };
}

function toBrandCycleView(cycle: CycleEntry): z.infer<typeof brandCycleView> {
  return { cycleId: cycle.cycleId, sequence: cycle.sequence, startsOn: cycle.startsOn, endsOn: cycle.endsOn };
}

interface StoredInvitationSummary {
  sentTo: string;
  sentAt: string;
  expiresAt: string;
  acceptedAt?: string | undefined;
}

export function toFactoryView(factory: FactoryDocument, now: Date): z.infer<typeof factoryView> {
  const current = currentCycleOf(factory, now);
  const invitation = factory.invitation as StoredInvitationSummary | undefined;
  return {
    factoryId: factory.factoryId,
    countryCode: factory.countryCode,
    name: factory.name,
    address: factory.address,
    osHubId: factory.osHubId ?? null,
    status: factory.status,
    currentCycle: current ? toCycleView(current) : null,
    cycles: factory.cycles.map(toCycleView),
    managerCount: factory.managerUserIds.length,
    invitation: invitation
      ? {
          sentTo: invitation.sentTo,
          sentAt: invitation.sentAt,
          expiresAt: invitation.expiresAt,
          acceptedAt: invitation.acceptedAt ?? null,
        }
      : null,
    sharing: {
      pendingForNextCycle: factory.sharing.pendingForNextCycle,
      requestedAt: factory.sharing.requestedAt ?? null,
      optedOutAt: factory.sharing.optedOutAt ?? null,
      optOutReason: factory.sharing.optOutReason ?? null,
    },
    gateway: {
      status: factory.gateway.status,
      gatewayFacilityId: factory.gateway.gatewayFacilityId ?? null,
      linkedBy: factory.gateway.linkedBy ?? null,
      updatedAt: factory.gateway.updatedAt ?? null,
    },
    createdAt: factory.createdAt,
    updatedAt: factory.updatedAt,
  };
}

/** Built field by field and checked against the strict brand schema: an SLCP field here fails loudly. */
export function toBrandFactoryView(factory: FactoryDocument, now: Date): z.infer<typeof brandFactoryView> {
  const current = currentCycleOf(factory, now);
  return brandFactoryView.parse({
    factoryId: factory.factoryId,
    countryCode: factory.countryCode,
    name: factory.name,
    address: factory.address,
    osHubId: factory.osHubId ?? null,
    status: factory.status,
    currentCycle: current ? toBrandCycleView(current) : null,
    cycles: factory.cycles.map(toBrandCycleView),
  });
}

export const factoryListItem = z
  .object({
    factoryId: z.string(),
    name: z.string(),
    status: z.enum(['invited', 'registered']),
    currentCycle: z
      .object({
        cycleId: z.string(),
        sequence: z.number().int(),
        startsOn: calendarDate,
        endsOn: calendarDate,
        sharingEffective: z.boolean().optional().openapi({ description: 'Only for callers who may read SLCP fields' }),
      })
      .nullable(),
  })
  .openapi('FactoryListItem');

export const factoryListPage = z.object({ items: z.array(factoryListItem), continuation: z.string().nullable() });

export function toFactoryListItem(
  row: Pick<FactoryDocument, 'factoryId' | 'name' | 'status' | 'cycles' | 'currentCycleId'>,
  mayReadSlcp: boolean,
  now: Date
): z.infer<typeof factoryListItem> {
  const current = currentCycleOf({ ...row, cycles: row.cycles ?? [] } as FactoryDocument, now);
  return {
    factoryId: row.factoryId,
    name: row.name,
    status: row.status,
    currentCycle: current
      ? {
          ...toBrandCycleView(current),
          ...(mayReadSlcp ? { sharingEffective: current.sharingEffective } : {}),
        }
      : null,
  };
}

// ---------------------------------------------------------------------------------------------------
// Invitations
// ---------------------------------------------------------------------------------------------------

export const sendInvitationBody = closedObject({
  managerEmail: email.optional().openapi({ description: 'Defaults to the address of the current invitation' }),
});

export const invitationSentView = z.object({
  factoryId: z.string(),
  sentTo: z.string(),
  sentAt: z.string(),
  expiresAt: z.string(),
});

export const acceptInvitationBody = closedObject({
  token: z.string().min(1).max(200).openapi({ description: 'The token of the link in the invitation email' }),
});

export const acceptedInvitationView = z
  .object({ factoryId: z.string(), dashboard: z.string() })
  .openapi('AcceptedInvitation', { description: 'R7: where the factory manager lands after registering' });

// ---------------------------------------------------------------------------------------------------
// Profile and T&C
// ---------------------------------------------------------------------------------------------------

const fieldsShape = Object.fromEntries(
  (Object.entries(profileFieldSchemas) as [ProfileFieldName, z.ZodType][]).map(([name, schema]) => [
    name,
    (optionalProfileFields as readonly string[]).includes(name) ? schema.nullable().optional() : schema.optional(),
  ])
) as { [K in ProfileFieldName]: z.ZodOptional<z.ZodType<z.output<(typeof profileFieldSchemas)[K]> | null>> };

export const editProfileBody = closedObject(fieldsShape)
  .refine((changes) => Object.keys(changes).length > 0, { message: 'give at least one field to change' })
  .openapi('ProfileChanges', {
    description: 'Only the fields to change; null clears an optional field (fax, osHubId)',
  });

export const profileFieldsView = z
  .object({
    facilityName: z.string().optional(),
    address: z.string().optional(),
    city: z.string().optional(),
    postalCode: z.string().optional(),
    phoneCountryCode: z.string().optional(),
    phoneNumber: z.string().optional(),
    facilityEmail: z.string().optional(),
    fax: z.string().optional(),
    contactPersonName: z.string().optional(),
    contactPersonTitle: z.string().optional(),
    contactEmail: z.string().optional(),
    totalWorkers: z.number().int().optional(),
    femaleWorkers: z.number().int().optional(),
    products: z.string().optional(),
    osHubId: z.string().optional(),
  })
  .openapi('ProfileFields');

export const profileView = z
  .object({
    factoryId: z.string(),
    fields: profileFieldsView,
    completion: z.object({
      percent: z.number().int().min(0).max(100),
      missing: z.array(z.string()),
      termsCurrent: z.boolean(),
      termsValidUntil: z.string().nullable(),
      complete: z.boolean(),
    }),
    terms: z
      .object({ signedAt: z.string(), signedBy: z.string(), validUntil: z.string(), current: z.boolean() })
      .nullable(),
  })
  .openapi('Profile', {
    description: 'R10: "100 % complete" needs every counted field and a signature under a year old',
  });

export const signTermsBody = closedObject({
  accept: z.literal(true, { error: 'must be true: you accept the Terms & Conditions' }),
});

export function toProfileView(factory: FactoryDocument, now: Date): z.infer<typeof profileView> {
  return {
    factoryId: factory.factoryId,
    fields: profileFieldsOf(factory),
    completion: profileCompletion(factory, now),
    terms: factory.terms
      ? {
          signedAt: factory.terms.signedAt,
          signedBy: factory.terms.signedBy,
          validUntil: termsValidUntil(factory.terms).toISOString(),
          current: termsCurrent(factory, now),
        }
      : null,
  };
}

// ---------------------------------------------------------------------------------------------------
// Audit
// ---------------------------------------------------------------------------------------------------

export const auditEventView = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.object({ userId: z.string(), roles: z.array(z.string()) }),
    action: z.string(),
    before: z.unknown(),
    after: z.unknown(),
  })
  .openapi('AuditEvent');

export const auditPage = z.object({ items: z.array(auditEventView), continuation: z.string().nullable() });

export function toAuditEventView(event: AuditEventDocument): z.infer<typeof auditEventView> {
  return {
    id: event.id,
    at: event.at,
    actor: event.actor,
    action: event.action,
    before: event.before,
    after: event.after,
  };
}
