// The HTTP shapes of SLCP participation, the Gateway connection, the dashboard and notifications. Request
// bodies are strict (an unknown field is a 400); responses document what the handlers build.
import { factoryIdPattern } from '../domain/factory/factory';
import { optOutReasonLength } from '../domain/sharing/sharing';
import { gatewayFacilityIdPattern } from '../domain/sharing/gatewayConnection';
import { z } from '../http/openapi';

const timestamp = z.iso.datetime({ offset: true });

export const factoryIdParam = z
  .string()
  .regex(factoryIdPattern, 'a factory id looks like BD-7KQ2M9XA')
  .openapi({ description: 'The factory id: its country code, a dash and 8 letters or digits', example: 'BD-7KQ2M9XA' });

export const factoryParamsSchema = z.object({ factoryId: factoryIdParam });

export const brandIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, '1-64 letters, digits, "-" or "_"')
  .openapi({ description: 'The brand (buyer) id', example: 'brand-1' });

export const subscriptionParamsSchema = z.object({ factoryId: factoryIdParam, brandId: brandIdSchema });

export const gatewayFacilityIdSchema = z
  .string()
  .regex(gatewayFacilityIdPattern, 'a Gateway Facility ID looks like GW-7KQ2M9XD')
  .openapi({ description: 'The SLCP Gateway Facility ID', example: 'GW-7KQ2M9XD' });

// ---------------------------------------------------------------------------------------------------
// SLCP participation (R1, R2, R6)
// ---------------------------------------------------------------------------------------------------

export const optOutBodySchema = z
  .strictObject({
    reason: z
      .string()
      .trim()
      .min(optOutReasonLength.min)
      .max(optOutReasonLength.max)
      .openapi({ description: 'Why the factory no longer shares (it told the country programme offline)' }),
  })
  .openapi('SlcpOptOut');

export const gatewayStatusSchema = z
  .enum(['notConnected', 'registrationStarted', 'registered', 'connected', 'rejected'])
  .openapi({ description: 'The connection to the SLCP Gateway (R9)' });

export const slcpStatusSchema = z
  .object({
    factoryId: z.string(),
    request: z.object({
      requested: z.boolean().openapi({ description: 'R1: false unless the factory asked' }),
      requestedAt: timestamp.nullable(),
      requestedBy: z.string().nullable(),
      appliesFrom: z
        .literal('nextCycle')
        .nullable()
        .openapi({ description: 'R2: a request applies from the next cycle, never to the running one' }),
    }),
    optOut: z.object({ at: timestamp, reason: z.string() }).nullable(),
    currentCycle: z.object({ cycleId: z.string(), sharingEffective: z.boolean() }).nullable(),
    effectiveCycles: z.array(
      z.object({ cycleId: z.string(), sequence: z.number().int(), startsOn: z.string(), endsOn: z.string() })
    ),
    gateway: z.object({
      status: gatewayStatusSchema,
      gatewayFacilityId: z.string().nullable(),
      linkedBy: z.enum(['gateway', 'staff']).nullable(),
      rejectedReason: z.string().nullable(),
      updatedAt: timestamp.nullable(),
    }),
  })
  .openapi('SlcpStatus', {
    description: "A factory's SLCP participation and Gateway connection; never shown to brands (R21)",
  });

// ---------------------------------------------------------------------------------------------------
// Gateway connection (R4, R8, R9)
// ---------------------------------------------------------------------------------------------------

export const gatewayConnectResponseSchema = z
  .object({
    registrationUrl: z.url().openapi({
      description: "The Gateway's Facility Information Form with Better Work preset as verifier (single use)",
    }),
    expiresAt: timestamp,
  })
  .openapi('GatewayRegistrationLink');

export const linkGatewayBodySchema = z
  .strictObject({ gatewayFacilityId: gatewayFacilityIdSchema })
  .openapi('GatewayLink');

export const gatewayCallbackAckSchema = z
  .object({
    eventId: z.string(),
    duplicate: z.boolean().openapi({ description: 'This event was received before; nothing changed' }),
    outcome: z.enum(['applied', 'ignored', 'duplicate']).openapi({
      description: 'applied: the connection changed; ignored: a late or repeated event that changes nothing',
    }),
  })
  .openapi('GatewayCallbackAck');

// ---------------------------------------------------------------------------------------------------
// Who assesses (R20), subscriptions
// ---------------------------------------------------------------------------------------------------

export const assessorBodySchema = z
  .object({
    assessedBy: z.enum(['BetterWork', 'VerifierBody']),
    reason: z.string(),
    fromNextCycle: z.boolean(),
  })
  .openapi('AssessorBody', { description: 'R20: who assesses the factory (FAQ 7)' });

export const subscriptionsSchema = z
  .object({ factoryId: z.string(), subscribedBrandIds: z.array(z.string()) })
  .openapi('FactorySubscriptions');

// ---------------------------------------------------------------------------------------------------
// Notifications and the dashboard (R24, R21)
// ---------------------------------------------------------------------------------------------------

export const notificationSchema = z
  .object({
    id: z.string(),
    at: timestamp,
    title: z.string(),
    text: z.string(),
    link: z.string().nullable(),
    read: z.boolean(),
    factoryId: z.string().nullable(),
  })
  .openapi('Notification');

export const notificationPageSchema = z
  .object({
    items: z.array(notificationSchema),
    continuation: z.string().nullable().openapi({ description: 'Pass back as ?continuation= for the next page' }),
  })
  .openapi('NotificationPage');

export const notificationQuerySchema = z.strictObject({
  unread: z.enum(['true', 'false']).optional().openapi({ description: 'true: only unread notifications' }),
  continuation: z.string().min(1).max(4096).optional(),
});

export const notificationParamsSchema = z.object({
  notificationId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,128}$/)
    .openapi({ description: 'The notification id' }),
});

export const unreadCountSchema = z.object({ unread: z.number().int().nonnegative() }).openapi('UnreadNotifications');

const dashboardFields = {
  factoryId: z.string(),
  name: z.string(),
  quickFacts: z.object({
    buyersSubscribingToLatestCycle: z.number().int().nonnegative(),
    improvementActivities: z.object({
      completed: z.number().int().nonnegative(),
      pending: z.number().int().nonnegative(),
    }),
  }),
  notifications: z.array(notificationSchema).max(5),
  latestDocuments: z.array(
    z.object({
      title: z.string(),
      cycleId: z.string(),
      date: z.string(),
      fileName: z.string(),
      href: z.string().openapi({ description: 'Where the API serves it' }),
    })
  ),
  profile: z.object({
    complete: z.boolean(),
    percent: z.number().min(0).max(100),
    missing: z.array(z.string()),
  }),
};

/** What brands see: no SLCP field at all (R21). Strict, so a response carrying one fails instead of leaking. */
export const brandDashboardSchema = z.strictObject(dashboardFields).openapi('BrandDashboard');

export const factoryDashboardSchema = z
  .strictObject({ ...dashboardFields, slcp: slcpStatusSchema })
  .openapi('FactoryDashboard', { description: 'R24, for the factory and Better Work staff' });

export const dashboardSchema = z
  .union([factoryDashboardSchema, brandDashboardSchema])
  .openapi('Dashboard', { description: 'FactoryDashboard, or BrandDashboard for brands (no SLCP status: R21)' });
