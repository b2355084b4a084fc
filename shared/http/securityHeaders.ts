// Kept apart from endpoint.ts (which loads the Functions SDK) so the local host's own answers can use them.
/** Headers on every answer of the API, the Functions host's own problem answers (404, 405, 413) included. */
export const securityHeaders: Record<string, string> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'cross-origin-resource-policy': 'same-origin',
};
