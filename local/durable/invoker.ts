// How the engine runs the app's orchestrator and activity functions: through the same invocation path as
// every other trigger (local/core/invoke.ts: the programming model, the app's hooks), with the trigger
// data shaped as the Durable Functions extension sends it.

import { invokeFunction, InvocationError } from '../core/invoke';
import type { FunctionRegistry, HostLogger, RegisteredFunction } from '../core/registry';
import type { RpcTypedData } from '../core/types';
import { parseOrchestratorState, type OrchestratorStateJson } from './actions';
import { durableClientInputs, type ClientData } from './clientData';
import type { HistoryEvent } from './history';

/** The orchestration trigger's data (DurableOrchestrationBindingInfo of durable-functions). */
export interface OrchestrationTriggerInput {
  history: HistoryEvent[];
  input: unknown;
  instanceId: string;
  isReplaying: boolean;
  parentInstanceId: string | null;
  /**
   * The extension announces V2 here and V3 in upperSchemaVersionNew (ReplaySchema numbers: V1 = 0, V2 = 1,
   * V3 = 2); durable-functions 3.x takes the latter. V3 is what enables long timers; V4 only adds entity
   * locks, which the local engine does not run.
   */
  upperSchemaVersion: number;
  upperSchemaVersionNew: number;
  longRunningTimerIntervalDuration: string;
  maximumShortTimerDuration: string;
  defaultHttpAsyncRequestSleepTimeMillseconds: number;
}

export const replaySchemaV2 = 1;
export const replaySchemaV3 = 2;

export type EpisodeOutcome =
  | { kind: 'state'; state: OrchestratorStateJson }
  /** The orchestrator threw: its message, and the state it had reached when the SDK embedded one. */
  | { kind: 'failed'; message: string; details: string; state?: OrchestratorStateJson };

export type ActivityOutcome =
  { kind: 'completed'; result: string } | { kind: 'failed'; message: string; details: string };

export interface DurableFunctions {
  /** The registered name of an orchestrator function (names are case-insensitive, as in Azure). */
  orchestratorName(name: string): string | undefined;
  activityName(name: string): string | undefined;
  runOrchestrator(name: string, input: OrchestrationTriggerInput): Promise<EpisodeOutcome>;
  runActivity(name: string, input: string | undefined): Promise<ActivityOutcome>;
}

const outOfProcDataLabel = '\n\n$OutOfProcData$:';

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** Reads an orchestrator's failure: the OrchestrationFailureError of durable-functions embeds its state. */
export function orchestratorFailure(error: unknown): Extract<EpisodeOutcome, { kind: 'failed' }> {
  const failure = error instanceof InvocationError ? error.failure : error;
  const message = failure instanceof Error ? failure.message : String(failure);
  const at = message.indexOf(outOfProcDataLabel);
  if (at >= 0) {
    try {
      const state = parseOrchestratorState(JSON.parse(message.slice(at + outOfProcDataLabel.length)));
      const reason = state.error ?? message.slice(0, at);
      return { kind: 'failed', message: reason, details: stackOf(failure) ?? reason, state };
    } catch {
      // fall through: report the message as it is
    }
  }
  return { kind: 'failed', message: firstLine(message), details: stackOf(failure) ?? message };
}

function stackOf(error: unknown): string | undefined {
  if (!(error instanceof Error) || !error.stack) return undefined;
  const lines = error.stack.split('\n');
  // The OrchestrationFailureError stack repeats the embedded state in its first line: keep the frames.
  return lines.filter((line) => !line.includes(outOfProcDataLabel.trim())).join('\n');
}

/** The JSON text of what a function returned, as DurableTask.Core records a result. */
export function resultText(data: RpcTypedData | null | undefined): string {
  if (!data) return 'null';
  if (typeof data.json === 'string') return data.json;
  if (typeof data.string === 'string') return JSON.stringify(data.string);
  if (typeof data.int === 'number') return JSON.stringify(data.int);
  if (typeof data.double === 'number') return JSON.stringify(data.double);
  if (data.bytes) return JSON.stringify(Buffer.from(data.bytes).toString('base64'));
  return 'null';
}

/** The durable functions of the app loaded into the local host, run through the host's invocation path. */
export function hostDurableFunctions(
  registry: FunctionRegistry,
  log: HostLogger,
  client: () => ClientData
): DurableFunctions {
  const find = (name: string, type: string): RegisteredFunction | undefined => {
    const fn = registry.functions.get(name.toLowerCase());
    return fn && fn.trigger.type === type ? fn : undefined;
  };
  return {
    orchestratorName: (name) => find(name, 'orchestrationTrigger')?.name,
    activityName: (name) => find(name, 'activityTrigger')?.name,
    async runOrchestrator(name, input) {
      const fn = find(name, 'orchestrationTrigger');
      if (!fn) return { kind: 'failed', message: `The orchestrator function '${name}' does not exist.`, details: '' };
      try {
        const response = await invokeFunction(
          registry,
          fn,
          {
            inputData: [
              { name: fn.triggerName, data: { string: JSON.stringify(input) } },
              ...durableClientInputs(fn, client),
            ],
          },
          log
        );
        const data = response.returnValue;
        const value: unknown =
          typeof data?.json === 'string'
            ? JSON.parse(data.json)
            : typeof data?.string === 'string'
              ? JSON.parse(data.string)
              : undefined;
        return { kind: 'state', state: parseOrchestratorState(value) };
      } catch (error) {
        return orchestratorFailure(error);
      }
    },
    async runActivity(name, input) {
      const fn = find(name, 'activityTrigger');
      if (!fn) {
        const message = `The activity function '${name}' doesn't exist.`;
        return { kind: 'failed', message, details: message };
      }
      try {
        const response = await invokeFunction(
          registry,
          fn,
          {
            inputData: [
              { name: fn.triggerName, data: input === undefined ? null : { json: input } },
              ...durableClientInputs(fn, client),
            ],
          },
          log
        );
        return { kind: 'completed', result: resultText(response.returnValue) };
      } catch (error) {
        const failure = error instanceof InvocationError ? error.failure : error;
        const message = failure instanceof Error ? failure.message : String(failure);
        return { kind: 'failed', message, details: (failure instanceof Error && failure.stack) || message };
      }
    },
  };
}
