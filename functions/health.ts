import { app, type HttpResponseInit } from '@azure/functions';
import { checkHealth } from '../shared/app/checkHealth';
import { platform } from '../shared/composition';
import { securityHeaders } from '../shared/http/endpoint';

export async function health(): Promise<HttpResponseInit> {
  const { healthProbes, clock } = platform();
  const report = await checkHealth(healthProbes, clock);
  return {
    status: report.status === 'healthy' ? 200 : 503,
    jsonBody: report,
    headers: securityHeaders,
  };
}

app.http('health', { methods: ['GET'], authLevel: 'anonymous', route: 'health', handler: health });
