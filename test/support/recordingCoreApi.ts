// A stand-in for '@azure/functions-core' (the API the Functions host gives the worker) that records every
// function the app registers, so a test can load functions/index.ts outside the host and see what it
// registers. Used from a jest.mock factory:
//   jest.mock('@azure/functions-core', () => jest.requireActual('../support/recordingCoreApi').coreApi, { virtual: true });
// and the test reads `registrations` by importing this module (the same instance: requireActual shares
// the module registry with imports).

export interface Registration {
  name: string;
  bindings: Record<string, { type: string; direction: string; route?: string; methods?: string[] }>;
}

/** Every function registered so far, in registration order. */
export const registrations: Registration[] = [];

export const coreApi = {
  version: '3.10.1',
  hostVersion: '4.1000.0',
  registerFunction: (metadata: Registration) => {
    registrations.push(metadata);
    return { dispose: () => undefined };
  },
  registerHook: () => ({ dispose: () => undefined }),
  setProgrammingModel: () => undefined,
  getProgrammingModel: () => undefined,
  log: () => undefined,
  Disposable: class {
    dispose(): void {}
  },
};
