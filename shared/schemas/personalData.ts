// The HTTP shapes of the personal-data export and erasure (Admin only; shared/app/users/personalData.ts).
import { z } from '../http/openapi';

export const userIdParams = z.object({
  userId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, '1-128 letters, digits, ".", "-" or "_"')
    .openapi({
      description: "The person's user id (the token's oid), as the user directory and the audit trail name them",
      example: '2a33888e-6e76-4bca-963b-e4b5a80a414c',
    }),
});

const personalValue = z.object({
  path: z.string().openapi({ description: 'A JSON pointer into the document' }),
  value: z.string(),
  kind: z.enum(['email', 'name', 'userId']),
});

export const personalDataExportSchema = z
  .object({
    userId: z.string(),
    exportedAt: z.string(),
    status: z.enum(['active', 'erasing', 'erased']),
    items: z.array(
      z.object({
        container: z.string(),
        partitionKey: z.string(),
        id: z.string(),
        type: z.string(),
        factoryId: z.string().nullable(),
        at: z.string().nullable(),
        action: z.string().nullable(),
        fields: z.array(personalValue),
        document: z
          .record(z.string(), z.unknown())
          .nullable()
          .openapi({ description: "The whole document, for the person's own (directory entry, notifications)" }),
      })
    ),
    crossPartitionQueries: z.number().int(),
  })
  .openapi('PersonalDataExport');

export const personalDataErasureSchema = z
  .object({
    userId: z.string(),
    status: z.enum(['erasing', 'erased']).openapi({
      description:
        '`erasing`: the account is closed and the rest runs in the background (`erasure-{userId}`); `erased`: done',
    }),
    requestedAt: z.string(),
    requestedBy: z.string(),
    erasedAt: z.string().nullable(),
  })
  .openapi('PersonalDataErasure');
