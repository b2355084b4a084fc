// Identity and access in Azure (docs/identity.md): the Entra ID app registration declares exactly the
// app's roles, tokens are the v2.0 tokens the verifier is configured for, and the Durable management API
// is never handed to callers nor (locally) answered to anyone but the machine itself.
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { roles } from '../../shared/domain/access/roles';
import { HttpHost } from '../../local/http/server';

const root = resolve(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface AppRole {
  id: string;
  value: string;
  allowedMemberTypes: string[];
  isEnabled: boolean;
  description: string;
}
const manifest = JSON.parse(read('infra/entra/app-registration.json')) as {
  appRoles: AppRole[];
  api: { requestedAccessTokenVersion: number };
  optionalClaims: { accessToken: { name: string }[] };
};

describe('the Entra ID app registration (infra/entra/app-registration.json)', () => {
  it('declares exactly the roles of shared/domain/access/roles.ts, each enabled and described', () => {
    expect(manifest.appRoles.map((role) => role.value).sort()).toEqual([...roles].sort());
    for (const role of manifest.appRoles) {
      expect(role.isEnabled).toBe(true);
      expect(role.description.length).toBeGreaterThan(20);
    }
  });

  it('gives every role a distinct, fixed GUID', () => {
    const ids = manifest.appRoles.map((role) => role.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('assigns people the person roles and only applications the Gateway role', () => {
    for (const role of manifest.appRoles) {
      expect(`${role.value}: ${role.allowedMemberTypes.join(',')}`).toBe(
        `${role.value}: ${role.value === 'Gateway' ? 'Application' : 'User'}`
      );
    }
  });

  it('issues v2.0 access tokens, the issuer api.bicep configures, with the email claim the directory records', () => {
    expect(manifest.api.requestedAccessTokenVersion).toBe(2);
    const api = read('infra/app/api.bicep');
    expect(api).toMatch(
      /IDENTITY_ISSUER: '\$\{environment\(\)\.authentication\.loginEndpoint\}\$\{tenant\(\)\.tenantId\}\/v2\.0'/
    );
    expect(api).toMatch(/IDENTITY_AUDIENCE: apiAudience/);
    // A v2.0 access token's aud is the API's client id: main.bicep asks for it (a GUID), no default.
    expect(read('infra/main.bicep')).toMatch(/@minLength\(36\)\n@maxLength\(36\)\nparam apiAudience string\n/);
    expect(manifest.optionalClaims.accessToken.map((claim) => claim.name)).toContain('email');
  });
});

describe('the Durable management API is not exposed', () => {
  function sourceFiles(dir: string): string[] {
    return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? sourceFiles(join(dir, entry.name))
        : entry.name.endsWith('.ts')
          ? [join(dir, entry.name)]
          : []
    );
  }

  it('no function and no app code hands out management URLs (check-status responses, management payloads)', () => {
    const files = [...sourceFiles('functions'), ...sourceFiles('shared')];
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.filter((file) =>
      /createCheckStatusResponse|createHttpManagementPayload|waitForCompletionOrCreateCheckStatusResponse|runtime\/webhooks|statusQueryGetUri|sendEventPostUri|terminatePostUri|purgeHistoryDeleteUri/.test(
        read(file)
      )
    );
    expect(offenders).toEqual([]);
  });

  describe('the local host answers /runtime/webhooks to loopback callers only', () => {
    let host: HttpHost;
    let port: number;
    const calls: string[] = [];

    beforeAll(async () => {
      host = new HttpHost(
        [],
        async () => {
          throw new Error('no function is registered');
        },
        {
          host: '0.0.0.0',
          port: 0,
          routePrefix: 'api',
          maxRequestBodyBytes: 1024,
          webhooks: [
            {
              prefix: ['runtime', 'webhooks', 'durabletask'],
              handle: async (req) => {
                calls.push(req.path.join('/'));
                return { status: 200, body: { instances: [] } };
              },
            },
          ],
          log: () => undefined,
        }
      );
      port = await host.listen();
    });

    afterAll(() => host.close());

    const get = (address: string) =>
      new Promise<number>((resolveStatus, reject) => {
        const req = request(
          { host: address, port, path: '/runtime/webhooks/durabletask/instances/', method: 'GET', agent: false },
          (res) => {
            res.resume();
            res.on('end', () => resolveStatus(res.statusCode ?? 0));
          }
        );
        req.on('error', reject);
        req.end();
      });

    it('answers a caller on 127.0.0.1', async () => {
      calls.length = 0;
      expect(await get('127.0.0.1')).toBe(200);
      expect(calls).toEqual(['instances']);
    });

    // A second, non-loopback address of this machine: the request then comes from it, as a caller on the
    // network would. Machines without one (a container with only lo) cannot run this half.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((net) => net !== undefined && !net.internal && net.family === 'IPv4')?.address;
    (external ? it : it.skip)(`refuses a caller from ${external ?? 'a non-loopback address'} with 404`, async () => {
      calls.length = 0;
      expect(await get(external!)).toBe(404);
      expect(calls).toEqual([]);
    });
  });
});
