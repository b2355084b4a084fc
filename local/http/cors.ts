// CORS on the local host, answered by the host as Azure App Service's platform CORS answers it in front of
// the Function App (siteConfig.cors, infra/app/api.bicep): only the configured portal origins
// (CORS_ALLOWED_ORIGINS, the origin of PORTAL_BASE_URL by default: shared/config/settings.ts), never `*`.
// - A preflight (OPTIONS with Origin and Access-Control-Request-Method) from an allowed origin: 204 with
//   Access-Control-Allow-Origin (that origin), -Methods, -Headers, -Max-Age and Vary: Origin; the app never
//   sees it. From any other origin: 403 problem, without a CORS header.
// - An actual request from an allowed origin: Access-Control-Allow-Origin (that origin), -Expose-Headers
//   (ETag for If-Match, Location, Retry-After) and Vary: Origin. From another origin: no CORS header at all.
// - No credentials: the API takes bearer tokens in the Authorization header, never cookies, so
//   Access-Control-Allow-Credentials is never sent (Azure: supportCredentials false).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseSettings } from '../../shared/config/settings';

export const corsAllowedMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const corsAllowedHeaders = ['authorization', 'content-type', 'if-match', 'if-none-match'] as const;
export const corsExposedHeaders = ['etag', 'location', 'retry-after'] as const;
export const corsMaxAgeSeconds = 3600;

export interface CorsPreflight {
  status: number;
  headers: Record<string, string>;
}

export class CorsPolicy {
  private readonly origins: ReadonlySet<string>;

  constructor(allowedOrigins: readonly string[]) {
    this.origins = new Set(allowedOrigins.filter((origin) => origin !== '*'));
  }

  allows(origin: string | undefined): origin is string {
    return origin !== undefined && this.origins.has(origin);
  }

  /** The answer to a CORS preflight; undefined when the request is none (the app answers it). */
  preflight(req: IncomingMessage): CorsPreflight | undefined {
    const origin = req.headers.origin;
    if (req.method !== 'OPTIONS' || !origin || !req.headers['access-control-request-method']) return undefined;
    if (!this.allows(origin)) return { status: 403, headers: {} };
    return {
      status: 204,
      headers: {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': corsAllowedMethods.join(', '),
        'access-control-allow-headers': corsAllowedHeaders.join(', '),
        'access-control-max-age': String(corsMaxAgeSeconds),
        vary: 'Origin',
      },
    };
  }

  /** Sets the headers of an actual request's answer (before the answer is written). */
  decorate(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    if (!this.allows(origin)) return;
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-expose-headers', corsExposedHeaders.join(', '));
    res.setHeader('vary', 'Origin');
  }
}

/**
 * The allowed origins from the app settings the local host gives the app (its process environment): the
 * host reads them as Azure reads siteConfig.cors. None when the settings are not the app's (a test host).
 */
export function corsOriginsOfAppSettings(env: Record<string, string | undefined>): readonly string[] {
  const parsed = parseSettings(env);
  return parsed.ok ? (parsed.settings.corsAllowedOrigins ?? []) : [];
}
