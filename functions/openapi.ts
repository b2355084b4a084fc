import { app } from '@azure/functions';
import { securityHeaders } from '../shared/http/endpoint';
import { apiDocument } from '../shared/http/openapi';
import { platform } from '../shared/composition';

/** The API's OpenAPI 3.1 document, generated from the zod schemas that validate every request. */
app.http('openapi', {
  methods: ['GET'],
  route: 'openapi.json',
  authLevel: 'anonymous',
  handler: async () => ({
    status: 200,
    headers: { ...securityHeaders, 'cache-control': 'public, max-age=300' },
    jsonBody: apiDocument(platform().settings.publicApiBaseUrl),
  }),
});
