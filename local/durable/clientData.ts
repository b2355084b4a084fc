// The Durable client input binding (`df.input.durableClient()`, legacy `orchestrationClient`): what the
// extension hands a function that declares it, and what `df.getClient(context)` needs (see
// durable-functions' getClient.js, OrchestrationClientInputData.js and DurableClient.js). The client calls
// the Durable HTTP API at `rpcBaseUrl`, which the local host serves under /runtime/webhooks/durabletask/.

import type { RegisteredFunction } from '../core/registry';
import type { RpcParameterBinding } from '../core/types';

export const durableWebhookPath = ['runtime', 'webhooks', 'durabletask'] as const;
/** The placeholder the management URLs carry where the instance id goes. */
export const instanceIdPlaceholder = 'INSTANCEID';
/** The connection the Azure Storage provider reads (host.json has no other). */
export const connectionName = 'Storage';

export interface ClientData {
  taskHubName: string;
  creationUrls: { createNewInstancePostUri: string; createAndWaitOnNewInstancePostUri: string };
  managementUrls: {
    id: string;
    statusQueryGetUri: string;
    sendEventPostUri: string;
    terminatePostUri: string;
    rewindPostUri: string;
    purgeHistoryDeleteUri: string;
    restartPostUri: string;
    suspendPostUri: string;
    resumePostUri: string;
  };
  baseUrl: string;
  requiredQueryStringParameters: string;
  rpcBaseUrl: string;
  httpBaseUrl: string;
  connectionName: string;
}

export function webhookBaseUrl(port: number): string {
  return `http://127.0.0.1:${port}/${durableWebhookPath.join('/')}`;
}

export function managementUrls(base: string, taskHub: string, instanceId: string): ClientData['managementUrls'] {
  const query = `taskHub=${encodeURIComponent(taskHub)}&connection=${connectionName}`;
  const instance = `${base}/instances/${instanceId === instanceIdPlaceholder ? instanceId : encodeURIComponent(instanceId)}`;
  return {
    id: instanceId,
    statusQueryGetUri: `${instance}?${query}`,
    sendEventPostUri: `${instance}/raiseEvent/{eventName}?${query}`,
    terminatePostUri: `${instance}/terminate?reason={text}&${query}`,
    rewindPostUri: `${instance}/rewind?reason={text}&${query}`,
    purgeHistoryDeleteUri: `${instance}?${query}`,
    restartPostUri: `${instance}/restart?${query}`,
    suspendPostUri: `${instance}/suspend?reason={text}&${query}`,
    resumePostUri: `${instance}/resume?reason={text}&${query}`,
  };
}

export function clientData(port: number, taskHub: string): ClientData {
  const base = webhookBaseUrl(port);
  const query = `taskHub=${encodeURIComponent(taskHub)}&connection=${connectionName}`;
  return {
    taskHubName: taskHub,
    creationUrls: {
      createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${query}`,
      createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${query}`,
    },
    managementUrls: managementUrls(base, taskHub, instanceIdPlaceholder),
    baseUrl: base,
    requiredQueryStringParameters: '',
    rpcBaseUrl: `${base}/`,
    httpBaseUrl: base,
    connectionName,
  };
}

export function isDurableClientBinding(binding: { type?: string; direction?: string }): boolean {
  const type = String(binding.type ?? '').toLowerCase();
  return (type === 'durableclient' || type === 'orchestrationclient') && binding.direction !== 'out';
}

/** The input data entries for a function's durable client bindings (none when it declares none). */
export function durableClientInputs(fn: RegisteredFunction, data: () => ClientData): RpcParameterBinding[] {
  const names = Object.entries(fn.metadata.bindings ?? {})
    .filter(([, binding]) => isDurableClientBinding(binding))
    .map(([name]) => name);
  if (names.length === 0) return [];
  const text = JSON.stringify(data());
  return names.map((name) => ({ name, data: { string: text } }));
}
