// `npm start` end to end: the real local host with Azurite and the Cosmos server as child processes.
import { CosmosClient } from '@azure/cosmos';
import { BlobServiceClient } from '@azure/storage-blob';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { azuriteConnectionString } from '../../local/dataDir';
import { cosmosContainers } from '../../shared/config/cosmosContainers';
import type { HealthReport } from '../../shared/app/checkHealth';
import {
  launch,
  platformPorts,
  portArgs,
  processesMentioning,
  startPlatform,
  waitFor,
  type RunningPlatform,
} from '../support/platform';

jest.setTimeout(180_000);

const tempDirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-slcp-e2e-'));
  tempDirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of tempDirs) {
    for (const { pid } of processesMentioning(dir)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

function clients(dir: string, platform: RunningPlatform) {
  const secrets = JSON.parse(readFileSync(join(dir, 'local-keys.json'), 'utf8'));
  const agent = new Agent({ ca: readFileSync(join(dir, 'cosmos', 'cert.pem')) });
  const cosmos = new CosmosClient({
    endpoint: `https://127.0.0.1:${platform.ports.cosmos}/`,
    key: secrets.cosmosKey,
    agent,
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  const blobs = BlobServiceClient.fromConnectionString(azuriteConnectionString('127.0.0.1', platform.ports, secrets));
  return { cosmos, blobs, close: () => (cosmos.dispose(), agent.destroy()) };
}

describe('the local platform (npm start)', () => {
  it('serves a healthy platform, keeps acknowledged writes through kill -9 of the host, and leaves no orphans', async () => {
    const dir = dataDir();
    const first = await startPlatform(dir);
    expect(first.output()).toMatch(/API\s+http:\/\/127\.0\.0\.1:\d+\/api/);
    expect(first.output()).toMatch(/Health\s+http:\/\/127\.0\.0\.1:\d+\/api\/health/);
    expect(first.output()).toContain(`Data       ${dir}`);
    expect(first.output()).toMatch(/Stop\s+Ctrl-C/);
    expect(first.output()).toMatch(/Mail inbox http:\/\/127\.0\.0\.1:\d+/);

    const health = await fetch(`${first.base}/health`);
    expect(health.status).toBe(200);
    const report = (await health.json()) as HealthReport;
    expect(report.status).toBe('healthy');
    expect(report.dependencies.map((d) => d.name)).toEqual(['cosmos', 'storage']);

    // The declared containers exist.
    const before = clients(dir, first);
    const { resources: containers } = await before.cosmos.database('slcp').containers.readAll().fetchAll();
    expect(containers.map((c) => c.id).sort()).toEqual(cosmosContainers.map((c) => c.name).sort());

    // Acknowledged writes: a document and a blob.
    const factories = before.cosmos.database('slcp').container('factories');
    await factories.items.create({ id: 'f-kill9', countryCode: 'BD', name: 'Dhaka Knit' });
    const reports = before.blobs.getContainerClient('reports');
    await reports.createIfNotExists();
    await reports.getBlockBlobClient('f-kill9.json').upload('{"ok":true}', 11);
    before.close();

    const servicePids = processesMentioning(dir).map((p) => p.pid);
    expect(servicePids.length).toBeGreaterThanOrEqual(2);
    first.child.kill('SIGKILL');
    await first.exited;
    await waitFor(
      () => processesMentioning(dir).length === 0,
      20_000,
      'the child servers to exit after kill -9 of the host'
    );

    const second = await startPlatform(dir);
    try {
      const after = clients(dir, second);
      const { resource } = await after.cosmos.database('slcp').container('factories').item('f-kill9', 'BD').read();
      expect(resource).toMatchObject({ id: 'f-kill9', countryCode: 'BD', name: 'Dhaka Knit' });
      const blob = await after.blobs.getContainerClient('reports').getBlobClient('f-kill9.json').downloadToBuffer();
      expect(blob.toString()).toBe('{"ok":true}');
      after.close();
    } finally {
      second.child.kill('SIGINT');
      await second.exited;
    }
  });

  it('stops everything it started on Ctrl-C and exits 0', async () => {
    const dir = dataDir();
    const platform = await startPlatform(dir, ['--virtual-clock']);
    expect(platform.output()).toMatch(/Clock\s+virtual/);
    expect(processesMentioning(dir).length).toBeGreaterThanOrEqual(2);
    platform.child.kill('SIGINT');
    const { code } = await platform.exited;
    expect(code).toBe(0);
    expect(platform.output()).toContain('stopped');
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('reports /api/health 503 when a dependency is down', async () => {
    const dir = dataDir();
    const platform = await startPlatform(dir);
    try {
      const cosmos = processesMentioning(dir).find((p) => p.cmdline.includes('cosmos-child'));
      expect(cosmos).toBeDefined();
      // Stop it (not kill): the host restarts a crashed server, so hold it with SIGSTOP.
      process.kill(cosmos!.pid, 'SIGSTOP');
      try {
        const response = await fetch(`${platform.base}/health`);
        expect(response.status).toBe(503);
        const report = (await response.json()) as HealthReport;
        expect(report.status).toBe('unhealthy');
        expect(report.dependencies.find((d) => d.name === 'cosmos')).toMatchObject({ status: 'down' });
        expect(report.dependencies.find((d) => d.name === 'storage')).toMatchObject({ status: 'up' });
      } finally {
        process.kill(cosmos!.pid, 'SIGCONT');
      }
    } finally {
      platform.child.kill('SIGINT');
      await platform.exited;
    }
  });

  describe('fails fast with one line and a non-zero exit', () => {
    async function failure(
      args: string[],
      env: NodeJS.ProcessEnv = {}
    ): Promise<{ code: number | null; lines: string[] }> {
      const launched = launch(args, env);
      const { code } = await launched.exited;
      return { code, lines: launched.output().trim().split('\n') };
    }

    it('when a port is in use', async () => {
      const ports = await platformPorts();
      const blocker = createServer().listen(ports.cosmos, '127.0.0.1');
      await new Promise((resolve) => blocker.once('listening', resolve));
      try {
        const { code, lines } = await failure(['--data-dir', dataDir(), ...portArgs(ports)]);
        expect(code).toBe(1);
        expect(lines).toEqual([
          `error: port ${ports.cosmos} (Cosmos-compatible server) is in use: stop what uses it, or choose another with --cosmos-port <port> or LOCAL_COSMOS_PORT=<port>`,
        ]);
      } finally {
        blocker.close();
      }
    });

    it('when the function app is not built', async () => {
      const ports = await platformPorts();
      const { code, lines } = await failure([
        '--data-dir',
        dataDir(),
        ...portArgs(ports),
        '--app',
        'dist/none/index.mjs',
      ]);
      expect(code).toBe(1);
      expect(lines).toEqual([
        'error: the function app is not built (dist/none/index.mjs is missing): run "npm run build", or "npm start" which builds first',
      ]);
    });

    it('when the data folder is corrupt', async () => {
      const dir = dataDir();
      writeFileSync(join(dir, 'local-keys.json'), '{ broken');
      const { code, lines } = await failure(['--data-dir', dir, ...portArgs(await platformPorts())]);
      expect(code).toBe(1);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^error: corrupt data: .*local-keys\.json is not valid JSON; move the data folder aside/
      );
    });

    it('when the Cosmos journal is corrupt', async () => {
      const dir = dataDir();
      mkdirSync(join(dir, 'cosmos'), { recursive: true });
      const entry = JSON.stringify({ method: 'POST', url: '/dbs', headers: {}, body: '{"id":"x"}' });
      writeFileSync(join(dir, 'cosmos', 'journal.jsonl'), `${entry}\n{garbage\n${entry}\n`);
      const { code, lines } = await failure(['--data-dir', dir, ...portArgs(await platformPorts())]);
      expect(code).toBe(1);
      expect(lines.filter((l) => l.startsWith('error:'))).toHaveLength(1);
      expect(lines.at(-1)).toMatch(/^error: .*corrupt/i);
      expect(processesMentioning(dir)).toEqual([]);
    });

    it('when another local host uses the same data folder', async () => {
      const dir = dataDir();
      writeFileSync(join(dir, 'host.lock'), String(process.pid));
      const { code, lines } = await failure(['--data-dir', dir, ...portArgs(await platformPorts())]);
      expect(code).toBe(1);
      expect(lines).toEqual([
        `error: the data folder ${dir} is in use by another local host (pid ${process.pid}): stop it, or choose another folder with --data-dir`,
      ]);
    });

    it('when the configuration is bad, listing every problem', async () => {
      const { code, lines } = await failure(['--data-dir', dataDir(), ...portArgs(await platformPorts())], {
        COSMOS_DATABASE: 'bad name!',
      });
      expect(code).toBe(1);
      expect(lines).toEqual([
        expect.stringMatching(/^error: Configuration is not valid: COSMOS_DATABASE must be 1-255/),
      ]);
    });

    it('on an unknown flag', async () => {
      const { code, lines } = await failure(['--no-such-flag']);
      expect(code).toBe(1);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: Unknown option '--no-such-flag'/);
    });
  });
});
