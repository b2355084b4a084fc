import { checkHealth } from '../../shared/app/checkHealth';
import type { HealthProbe } from '../../shared/ports/health';

const clock = { now: () => new Date('2026-11-21T10:00:00Z') };
const up = (name: string): HealthProbe => ({ name, check: async () => undefined });

describe('health', () => {
  it('is healthy when every dependency answers', async () => {
    const report = await checkHealth([up('cosmos'), up('storage')], clock);
    expect(report.status).toBe('healthy');
    expect(report.checkedAt).toBe('2026-11-21T10:00:00.000Z');
    expect(report.dependencies.map((d) => [d.name, d.status])).toEqual([
      ['cosmos', 'up'],
      ['storage', 'up'],
    ]);
    for (const d of report.dependencies) expect(d.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('is unhealthy when one fails or hangs, naming only the kind of failure', async () => {
    const failing: HealthProbe = {
      name: 'cosmos',
      check: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8081 key=secret'), { code: 'ECONNREFUSED' });
      },
    };
    const hanging: HealthProbe = { name: 'storage', check: () => new Promise(() => undefined) };
    const report = await checkHealth([failing, hanging, up('other')], clock, 50);
    expect(report.status).toBe('unhealthy');
    expect(report.dependencies[0]).toMatchObject({ name: 'cosmos', status: 'down', detail: 'ECONNREFUSED' });
    expect(report.dependencies[1]).toMatchObject({ name: 'storage', status: 'down', detail: 'no answer within 50 ms' });
    expect(report.dependencies[2]).toMatchObject({ name: 'other', status: 'up' });
    expect(JSON.stringify(report)).not.toMatch(/secret/);
  });
});
