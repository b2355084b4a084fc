// What an orchestrator function returns: the `OrchestratorState` of `durable-functions` (isDone, the
// actions it yielded so far, output, error, custom status), as JSON. With replay schema V3 (the one the
// engine announces, see orchestrationTriggerInput) `actions` is one list, in the order the orchestrator
// yielded its tasks, with Task.all/Task.any as compound actions holding their children.

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

const actionTypeNames = new Map<number, string>(Object.entries(ActionType).map(([name, code]) => [code, name]));

export function actionTypeName(code: number): string {
  return actionTypeNames.get(code) ?? `Unknown(${code})`;
}

export interface RetryOptionsJson {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export interface ActionJson {
  actionType: number;
  functionName?: string;
  /** Activities and continueAsNew: a string here is already JSON text (the SDK's processInput). */
  input?: unknown;
  retryOptions?: RetryOptionsJson;
  instanceId?: string;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: ActionJson[];
}

export interface OrchestratorStateJson {
  isDone: boolean;
  actions: ActionJson[];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseAction(value: unknown, where: string): ActionJson {
  if (!isRecord(value) || typeof value['actionType'] !== 'number') {
    throw new Error(`the orchestrator returned an action without an actionType at ${where}`);
  }
  const action = value as unknown as ActionJson;
  if (action.compoundActions !== undefined) {
    if (!Array.isArray(action.compoundActions)) throw new Error(`compoundActions is not a list at ${where}`);
    action.compoundActions = action.compoundActions.map((child, i) => parseAction(child, `${where}.${i}`));
  }
  return action;
}

/** Reads the OrchestratorState JSON an orchestrator returned (or embedded in its failure). */
export function parseOrchestratorState(value: unknown): OrchestratorStateJson {
  if (!isRecord(value) || typeof value['isDone'] !== 'boolean' || !Array.isArray(value['actions'])) {
    throw new Error(
      'the orchestrator did not return an orchestration state (is it registered with df.app.orchestration?)'
    );
  }
  const outer = value['actions'] as unknown[];
  // Schema V2+ wraps the one list in an outer list; V1 has one inner list per yield. Both flatten the same way.
  const flat = outer.flatMap((inner) => (Array.isArray(inner) ? (inner as unknown[]) : [inner]));
  return {
    isDone: value['isDone'],
    actions: flat.map((action, i) => parseAction(action, String(i))),
    output: value['output'],
    error: typeof value['error'] === 'string' ? value['error'] : undefined,
    customStatus: value['customStatus'],
    schemaVersion: typeof value['schemaVersion'] === 'number' ? value['schemaVersion'] : undefined,
  };
}

/** What must stay the same at each position across replays (inputs and times may be computed). */
export function actionSignature(action: ActionJson): string {
  const name = action.functionName ?? action.externalEventName ?? '';
  const head = `${actionTypeName(action.actionType)}${name ? `(${name})` : ''}`;
  return action.compoundActions ? `${head}[${action.compoundActions.map(actionSignature).join(', ')}]` : head;
}

/**
 * The JSON text of an activity or continueAsNew input: the SDK has already turned a string input into JSON
 * text (so the extension reads it as JSON), and left other values as they are.
 */
export function processedInputText(input: unknown): string | undefined {
  if (input === undefined) return undefined;
  return typeof input === 'string' ? input : JSON.stringify(input);
}

/** The JSON text of a sub-orchestration input, which the SDK passes as it is. */
export function rawInputText(input: unknown): string | undefined {
  return input === undefined ? undefined : JSON.stringify(input);
}
