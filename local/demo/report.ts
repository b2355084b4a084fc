// The demo's output (`npm run demo`): a readable timeline per factory for the console, and a self-contained
// HTML report (no external scripts, styles or fonts) with an inline SVG chart of the milestones of each factory
// over the year and the list of the emails sent. Pure functions: the demo gathers the facts, these render them.

/** One thing that happened to a factory, at a virtual moment. */
export interface DemoEvent {
  /** ISO 8601 (virtual time). */
  at: string;
  what: string;
  /** How it looks on the chart: a step the users took, a milestone of the timeline, a problem shown on purpose. */
  kind: 'step' | 'milestone' | 'refusal' | 'gateway';
}

export interface DemoFactory {
  label: string;
  country: string;
  factoryId: string;
  events: DemoEvent[];
}

export interface DemoEmail {
  /** ISO 8601 (the email's Date header: virtual time). */
  at: string;
  to: string[];
  subject: string;
}

export interface DemoReport {
  title: string;
  /** The period the chart spans (ISO 8601). */
  from: string;
  to: string;
  factories: DemoFactory[];
  emails: DemoEmail[];
  /** What the demo checked, each with its outcome. */
  checks: { what: string; ok: boolean; detail?: string }[];
  /** Real seconds the run took. */
  seconds?: number;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const minute = (at: string) => at.slice(0, 16).replace('T', ' ');

/** The console timeline: one block per factory, one line per event in date order. */
export function renderTimelineText(factories: readonly DemoFactory[]): string {
  const lines: string[] = [];
  for (const factory of factories) {
    lines.push(`${factory.label} (${factory.country}, ${factory.factoryId})`);
    for (const event of sortedEvents(factory.events)) lines.push(`  ${minute(event.at)}  ${event.what}`);
    lines.push('');
  }
  return lines.join('\n');
}

export function sortedEvents(events: readonly DemoEvent[]): DemoEvent[] {
  return [...events].sort((a, b) => a.at.localeCompare(b.at));
}

/** The chart's geometry. */
export const chart = { left: 190, right: 30, top: 40, rowHeight: 56, width: 1100 } as const;

/** Where a moment falls on the chart's x axis (clamped to the period). */
export function xOf(at: string, from: string, to: string, width: number = chart.width): number {
  const start = Date.parse(from);
  const end = Date.parse(to);
  const span = Math.max(1, end - start);
  const share = Math.min(1, Math.max(0, (Date.parse(at) - start) / span));
  return Math.round((chart.left + share * (width - chart.left - chart.right)) * 10) / 10;
}

const colours: Record<DemoEvent['kind'], string> = {
  step: '#2b6cb0',
  milestone: '#2f855a',
  refusal: '#c53030',
  gateway: '#b7791f',
};

/** The first day of each month within the period (UTC). */
function monthStarts(from: string, to: string): string[] {
  const start = new Date(from);
  const end = Date.parse(to);
  const months: string[] = [];
  let cursor = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1);
  while (cursor <= end) {
    months.push(new Date(cursor).toISOString());
    const d = new Date(cursor);
    cursor = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return months;
}

/** The inline SVG: a row per factory, a marker per event (its text in a tooltip), month ticks. */
export function renderChartSvg(report: Pick<DemoReport, 'from' | 'to' | 'factories'>): string {
  const { from, to, factories } = report;
  const height = chart.top + factories.length * chart.rowHeight + 30;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${chart.width}" height="${height}" viewBox="0 0 ${chart.width} ${height}" role="img" aria-label="Milestones per factory over the year">`,
  ];
  for (const month of monthStarts(from, to)) {
    const x = xOf(month, from, to);
    parts.push(
      `<line x1="${x}" y1="${chart.top - 12}" x2="${x}" y2="${height - 20}" stroke="#e2e8f0"/>`,
      `<text x="${x + 2}" y="${chart.top - 18}" font-size="11" fill="#4a5568">${escapeHtml(month.slice(0, 7))}</text>`
    );
  }
  factories.forEach((factory, row) => {
    const y = chart.top + row * chart.rowHeight + chart.rowHeight / 2;
    parts.push(
      `<text x="8" y="${y + 4}" font-size="13" fill="#1a202c">${escapeHtml(`${factory.label} (${factory.country})`)}</text>`,
      `<line x1="${chart.left}" y1="${y}" x2="${chart.width - chart.right}" y2="${y}" stroke="#a0aec0"/>`
    );
    sortedEvents(factory.events).forEach((event, i) => {
      const x = xOf(event.at, from, to);
      // Alternate the markers above and below the line so that close ones stay apart.
      const dy = i % 2 === 0 ? -9 : 9;
      parts.push(
        `<circle class="event ${event.kind}" cx="${x}" cy="${y + dy}" r="5" fill="${colours[event.kind]}" data-at="${escapeHtml(event.at)}">` +
          `<title>${escapeHtml(`${minute(event.at)} ${event.what}`)}</title></circle>`
      );
    });
  });
  const legendY = height - 8;
  let legendX = chart.left;
  for (const [kind, colour] of Object.entries(colours)) {
    parts.push(
      `<circle cx="${legendX}" cy="${legendY - 4}" r="5" fill="${colour}"/>`,
      `<text x="${legendX + 9}" y="${legendY}" font-size="11" fill="#4a5568">${kind}</text>`
    );
    legendX += 110;
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** The whole report: one HTML page, styles inline, no scripts. */
export function renderReportHtml(report: DemoReport): string {
  const ok = report.checks.every((c) => c.ok);
  const factoryTables = report.factories
    .map(
      (factory) =>
        `<h3>${escapeHtml(`${factory.label} (${factory.country}, ${factory.factoryId})`)}</h3>\n<table><tr><th>Virtual date</th><th>Event</th></tr>\n` +
        sortedEvents(factory.events)
          .map(
            (e) =>
              `<tr class="${e.kind}"><td class="time">${escapeHtml(minute(e.at))}</td><td>${escapeHtml(e.what)}</td></tr>`
          )
          .join('\n') +
        '\n</table>'
    )
    .join('\n');
  const emails = [...report.emails]
    .sort((a, b) => a.at.localeCompare(b.at))
    .map(
      (m) =>
        `<tr><td class="time">${escapeHtml(minute(m.at))}</td><td>${escapeHtml(m.to.join(', '))}</td><td>${escapeHtml(m.subject)}</td></tr>`
    )
    .join('\n');
  const checks = report.checks
    .map(
      (c) =>
        `<li class="${c.ok ? 'ok' : 'failed'}">${c.ok ? '✔' : '✘'} ${escapeHtml(c.what)}${c.detail ? ` — ${escapeHtml(c.detail)}` : ''}</li>`
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(report.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1a202c; }
table { border-collapse: collapse; margin-bottom: 1rem; }
td, th { border-bottom: 1px solid #e2e8f0; padding: 0.25rem 0.75rem; text-align: left; font-size: 0.9rem; }
td.time { white-space: nowrap; font-family: ui-monospace, monospace; }
tr.refusal td { color: #c53030; }
li.ok { color: #2f855a; } li.failed { color: #c53030; font-weight: bold; }
.chart { overflow-x: auto; }
</style>
</head>
<body>
<h1>${escapeHtml(report.title)}</h1>
<p>${ok ? 'Everything went as expected.' : 'Something went other than expected: see the checks.'} Virtual time from ${escapeHtml(report.from.slice(0, 10))} to ${escapeHtml(report.to.slice(0, 10))}${report.seconds !== undefined ? `, run in ${report.seconds.toFixed(0)} s of real time` : ''}.</p>
<h2>Milestones over the year</h2>
<div class="chart">
${renderChartSvg(report)}
</div>
<h2>Checks</h2>
<ul>
${checks}
</ul>
<h2>Timeline per factory</h2>
${factoryTables}
<h2>Emails sent (${report.emails.length})</h2>
<table><tr><th>Virtual date</th><th>To</th><th>Subject</th></tr>
${emails}
</table>
</body>
</html>
`;
}
