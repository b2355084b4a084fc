import type {
  Disposable,
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  HookName,
  ProgrammingModel,
  RpcBindingInfo,
  RpcLogCategory,
  RpcLogLevel,
} from './types';

export interface RegisteredFunction {
  name: string;
  metadata: FunctionMetadata;
  callback: FunctionCallback;
  triggerName: string;
  trigger: RpcBindingInfo & { type: string };
}

/** Checks a registration of one trigger type; throws an Error with a clear message when it cannot be served. */
export type TriggerValidator = (fn: RegisteredFunction) => void;

export class RegistrationError extends Error {
  override name = 'RegistrationError';
}

const hookNames: readonly HookName[] = ['appStart', 'appTerminate', 'preInvocation', 'postInvocation', 'log'];

/** What the app registered through '@azure/functions-core': functions, hooks and its programming model. */
export class FunctionRegistry {
  readonly functions = new Map<string, RegisteredFunction>();
  readonly hooks = new Map<HookName, HookCallback[]>(hookNames.map((name) => [name, []]));
  programmingModel: ProgrammingModel | undefined;
  /** Shared by all hooks of the app for its lifetime, as in the worker. */
  readonly appHookData: Record<string, unknown> = {};

  constructor(
    private readonly triggers: ReadonlyMap<string, TriggerValidator>,
    /** Trigger types the host refuses on purpose, with the reason it gives. */
    private readonly refused: ReadonlyMap<string, string> = new Map()
  ) {}

  get supportedTriggerTypes(): string[] {
    return [...this.triggers.keys()];
  }

  registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
    const name = metadata?.name;
    if (!name || typeof callback !== 'function') {
      throw new RegistrationError('registerFunction needs metadata with a name and a callback');
    }
    const key = name.toLowerCase();
    if (this.functions.has(key)) {
      throw new RegistrationError(`A function named "${name}" is already registered; function names must be unique.`);
    }
    const triggerEntry = Object.entries(metadata.bindings ?? {}).find(([, binding]) =>
      String(binding.type ?? '')
        .toLowerCase()
        .endsWith('trigger')
    );
    if (!triggerEntry) {
      throw new RegistrationError(`Function "${name}" has no trigger binding.`);
    }
    const [triggerName, binding] = triggerEntry;
    const type = String(binding.type);
    const refusal = this.refused.get(type);
    if (refusal) throw new RegistrationError(`Function "${name}" uses a "${type}" trigger: ${refusal}`);
    const validate = this.triggers.get(type);
    if (!validate) {
      throw new RegistrationError(
        `Function "${name}" uses a "${type}" trigger, which the local host does not support yet ` +
          `(supported: ${this.supportedTriggerTypes.join(', ')}).`
      );
    }
    const fn: RegisteredFunction = { name, metadata, callback, triggerName, trigger: { ...binding, type } };
    validate(fn);
    this.functions.set(key, fn);
    return { dispose: () => this.functions.delete(key) };
  }

  registerHook(hookName: string, callback: HookCallback): Disposable {
    const list = this.hooks.get(hookName as HookName);
    if (!list) throw new RegistrationError(`Unknown hook "${hookName}" (known: ${hookNames.join(', ')}).`);
    list.push(callback);
    return {
      dispose: () => {
        const index = list.indexOf(callback);
        if (index >= 0) list.splice(index, 1);
      },
    };
  }

  functionsWithTrigger(type: string): RegisteredFunction[] {
    return [...this.functions.values()].filter((fn) => fn.trigger.type === type);
  }
}

export type HostLogger = (level: RpcLogLevel, category: RpcLogCategory, message: string, functionName?: string) => void;
