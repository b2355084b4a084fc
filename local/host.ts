import type { LocalClock } from './clock';
import { createCoreApi, installCoreModule, type CoreApi } from './core/coreApi';
import { invokeFunction, runAppHooks } from './core/invoke';
import { FunctionRegistry, type HostLogger, type RegisteredFunction, type TriggerValidator } from './core/registry';
import type { RpcLogCategory, RpcLogLevel } from './core/types';
import { createDevRouter } from './devRoutes';
import { HttpHost, type DevRouter } from './http/server';
import { validateHttpTrigger } from './http/httpTriggers';
import { Scheduler } from './timers/scheduler';
import { TimerTriggers, validateTimerTrigger } from './timers/timerTriggers';

export const supportedTriggers: ReadonlyMap<string, TriggerValidator> = new Map([
  ['httpTrigger', validateHttpTrigger],
  ['timerTrigger', validateTimerTrigger],
]);

export interface LocalHostOptions {
  host: string;
  port: number;
  routePrefix: string;
  maxRequestBodyBytes: number;
  functionAppDirectory: string;
  clock: LocalClock;
  /** One line per call; the local host's console by default. */
  writeLine?: (line: string) => void;
  verbose?: boolean;
  /** More local-only `/_dev/...` routes (the development identity provider, ...). */
  devRouters?: readonly DevRouter[];
}

const levelOrder: RpcLogLevel[] = ['trace', 'debug', 'information', 'warning', 'error', 'critical', 'none'];

/**
 * The Functions host, locally: captures the app's registrations through '@azure/functions-core',
 * serves its HTTP triggers, fires its timer triggers on the (possibly virtual) clock.
 */
export class LocalHost {
  readonly registry = new FunctionRegistry(supportedTriggers);
  readonly coreApi: CoreApi;
  readonly scheduler: Scheduler;
  private http: HttpHost | undefined;
  private timers: TimerTriggers | undefined;
  private uninstall: (() => void) | undefined;
  private readonly writeLine: (line: string) => void;
  port = 0;

  constructor(private readonly options: LocalHostOptions) {
    this.writeLine = options.writeLine ?? ((line) => process.stdout.write(`${line}\n`));
    this.coreApi = createCoreApi(this.registry, this.log);
    this.scheduler = new Scheduler(options.clock, (message) => this.writeLine(`[scheduler] ${message}`));
  }

  readonly log: HostLogger = (level, category, message, functionName) => {
    const minimum = this.options.verbose ? 'debug' : 'information';
    if (levelOrder.indexOf(level) < levelOrder.indexOf(minimum) || level === 'none') return;
    if (category === 'system' && !this.options.verbose && levelOrder.indexOf(level) < levelOrder.indexOf('warning')) {
      return;
    }
    const time = this.options.clock.now().toISOString();
    this.writeLine(`${time} ${functionName ? `[${functionName}] ` : ''}${levelLabel(level, category)}${message}`);
  };

  /** Loads the app the way the worker does: '@azure/functions-core' resolves to this host while it loads. */
  async loadApp(load: () => Promise<unknown>): Promise<void> {
    this.uninstall = installCoreModule(this.coreApi);
    this.options.clock.publishToApp();
    await load();
    if (this.registry.functions.size === 0) throw new Error('The function app registered no functions.');
  }

  functions(): RegisteredFunction[] {
    return [...this.registry.functions.values()];
  }

  async start(): Promise<void> {
    const { clock } = this.options;
    await runAppHooks(this.registry, 'appStart', this.options.functionAppDirectory);
    this.http = new HttpHost(
      this.registry.functionsWithTrigger('httpTrigger'),
      (fn, http, triggerName) =>
        invokeFunction(this.registry, fn, { inputData: [{ name: triggerName, data: { http } }] }, this.log),
      {
        host: this.options.host,
        port: this.options.port,
        routePrefix: this.options.routePrefix,
        maxRequestBodyBytes: this.options.maxRequestBodyBytes,
        devRouter: createDevRouter(clock, this.scheduler, this.options.devRouters),
        log: (line) => this.writeLine(line),
      }
    );
    this.port = await this.http.listen();
    this.timers = new TimerTriggers(this.registry.functionsWithTrigger('timerTrigger'), clock.now(), (fn, info) =>
      this.invokeTimer(fn, info)
    );
    this.scheduler.add(this.timers);
    this.scheduler.start();
    await this.timers.runOnStartup(clock.now());
  }

  private async invokeTimer(fn: RegisteredFunction, timerInfo: Record<string, unknown>): Promise<void> {
    try {
      await invokeFunction(
        this.registry,
        fn,
        { inputData: [{ name: fn.triggerName, data: { json: JSON.stringify(timerInfo) } }] },
        this.log
      );
    } catch (error) {
      this.log('error', 'system', (error as Error).message, fn.name);
    }
  }

  httpRoutes(): { name: string; methods: string[]; route: string }[] {
    return (this.http?.routes ?? []).map((r) => ({
      name: r.fn.name,
      methods: [...r.methods],
      route: r.route.template,
    }));
  }

  async stop(): Promise<void> {
    await this.scheduler.stop();
    await this.http?.close();
    try {
      await runAppHooks(this.registry, 'appTerminate', this.options.functionAppDirectory);
    } finally {
      this.uninstall?.();
      this.uninstall = undefined;
    }
  }
}

function levelLabel(level: RpcLogLevel, category: RpcLogCategory): string {
  const label = level === 'information' ? '' : `${level}: `;
  return category === 'system' ? `(host) ${label}` : label;
}
