// R16: the assessment report as a page a person can open: static HTML (no script, no external resource),
// every text escaped, one inline style sheet allowed by its hash in a strict Content-Security-Policy. Pure.
import type { AssessmentReport } from './report';

const style = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.25rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #0b5394}
h3{font-size:1.05rem;margin:1.25rem 0 .5rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0}
table{border-collapse:collapse;width:100%;margin-bottom:1rem}th,td{border:1px solid #c8c8c8;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eef3f8}.nc{color:#a40000;font-weight:600}.c{color:#1d6b1d}.muted{color:#555}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}}
`.trim();

/** Escapes a text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const resultLabel = { compliant: 'Compliant', nonCompliant: 'Non-compliant' } as const;

/** The page of a report. */
export function renderReportHtml(report: AssessmentReport): string {
  const e = escapeHtml;
  const summaryRows = report.clusters
    .map((c) => `<tr><td>${e(c.cluster)}</td><td>${c.assessed}</td><td>${c.nonCompliant}</td></tr>`)
    .join('');
  const clusters = report.clusters
    .map((c) => {
      const points = c.points
        .map((p) => {
          const rows = p.findings
            .map(
              (f) =>
                `<tr><td>${e(f.questionId)}</td><td>${e(f.question)}</td>` +
                `<td class="${f.result === 'nonCompliant' ? 'nc' : 'c'}">${resultLabel[f.result]}</td>` +
                `<td>${f.notes === null ? '' : e(f.notes)}</td></tr>`
            )
            .join('');
          return (
            `<h3>${e(p.point)} <span class="muted">(${p.nonCompliant} non-compliant of ${p.assessed})</span></h3>` +
            `<table><thead><tr><th>Question</th><th>Text</th><th>Finding</th><th>Notes</th></tr></thead><tbody>${rows}</tbody></table>`
          );
        })
        .join('');
      return `<section><h2>${e(c.cluster)}</h2>${points}</section>`;
    })
    .join('');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(report.title)}: ${e(report.factory.name)}, ${e(report.cycle.cycleId)}</title>`,
    `<style>${style}</style>`,
    '</head><body>',
    `<h1>${e(report.title)}</h1>`,
    `<p class="muted">Report ${e(report.reportId)}</p>`,
    '<dl>',
    `<dt>Factory</dt><dd>${e(report.factory.name)} (${e(report.factory.factoryId)})</dd>`,
    `<dt>Address</dt><dd>${e(report.factory.address)}, ${e(report.factory.countryCode)}</dd>`,
    `<dt>Cycle</dt><dd>${e(report.cycle.cycleId)}: ${e(report.cycle.startsOn)} to ${e(report.cycle.endsOn)}</dd>`,
    `<dt>Assessment</dt><dd>${e(report.assessment.methodName)}, ${e(report.assessment.firstDay)} to ${e(report.assessment.lastDay)}</dd>`,
    `<dt>Coverage</dt><dd>${e(report.assessment.coverage)}</dd>`,
    `<dt>Released</dt><dd>${e(report.release.releasedAt.slice(0, 10))} (release deadline ${e(report.release.deadline)}${report.release.late ? ', released late' : ''})</dd>`,
    '</dl>',
    '<h2>Summary</h2>',
    `<p>${report.summary.assessed} questions assessed: ${report.summary.compliant} compliant, ${report.summary.nonCompliant} non-compliant, in ${report.summary.clustersWithNonCompliance} cluster(s) with non-compliance.</p>`,
    `<table><thead><tr><th>Cluster</th><th>Assessed</th><th>Non-compliant</th></tr></thead><tbody>${summaryRows}</tbody></table>`,
    clusters,
    '</body></html>',
  ].join('\n');
}

/** The content of the page's style sheet (the one `<style>` element the renderer writes), if any. */
export function styleSheetOf(html: string): string | undefined {
  return /<style>([\s\S]*?)<\/style>/.exec(html)?.[1];
}

/**
 * The Content-Security-Policy a stored report page is served with: nothing may load or run; only the page's
 * own style sheet applies, allowed by its SHA-256 (base64; taken from the stored page itself, so an older page
 * keeps its style); the page cannot be framed and is sandboxed.
 */
export function reportPageSecurityPolicy(styleSha256: string | undefined): string {
  return [
    "default-src 'none'",
    `style-src ${styleSha256 ? `'sha256-${styleSha256}'` : "'none'"}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    'sandbox',
  ].join('; ');
}
