// The demo's report (local/demo/report.ts): text is escaped, milestones sit on the chart by their date, the page
// is self-contained; the following cycle (local/demo/followingCycle.ts) and its reminders are in it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CycleJourney, planCycleJourney } from '../../local/demo/cycleJourney';
import { followingCycleEvents, followingCycleTimeline, planFollowingCycle } from '../../local/demo/followingCycle';
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

describe('the following cycle in the demo (issue 7: the reminders of the following cycle)', () => {
  const termsSignedAt = '2030-01-07T09:01:00.000Z';
  const journeyOf = () => {
    const journey = new CycleJourney(
      planCycleJourney({ label: 'Meghna Knit', country: 'BD', cycleStartsOn: '2030-02-01', method: 'visit' })
    );
    Object.assign(journey.record, { factoryId: 'BD-1', cycleId: 'BD-1-C2' });
    Object.assign(journey.record.people, { managerUserId: 'u-fm', managerEmail: 'fm@example.com' });
    journey.record.dates.termsSignedAt = termsSignedAt;
    return journey;
  };

  it('plans the year on: R3 answered two days after it comes, T&C signed again, the next cycle set up by staff', () => {
    const following = planFollowingCycle(journeyOf(), { answerReminder: true, termsSignedAt });
    expect(following.plan).toEqual({
      cycle: { startsOn: '2031-02-01', endsOn: '2032-01-31' },
      answerReminderAt: '2030-12-02T08:30:00.000Z', // R3 comes on 2030-11-30: two months before 2031-01-31
      resignTermsAt: '2031-01-10T08:00:00.000Z', // the signature of 2030-01-07 ran out on 2031-01-07 (R10)
      registerAt: '2031-01-18T09:30:00.000Z',
      activateAt: '2031-02-01T09:30:00.000Z',
    });
    expect(planFollowingCycle(journeyOf(), { answerReminder: false, termsSignedAt }).plan.answerReminderAt).toBeNull();
  });

  it("expects R3 once for the following cycle and R10 for the renewed signature, to the factory's manager", () => {
    const journey = journeyOf();
    const following = planFollowingCycle(journey, { answerReminder: false, termsSignedAt });
    // Before the cycle is registered its reminder cannot be dated.
    expect(followingCycleEvents(journey, following).every((e) => e.dueAt === null)).toBe(true);
    Object.assign(following.record, {
      cycleId: 'BD-1-C3',
      registeredAt: '2031-01-18T09:30:00.000Z',
      activatedAt: '2031-02-01T09:30:00.000Z',
      termsResignedAt: '2031-01-10T08:00:00.000Z',
      sharingEffective: false,
    });
    const events = followingCycleEvents(journey, following);
    expect(events.map((e) => [e.what, e.dueAt === null ? null : new Date(e.dueAt).toISOString(), e.audit])).toEqual([
      ['R3 preference reminder of the following cycle', '2031-11-30T00:00:00.000Z', 'slcp.preferenceReminderSent'],
      ['R10 T&C expiry reminder of the renewed signature', '2031-12-11T08:00:00.000Z', 'terms.expiryReminderSent'],
      ['R10 T&C expiry of the renewed signature', '2032-01-10T08:00:00.000Z', 'terms.expiredNoticeSent'],
    ]);
    for (const e of events) {
      expect(e.emailed.map((p) => p.email)).toEqual(['fm@example.com']);
      expect(e.notified.map((p) => p.key)).toEqual([journey.plan.manager]);
      expect(e.milestone).toBeNull();
    }
  });

  it('shows the following cycle and its reminders in the timeline and on the chart, up to the end of the demo', () => {
    const journey = journeyOf();
    const following = planFollowingCycle(journey, { answerReminder: true, termsSignedAt });
    Object.assign(following.record, {
      cycleId: 'BD-1-C3',
      reminderAnsweredAt: '2030-12-02T08:30:00.000Z',
      termsResignedAt: '2031-01-10T08:00:00.000Z',
      profilePercentBeforeResigning: 92,
      registeredAt: '2031-01-18T09:30:00.000Z',
      activatedAt: '2031-02-01T09:30:00.000Z',
      sharingEffective: true,
    });
    const end = '2031-12-31T00:00:00.000Z';
    const events = followingCycleTimeline(journey, following, new Date(end));
    const yearReport: DemoReport = {
      ...report,
      from: '2030-01-01T00:00:00.000Z',
      to: end,
      factories: [{ label: 'Meghna Knit', country: 'BD', factoryId: 'BD-1', events }],
    };
    expect(renderTimelineText(yearReport.factories).split('\n').slice(1, -1)).toEqual([
      '  2030-12-02 08:30  answered the R3 reminder from its link: asked to share (R2)',
      '  2031-01-10 08:00  T&C signed again (the profile was at 92 %)',
      '  2031-01-18 09:30  following cycle 2031-02-01 registered, sharing effective (R23)',
      '  2031-02-01 09:30  following cycle activated (R11)',
      '  2031-11-30 00:00  R3 preference reminder of the following cycle',
      '  2031-12-11 08:00  R10 T&C expiry reminder of the renewed signature',
      // the renewed signature's expiry (2032-01-10) is after the end of the demo: not shown
    ]);
    const svg = renderChartSvg(yearReport);
    const r3 = /<circle class="event milestone" cx="([\d.]+)"[^>]*data-at="2031-11-30T00:00:00.000Z"/.exec(svg);
    expect(r3).not.toBeNull();
    const x = Number(r3![1]);
    expect(x).toBeGreaterThan(chart.left);
    expect(x).toBeLessThan(chart.width - chart.right);
    expect(x).toBe(xOf('2031-11-30T00:00:00.000Z', yearReport.from, yearReport.to));
    expect(renderReportHtml(yearReport)).toContain('R3 preference reminder of the following cycle');
  });
});

describe('the demo stands on its own', () => {
  it('imports nothing from test/ (its checks live in local/demo/checks.ts)', () => {
    const dir = join(__dirname, '../../local/demo');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      expect([file, readFileSync(join(dir, file), 'utf8').match(/from '[^']*\/test\/[^']*'/g)]).toEqual([file, null]);
    }
  });
});
