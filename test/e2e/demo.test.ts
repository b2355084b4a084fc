// `npm run demo` end to end (issue 7, "The demo"): the built demo (dist/local/demo.js, built by the global setup)
// starts its own platform with a virtual clock, walks three factories through a cycle and the year after it, and
// must exit 0: every check it makes held (timeline, emails, scripted Gateway faults, exactly-once transmission,
// the following cycle's reminders). Its report must show the following cycle's reminders and no failed check.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(150_000);

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bw-slcp-demo-test-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('runs the whole demo and exits 0, with the following cycle in its report', async () => {
  const out = join(dir, 'demo-report.html');
  const started = Date.now();
  const child = spawn(process.execPath, [join(__dirname, '../../dist/local/demo.js'), '--out', out], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGINT'), 140_000);
    child.once('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  const seconds = (Date.now() - started) / 1000;
  if (code !== 0) throw new Error(`the demo exited ${code} after ${seconds.toFixed(0)} s:\n${output.slice(-6000)}`);
  expect(output).not.toMatch(/^FAIL /m);
  expect(output.match(/^ok {3}/gm)?.length ?? 0).toBeGreaterThanOrEqual(20);
  const html = readFileSync(out, 'utf8');
  expect(html).toContain('Everything went as expected.');
  expect(html).not.toContain('class="failed"');
  expect(html.match(/R3 preference reminder of the following cycle/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
  expect(html).toContain('following cycle activated (R11)');
  expect(html).toMatch(/transmission attempt #2/);
});
