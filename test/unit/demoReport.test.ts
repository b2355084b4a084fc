// The demo's report (local/demo/report.ts): text is escaped, milestones sit on the chart by their date, the page
// is self-contained.
import {
  chart,
  escapeHtml,
  renderChartSvg,
  renderReportHtml,
  renderTimelineText,
  xOf,
  type DemoReport,
} from '../../local/demo/report';

const report: DemoReport = {
  title: 'Demo <year>',
  from: '2030-01-01T00:00:00.000Z',
  to: '2031-01-01T00:00:00.000Z',
  factories: [
    {
      label: 'Meghna <script>alert(1)</script> & Co',
      country: 'BD',
      factoryId: 'BD-1',
      events: [
        { at: '2030-07-02T12:00:00.000Z', what: 'R16 report released', kind: 'step' },
        { at: '2030-01-01T00:00:00.000Z', what: 'enrolled "early"', kind: 'step' },
        { at: '2031-01-01T00:00:00.000Z', what: 'R10 T&C expired', kind: 'milestone' },
      ],
    },
  ],
  emails: [{ at: '2030-01-01T00:01:00.000Z', to: ['fm@example.com'], subject: 'Set up <b>the account</b>' }],
  checks: [{ what: 'all good', ok: true }],
};

describe('the demo report', () => {
  it('escapes every text it shows', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const html = renderReportHtml(report);
    expect(html).not.toContain('<script>');
    expect(html).toContain('Meghna &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(html).toContain('Set up &lt;b&gt;the account&lt;/b&gt;');
    expect(html).toContain('enrolled &quot;early&quot;');
  });

  it('is self-contained: no scripts, no external resources', () => {
    const html = renderReportHtml(report);
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
    expect(html).toContain('<svg');
  });

  it('places milestones on the x axis by their date, within the chart', () => {
    const left = xOf(report.from, report.from, report.to);
    const right = xOf(report.to, report.from, report.to);
    expect(left).toBe(chart.left);
    expect(right).toBe(chart.width - chart.right);
    const mid = xOf('2030-07-02T12:00:00.000Z', report.from, report.to);
    expect(Math.abs(mid - (left + right) / 2)).toBeLessThan(1);
    expect(xOf('2029-01-01T00:00:00.000Z', report.from, report.to)).toBe(left); // clamped
    const svg = renderChartSvg(report);
    const xs = [...svg.matchAll(/<circle class="event [a-z]+" cx="([\d.]+)"[^>]*data-at="([^"]+)"/g)].map((m) => ({
      x: Number(m[1]),
      at: m[2],
    }));
    expect(xs).toEqual([
      { x: left, at: '2030-01-01T00:00:00.000Z' },
      { x: mid, at: '2030-07-02T12:00:00.000Z' },
      { x: right, at: '2031-01-01T00:00:00.000Z' },
    ]);
  });

  it('prints a timeline per factory in date order', () => {
    const text = renderTimelineText(report.factories);
    const lines = text.split('\n');
    expect(lines[0]).toContain('(BD, BD-1)');
    expect(lines.slice(1, 4)).toEqual([
      '  2030-01-01 00:00  enrolled "early"',
      '  2030-07-02 12:00  R16 report released',
      '  2031-01-01 00:00  R10 T&C expired',
    ]);
  });
});
