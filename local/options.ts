import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { z } from 'zod';
import { HostStartError } from './errors';

export interface HostOptions {
  host: string;
  port: number;
  cosmosPort: number;
  blobPort: number;
  queuePort: number;
  tablePort: number;
  gatewayPort: number;
  smtpPort: number;
  mailWebPort: number;
  dataDir: string;
  app: string | undefined;
  virtualClock: boolean;
  verbose: boolean;
}

const port = z.coerce.number().int().min(0).max(65535);

/** `npm start -- [flags]`; each flag also reads an environment variable. */
export const optionTable = [
  { flag: 'port', env: 'LOCAL_HOST_PORT', default: '7071', what: 'functions host (HTTP API)' },
  { flag: 'cosmos-port', env: 'LOCAL_COSMOS_PORT', default: '8081', what: 'Cosmos-compatible server' },
  { flag: 'blob-port', env: 'LOCAL_BLOB_PORT', default: '10000', what: 'Azurite blob service' },
  { flag: 'queue-port', env: 'LOCAL_QUEUE_PORT', default: '10001', what: 'Azurite queue service' },
  { flag: 'table-port', env: 'LOCAL_TABLE_PORT', default: '10002', what: 'Azurite table service' },
  { flag: 'gateway-port', env: 'LOCAL_GATEWAY_PORT', default: '7072', what: 'SLCP Gateway simulator' },
  { flag: 'smtp-port', env: 'LOCAL_SMTP_PORT', default: '2525', what: 'mail sink (SMTP)' },
  { flag: 'mail-web-port', env: 'LOCAL_MAIL_WEB_PORT', default: '7073', what: 'mail inbox (web)' },
  { flag: 'data-dir', env: 'LOCAL_DATA_DIR', default: '.data', what: 'where the local servers keep their data' },
  { flag: 'app', env: 'LOCAL_APP', default: '', what: 'the built function app to load (package.json "main")' },
] as const;

export function parseHostOptions(argv: string[], env: NodeJS.ProcessEnv, cwd: string): HostOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        ...Object.fromEntries(optionTable.map((o) => [o.flag, { type: 'string' as const }])),
        'virtual-clock': { type: 'boolean' },
        verbose: { type: 'boolean' },
        host: { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw new HostStartError(
      `${(error as Error).message} (flags: ${optionTable.map((o) => `--${o.flag}`).join(', ')}, --virtual-clock, --verbose)`
    );
  }
  const read = (flag: (typeof optionTable)[number]['flag']) => {
    const option = optionTable.find((o) => o.flag === flag)!;
    return (values[flag] as string | undefined) ?? env[option.env] ?? option.default;
  };
  const portFlags = {
    port: 'port',
    cosmosPort: 'cosmos-port',
    blobPort: 'blob-port',
    queuePort: 'queue-port',
    tablePort: 'table-port',
    gatewayPort: 'gateway-port',
    smtpPort: 'smtp-port',
    mailWebPort: 'mail-web-port',
  } as const;
  const ports = z
    .object(
      Object.fromEntries(Object.keys(portFlags).map((key) => [key, port])) as Record<
        keyof typeof portFlags,
        typeof port
      >
    )
    .safeParse(Object.fromEntries(Object.entries(portFlags).map(([key, flag]) => [key, read(flag)])));
  if (!ports.success) {
    throw new HostStartError(
      `bad port: ${ports.error.issues.map((i) => `${String(i.path[0])} ${i.message}`).join('; ')}`
    );
  }
  return {
    host: (values.host as string | undefined) ?? env.LOCAL_HOST_ADDRESS ?? '127.0.0.1',
    ...ports.data,
    dataDir: resolve(cwd, read('data-dir')),
    app: read('app') ? resolve(cwd, read('app')) : undefined,
    virtualClock: values['virtual-clock'] === true || env.LOCAL_VIRTUAL_CLOCK === 'true',
    verbose: values.verbose === true,
  };
}
