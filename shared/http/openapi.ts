import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

/** Every endpoint registers itself here; `GET /api/openapi.json` is generated from the same zod schemas that validate. */
export const apiRegistry = new OpenAPIRegistry();

apiRegistry.registerComponent('securitySchemes', 'bearer', {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'JWT',
  description: 'An Entra ID access token for this API; its app roles say who the caller is.',
});

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    rule: z.string().optional().openapi({ description: 'The business rule that refused the request, e.g. R9' }),
    errors: z.array(z.object({ pointer: z.string(), detail: z.string() })).optional(),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details' });

export function apiDocument(serverUrl: string) {
  return new OpenApiGeneratorV31(apiRegistry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Better Work SLCP data sharing API',
      version: '0.1.0',
      description:
        'Factories enrolled in Better Work share their assessment data with brands through the SLCP Gateway. ' +
        'Every error is an RFC 9457 problem (application/problem+json).',
    },
    servers: [{ url: serverUrl }],
  });
}

export { z };
