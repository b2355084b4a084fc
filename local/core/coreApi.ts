import Module from 'node:module';
import type { FunctionRegistry, HostLogger } from './registry';
import type { Disposable, FunctionCallback, FunctionMetadata, HookCallback, ProgrammingModel } from './types';

export const localWorkerVersion = '3.10.1-local';
export const localHostVersion = '4.1000.0-local';

/** The object that `require('@azure/functions-core')` returns inside the local host, as the real worker does. */
export function createCoreApi(registry: FunctionRegistry, log: HostLogger) {
  return {
    version: localWorkerVersion,
    hostVersion: localHostVersion,
    registerFunction: (metadata: FunctionMetadata, callback: FunctionCallback): Disposable =>
      registry.registerFunction(metadata, callback),
    registerHook: (hookName: string, callback: HookCallback): Disposable => registry.registerHook(hookName, callback),
    setProgrammingModel: (model: ProgrammingModel): void => {
      registry.programmingModel = model;
    },
    getProgrammingModel: (): ProgrammingModel | undefined => registry.programmingModel,
    log: (level: Parameters<HostLogger>[0], category: Parameters<HostLogger>[1], message: string): void =>
      log(level, category, message),
    Disposable: class {
      constructor(private readonly callOnDispose: () => void) {}
      dispose(): void {
        this.callOnDispose();
      }
    },
  };
}

export type CoreApi = ReturnType<typeof createCoreApi>;

/**
 * Makes `require('@azure/functions-core')` resolve to the given API for every module loaded afterwards,
 * the way the Azure Functions Node.js worker does it.
 */
export function installCoreModule(coreApi: CoreApi): () => void {
  type RequireFn = (this: NodeJS.Module, id: string) => unknown;
  const proto = (Module as unknown as { prototype: { require: RequireFn } }).prototype;
  const original = proto.require;
  proto.require = new Proxy(original, {
    apply(target, thisArg: NodeJS.Module, args: [string]) {
      if (args[0] === '@azure/functions-core') return coreApi;
      return Reflect.apply(target, thisArg, args);
    },
  });
  return () => {
    proto.require = original;
  };
}
