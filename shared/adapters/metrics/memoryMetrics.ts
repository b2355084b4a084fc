import type { MetricAttributes, MetricName, Metrics } from '../../ports/metrics';

export interface MetricSeries {
  name: MetricName;
  attributes: MetricAttributes;
  value: number;
}

export interface MemoryMetrics extends Metrics {
  /** The total of `name` over the series whose attributes include `where`. */
  total(name: MetricName, where?: MetricAttributes): number;
  /** One entry per metric and set of attributes, with its running total. */
  series(): MetricSeries[];
  reset(): void;
}

/** Counters summed in memory (one entry per name and attributes): the local platform's and the unit tests'. */
export function memoryMetrics(): MemoryMetrics {
  const sums = new Map<string, MetricSeries>();
  return {
    add(name, attributes = {}, value = 1) {
      const clean = Object.fromEntries(
        Object.entries(attributes)
          .filter(([, v]) => v !== undefined)
          .sort(([a], [b]) => a.localeCompare(b))
      ) as MetricAttributes;
      const key = `${name} ${JSON.stringify(clean)}`;
      const series = sums.get(key) ?? { name, attributes: clean, value: 0 };
      series.value += value;
      sums.set(key, series);
    },
    total(name, where = {}) {
      let sum = 0;
      for (const s of sums.values()) {
        const matches = Object.entries(where).every(
          ([key, value]) => s.attributes[key as keyof MetricAttributes] === value
        );
        if (s.name === name && matches) sum += s.value;
      }
      return sum;
    },
    series: () => [...sums.values()].map((s) => ({ ...s, attributes: { ...s.attributes } })),
    reset: () => sums.clear(),
  };
}
