// The durableTask section of host.json, as far as the local durable engine uses it.

export interface DurableTaskSettings {
  hubName: string;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
  /** NonRunningStates: starting an instance that is Pending, Running or Suspended answers 409. */
  overridableExistingInstanceStates: 'NonRunningStates' | 'AnyState';
  /** TimeSpan text, as the extension passes it to the orchestrator ("6.00:00:00" with Azure Storage). */
  maximumShortTimerDuration: string;
  longRunningTimerIntervalDuration: string;
  defaultHttpAsyncRequestSleepTimeMilliseconds: number;
}

export const defaultDurableTaskSettings: DurableTaskSettings = {
  hubName: 'TestHubName',
  maxConcurrentActivityFunctions: 10,
  maxConcurrentOrchestratorFunctions: 10,
  overridableExistingInstanceStates: 'NonRunningStates',
  maximumShortTimerDuration: '6.00:00:00',
  longRunningTimerIntervalDuration: '3.00:00:00',
  defaultHttpAsyncRequestSleepTimeMilliseconds: 30_000,
};

function positiveInteger(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : fallback;
}

/** Reads `extensions.durableTask` of a parsed host.json. */
export function durableTaskSettings(hostJson: unknown): DurableTaskSettings {
  const extensions = (hostJson as { extensions?: { durableTask?: Record<string, unknown> } } | undefined)?.extensions;
  const section = extensions?.durableTask ?? {};
  const overridable = section['overridableExistingInstanceStates'];
  return {
    ...defaultDurableTaskSettings,
    hubName: typeof section['hubName'] === 'string' && section['hubName'] ? section['hubName'] : 'TestHubName',
    maxConcurrentActivityFunctions: positiveInteger(
      section['maxConcurrentActivityFunctions'],
      defaultDurableTaskSettings.maxConcurrentActivityFunctions
    ),
    maxConcurrentOrchestratorFunctions: positiveInteger(
      section['maxConcurrentOrchestratorFunctions'],
      defaultDurableTaskSettings.maxConcurrentOrchestratorFunctions
    ),
    overridableExistingInstanceStates: overridable === 'AnyState' ? 'AnyState' : 'NonRunningStates',
  };
}

/** Milliseconds of a .NET TimeSpan text: "d.hh:mm:ss", "hh:mm:ss" or "hh:mm:ss.fff". */
export function timeSpanMs(text: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a TimeSpan (d.hh:mm:ss)`);
  const [, days, hours, minutes, seconds, fraction] = match;
  const ms = fraction ? Math.round(Number(`0.${fraction}`) * 1000) : 0;
  return (((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000 + ms;
}
