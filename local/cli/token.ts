// `npm run -s token -- <user> [--port 7071] [--lifetime 3600]`: an access token for a demo user, from the
// development identity provider of the running local host. Only the token goes to stdout, so that
//   curl -H "Authorization: Bearer $(npm run -s token -- fm-bd-1)" http://127.0.0.1:7071/api/...
// works; everything else goes to stderr.
import { parseArgs } from 'node:util';
import { describeDemoUsers, findDemoUser } from '../seed/demoUsers';

const usage = 'usage: npm run -s token -- <user> [--port 7071] [--lifetime 3600] [--host 127.0.0.1]';
const err = (line: string) => process.stderr.write(`${line}\n`);

function listUsers(): void {
  err('demo users:');
  for (const line of describeDemoUsers()) err(`  ${line}`);
}

function wholeNumber(value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}

async function main(argv: string[]): Promise<number> {
  let values: { port?: string; lifetime?: string; host?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        lifetime: { type: 'string' },
        host: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    err(`error: ${(error as Error).message}`);
    err(usage);
    return 2;
  }
  if (values.help) {
    err(usage);
    listUsers();
    return 0;
  }
  const [userKey, ...extra] = positionals;
  if (!userKey || extra.length > 0) {
    err(userKey ? `error: one user only (got ${positionals.join(', ')})` : 'error: which user?');
    err(usage);
    listUsers();
    return 2;
  }
  if (!findDemoUser(userKey)) {
    err(`error: there is no demo user "${userKey}"`);
    listUsers();
    return 2;
  }
  const portText = values.port ?? process.env.LOCAL_HOST_PORT ?? '7071';
  const port = wholeNumber(portText, 1, 65535);
  if (port === undefined) {
    err(`error: --port must be a port number (got "${portText}")`);
    return 2;
  }
  const lifetime = values.lifetime === undefined ? undefined : wholeNumber(values.lifetime, 60, 86_400);
  if (values.lifetime !== undefined && lifetime === undefined) {
    err(`error: --lifetime must be a whole number of seconds from 60 to 86400 (got "${values.lifetime}")`);
    return 2;
  }
  const host = values.host ?? '127.0.0.1';
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const url = `${origin}/api/_dev/token`;

  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: userKey, ...(lifetime === undefined ? {} : { lifetimeSeconds: lifetime }) }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    // undici puts the socket error in `cause` (an AggregateError when a name has several addresses)
    const cause = (error as Error).cause as (NodeJS.ErrnoException & { errors?: NodeJS.ErrnoException[] }) | undefined;
    const code = cause?.code ?? cause?.errors?.[0]?.code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EADDRNOTAVAIL') {
      err(`error: no local host is running on ${origin}: start it with "npm start" (or pass --port)`);
    } else {
      err(`error: ${url} did not answer: ${(error as Error).message}${cause?.message ? ` (${cause.message})` : ''}`);
    }
    return 1;
  }
  const body = (await response.json().catch(() => undefined)) as
    { access_token?: unknown; users?: unknown; detail?: unknown } | undefined;
  if (response.ok && typeof body?.access_token === 'string') {
    process.stdout.write(`${body.access_token}\n`);
    return 0;
  }
  if (response.status === 404 && Array.isArray(body?.users)) {
    err(`error: the local host has no demo user "${userKey}": ${String(body.detail ?? '')}`);
    return 2;
  }
  const detail = typeof body?.detail === 'string' ? `: ${body.detail}` : '';
  err(
    `error: ${url} answered ${response.status}${detail} (is it this project's local host, started with "npm start"?)`
  );
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    err(`error: ${(error as Error)?.message ?? String(error)}`);
    process.exitCode = 1;
  }
);
