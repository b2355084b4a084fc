import { randomUUID } from 'node:crypto';
import type { FunctionRegistry, HostLogger, RegisteredFunction } from './registry';
import type { CoreInvocationContext, RpcInvocationResponse, RpcParameterBinding, RpcTypedData } from './types';

export interface InvocationInput {
  inputData: RpcParameterBinding[];
  triggerMetadata?: Record<string, RpcTypedData>;
  invocationId?: string;
}

export class InvocationError extends Error {
  override name = 'InvocationError';
  constructor(
    readonly functionName: string,
    readonly invocationId: string,
    readonly failure: unknown
  ) {
    super(`Function "${functionName}" (invocation ${invocationId}) failed: ${describe(failure)}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs one invocation the way the Node.js worker does: the programming model turns RPC data into
 * arguments, the pre/post invocation hooks run around the handler, and the model turns the result
 * back into RPC output data.
 */
export async function invokeFunction(
  registry: FunctionRegistry,
  fn: RegisteredFunction,
  input: InvocationInput,
  log: HostLogger
): Promise<RpcInvocationResponse> {
  const model = registry.programmingModel;
  if (!model) {
    throw new Error('The app registered functions without a programming model (is "@azure/functions" loaded?).');
  }
  const invocationId = input.invocationId ?? randomUUID();
  const coreContext: CoreInvocationContext = {
    invocationId,
    metadata: fn.metadata,
    request: {
      invocationId,
      functionId: fn.name,
      inputData: input.inputData,
      triggerMetadata: input.triggerMetadata ?? {},
    },
    state: 'preInvocationHooks',
    log: (level, category, message) => log(level, category, message, fn.name),
  };
  const invocationModel = model.getInvocationModel(coreContext);
  const { context, inputs } = await invocationModel.getArguments();
  const hookData: Record<string, unknown> = {};
  const preContext: Record<string, unknown> = {
    invocationContext: context,
    inputs,
    functionCallback: fn.callback,
    hookData,
    appHookData: registry.appHookData,
  };
  for (const hook of registry.hooks.get('preInvocation') ?? []) await hook(preContext);

  coreContext.state = 'invocation';
  let result: unknown;
  let error: unknown;
  try {
    result = await invocationModel.invokeFunction(
      context,
      preContext.inputs as unknown[],
      preContext.functionCallback as RegisteredFunction['callback']
    );
  } catch (caught) {
    error = caught;
  }

  coreContext.state = 'postInvocationHooks';
  const postContext: Record<string, unknown> = {
    invocationContext: context,
    inputs: preContext.inputs,
    result,
    error,
    hookData,
    appHookData: registry.appHookData,
  };
  for (const hook of registry.hooks.get('postInvocation') ?? []) await hook(postContext);
  if (postContext.error !== undefined) throw new InvocationError(fn.name, invocationId, postContext.error);
  return invocationModel.getResponse(context, postContext.result);
}

/** Runs the app's appStart or appTerminate hooks. */
export async function runAppHooks(
  registry: FunctionRegistry,
  hookName: 'appStart' | 'appTerminate',
  functionAppDirectory: string
): Promise<void> {
  for (const hook of registry.hooks.get(hookName) ?? []) {
    await hook({ hookData: {}, appHookData: registry.appHookData, functionAppDirectory });
  }
}
