// The DurableTimelines port over the Durable Functions client: the same code talks to the Durable
// extension in Azure and to the local durable engine, through the client binding's `rpcBaseUrl`.
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import {
  instanceIds,
  type DurableInstanceStatus,
  type DurableTimelines,
  type TimelineRuntimeStatus,
  type TimelineSignal,
} from '../../ports/cycleTimeline';

export const orchestratorNames = {
  cycleTimeline: 'cycleTimeline',
  gatewayApproval: 'gatewayApproval',
  termsWatch: 'termsWatch',
  personalDataErasure: 'personalDataErasure',
} as const;

export const timelineEvents = {
  /** Wakes a cycle timeline; the payload is a TimelineSignal, for the record only. */
  cycleChanged: 'CycleChanged',
  gatewayApproved: 'GatewayApproved',
  termsSigned: 'TermsSigned',
} as const;

/** The input binding every function that starts, signals or reads orchestrations declares. */
export const durableClientInput = df.input.durableClient();

const live: readonly TimelineRuntimeStatus[] = ['Pending', 'Running', 'ContinuedAsNew', 'Suspended'];

export function durableTimelines(context: InvocationContext): DurableTimelines {
  const client = df.getClient(context);

  async function status(instanceId: string): Promise<DurableInstanceStatus | undefined> {
    let found: df.DurableOrchestrationStatus;
    try {
      found = await client.getStatus(instanceId, { showInput: false });
    } catch (error) {
      if (/HTTP 404/.test((error as Error).message)) return undefined;
      throw error;
    }
    return {
      instanceId,
      runtimeStatus: found.runtimeStatus as TimelineRuntimeStatus,
      createdTime: toIso(found.createdTime),
      lastUpdatedTime: toIso(found.lastUpdatedTime),
      customStatus: found.customStatus ?? undefined,
      output: found.output ?? undefined,
    };
  }

  async function ensure(
    orchestrator: string,
    instanceId: string,
    input: unknown
  ): Promise<{ instanceId: string; started: boolean }> {
    const current = await status(instanceId);
    if (current && live.includes(current.runtimeStatus)) return { instanceId, started: false };
    try {
      await client.startNew(orchestrator, { instanceId, input });
    } catch (error) {
      // Another caller started it between our read and our start: the instance runs, which is what we want.
      const again = await status(instanceId);
      if (again && live.includes(again.runtimeStatus)) return { instanceId, started: false };
      throw error;
    }
    return { instanceId, started: true };
  }

  async function raise(instanceId: string, eventName: string, data: unknown): Promise<boolean> {
    const current = await status(instanceId);
    if (!current || !live.includes(current.runtimeStatus)) return false;
    await client.raiseEvent(instanceId, eventName, data);
    return true;
  }

  return {
    ensureCycleTimeline: (start) => ensure(orchestratorNames.cycleTimeline, instanceIds.cycle(start.cycleId), start),
    async signalCycle(cycleId: string, signal: TimelineSignal) {
      await raise(instanceIds.cycle(cycleId), timelineEvents.cycleChanged, signal);
    },
    ensureGatewayApproval: (factoryId) =>
      ensure(orchestratorNames.gatewayApproval, instanceIds.gatewayApproval(factoryId), { factoryId }),
    async signalGatewayApproved(factoryId: string) {
      await raise(instanceIds.gatewayApproval(factoryId), timelineEvents.gatewayApproved, { factoryId });
    },
    async restartTermsWatch(factoryId: string, signedAt: string) {
      const instanceId = instanceIds.terms(factoryId);
      const raised = await raise(instanceId, timelineEvents.termsSigned, { factoryId, signedAt });
      if (!raised) await ensure(orchestratorNames.termsWatch, instanceId, { factoryId, signedAt });
    },
    startPersonalDataErasure: (userId) =>
      ensure(orchestratorNames.personalDataErasure, instanceIds.erasure(userId), { userId }),
    status,
    async liveInstanceIds() {
      const found = await client.getStatusBy({
        runtimeStatus: live.map((status) => status as df.OrchestrationRuntimeStatus),
      });
      return new Set(found.map((instance) => instance.instanceId));
    },
  };
}

function toIso(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
