// `npm run audit`: `npm audit` of the production dependencies; fails on a high or critical advisory.
// When the registry's audit endpoint cannot be reached (the development machines' registry mirror answers
// 405 to it), it says so in one line and exits 0: the check did not run, which is not the same as passing.
import { spawnSync } from 'node:child_process';

const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], {
  encoding: 'utf8',
  shell: process.platform === 'win32',
});
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  report = undefined;
}

if (!report || report.error || !report.metadata) {
  const reason =
    report?.message ??
    report?.error?.summary ??
    report?.error?.code ??
    (run.stderr.trim().split('\n').pop() || 'no answer');
  console.log(`npm audit: NOT CHECKED, the registry's audit endpoint could not be reached (${reason})`);
  process.exit(0);
}

const counts = report.metadata.vulnerabilities ?? {};
const serious = (counts.high ?? 0) + (counts.critical ?? 0);
const names = Object.values(report.vulnerabilities ?? {})
  .filter((v) => v.severity === 'high' || v.severity === 'critical')
  .map((v) => `${v.name} (${v.severity})`);
console.log(
  `npm audit (production dependencies): ${counts.critical ?? 0} critical, ${counts.high ?? 0} high, ` +
    `${counts.moderate ?? 0} moderate, ${counts.low ?? 0} low` +
    (names.length > 0 ? `: ${names.join(', ')}` : '')
);
process.exit(serious > 0 ? 1 : 0);
