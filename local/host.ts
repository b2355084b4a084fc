import type { LocalClock } from './clock';
import { createCoreApi, installCoreModule, type CoreApi } from './core/coreApi';
import { invokeFunction, runAppHooks } from './core/invoke';
import { FunctionRegistry, type HostLogger, type RegisteredFunction, type TriggerValidator } from './core/registry';
import type { RpcLogCategory, RpcLogLevel } from './core/types';
import { createDevRouter } from './devRoutes';
import { HttpHost, type DevRouter } from './http/server';
import { CorsPolicy, corsOriginsOfAppSettings } from './http/cors';
import { validateHttpTrigger } from './http/httpTriggers';
import { Scheduler } from './timers/scheduler';
import { TimerTriggers, validateTimerTrigger } from './timers/timerTriggers';
import { clientData, durableClientInputs, durableWebhookPath, type ClientData } from './durable/clientData';
import { DurableEngine, type DurableLogLevel } from './durable/engine';
import { createDurableDevRouter } from './durable/devRouter';
import { durableHttpApi } from './durable/httpApi';
import { hostDurableFunctions } from './durable/invoker';
import { defaultDurableTaskSettings, type DurableTaskSettings } from './durable/settings';
import { MemoryInstanceStore, type InstanceStore } from './durable/store';
import { serviceBusQueues } from '../shared/config/queues';
import { LocalServiceBus, type ServiceBusLogLevel } from './serviceBus/engine';
import { createServiceBusDevRouter } from './serviceBus/devRouter';
import { serviceBusHttpApi, serviceBusWebhookPath } from './serviceBus/httpApi';
import type { QueueDeclaration } from './serviceBus/model';
import { defaultServiceBusHostSettings, type ServiceBusHostSettings } from './serviceBus/settings';
import { MemoryMessageStore, type MessageStore } from './serviceBus/store';
import { bindServiceBusTriggers, validateServiceBusTrigger, type ServiceBusInvocation } from './serviceBus/triggers';

export const supportedTriggers: ReadonlyMap<string, TriggerValidator> = new Map([
  ['httpTrigger', validateHttpTrigger],
  ['timerTrigger', validateTimerTrigger],
  ['orchestrationTrigger', () => undefined],
  ['activityTrigger', () => undefined],
  ['serviceBusTrigger', validateServiceBusTrigger],
]);

/** Trigger types the local host refuses on purpose. */
export const refusedTriggers: ReadonlyMap<string, string> = new Map([
  [
    'entityTrigger',
    'Durable entities are not supported by the local durable engine (orchestrations and activities are).',
  ],
]);

export interface LocalDurableOptions {
  /** Where instances live; in memory when not given (lost when the host stops). */
  store?: InstanceStore;
  /** host.json's durableTask section (see durableTaskSettings). */
  settings?: DurableTaskSettings;
}

export interface LocalServiceBusHostOptions {
  /** Where messages live; in memory when not given (lost when the host stops). */
  store?: MessageStore;
  /** host.json's serviceBus section (see serviceBusHostSettings). */
  settings?: ServiceBusHostSettings;
  /** The queues to create; shared/config/queues.ts's by default. */
  queues?: readonly QueueDeclaration[];
}

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
  /** The local durable engine: its store and settings. */
  durable?: LocalDurableOptions;
  /** The local Service Bus queue: its store, host.json settings and queues. */
  serviceBus?: LocalServiceBusHostOptions;
  /** Origins allowed by CORS; by default the app settings' (CORS_ALLOWED_ORIGINS, or PORTAL_BASE_URL's origin). */
  corsAllowedOrigins?: readonly string[];
}

const levelOrder: RpcLogLevel[] = ['trace', 'debug', 'information', 'warning', 'error', 'critical', 'none'];

/**
 * The Functions host, locally: captures the app's registrations through '@azure/functions-core',
 * serves its HTTP triggers, fires its timer triggers on the (possibly virtual) clock.
 */
export class LocalHost {
  readonly registry = new FunctionRegistry(supportedTriggers, refusedTriggers);
  readonly coreApi: CoreApi;
  readonly scheduler: Scheduler;
  /** The local durable engine, once started. */
  durable: DurableEngine | undefined;
  /** The local Service Bus queue, once started. */
  serviceBus: LocalServiceBus | undefined;
  private http: HttpHost | undefined;
  private timers: TimerTriggers | undefined;
  private uninstall: (() => void) | undefined;
  private readonly writeLine: (line: string) => void;
  private savedWebsiteHostname: string | undefined;
  private hostnameSet = false;
  private clientData: ClientData | undefined;
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

  /** What a function's durable client binding receives (the Durable HTTP API on this host's port). */
  private durableClientData = (): ClientData => {
    const hub = this.durable?.taskHub ?? this.options.durable?.settings?.hubName ?? defaultDurableTaskSettings.hubName;
    if (!this.clientData || this.clientData.taskHubName !== hub) this.clientData = clientData(this.port, hub);
    return this.clientData;
  };

  private readonly durableLog = (level: DurableLogLevel, message: string): void => {
    if (level === 'debug' && !this.options.verbose) return;
    const label = level === 'information' || level === 'debug' ? '' : `${level}: `;
    this.writeLine(`${this.options.clock.now().toISOString()} (durable) ${label}${message}`);
  };

  private readonly serviceBusLog = (level: ServiceBusLogLevel, message: string): void => {
    if (level === 'debug' && !this.options.verbose) return;
    const label = level === 'information' || level === 'debug' ? '' : `${level}: `;
    this.writeLine(`${this.options.clock.now().toISOString()} (service bus) ${label}${message}`);
  };

  /** The local queue's HTTP API (for the app's local MessageQueue adapter: LOCAL_SERVICE_BUS_URL). */
  serviceBusApiUrl(): string {
    return `http://127.0.0.1:${this.port}/${serviceBusWebhookPath.join('/')}`;
  }

  async start(): Promise<void> {
    const { clock } = this.options;
    await runAppHooks(this.registry, 'appStart', this.options.functionAppDirectory);
    const serviceBusOptions = this.options.serviceBus ?? {};
    const serviceBusSettings = serviceBusOptions.settings ?? defaultServiceBusHostSettings;
    const serviceBus = new LocalServiceBus({
      queues: serviceBusOptions.queues ?? serviceBusQueues,
      store: serviceBusOptions.store ?? new MemoryMessageStore(),
      clock,
      settings: serviceBusSettings,
      log: this.serviceBusLog,
      onDueChanged: () => this.scheduler.changed(),
    });
    this.serviceBus = serviceBus;
    const serviceBusFunctions = this.registry.functionsWithTrigger('serviceBusTrigger');
    bindServiceBusTriggers(
      serviceBus,
      serviceBusFunctions,
      serviceBusSettings,
      process.env,
      () => clock.now(),
      (fn, invocation) => this.invokeServiceBus(fn, invocation)
    );
    if (serviceBusFunctions.length > 0 && !serviceBusOptions.store) {
      this.serviceBusLog('warning', 'no message store configured: messages are kept in memory only');
    }
    const durableOptions = this.options.durable ?? {};
    const store = durableOptions.store ?? new MemoryInstanceStore();
    const durable = new DurableEngine({
      store,
      functions: hostDurableFunctions(this.registry, this.log, this.durableClientData),
      clock,
      settings: durableOptions.settings ?? defaultDurableTaskSettings,
      log: this.durableLog,
      onTimersChanged: () => this.scheduler.changed(),
    });
    this.durable = durable;
    const durableApi = durableHttpApi(
      durable,
      () => this.durableClientData().httpBaseUrl,
      (line) => this.durableLog('error', line)
    );
    this.http = new HttpHost(
      this.registry.functionsWithTrigger('httpTrigger'),
      (fn, http, triggerName) =>
        invokeFunction(
          this.registry,
          fn,
          { inputData: [{ name: triggerName, data: { http } }, ...durableClientInputs(fn, this.durableClientData)] },
          this.log
        ),
      {
        host: this.options.host,
        port: this.options.port,
        routePrefix: this.options.routePrefix,
        maxRequestBodyBytes: this.options.maxRequestBodyBytes,
        cors: new CorsPolicy(this.options.corsAllowedOrigins ?? corsOriginsOfAppSettings(process.env)),
        devRouter: createDevRouter(clock, this.scheduler, [
          ...(this.options.devRouters ?? []),
          createDurableDevRouter(() => this.durable),
          createServiceBusDevRouter(
            () => this.serviceBus,
            () => this.serviceBusApiUrl()
          ),
        ]),
        webhooks: [
          { prefix: durableWebhookPath, handle: durableApi },
          {
            prefix: serviceBusWebhookPath,
            handle: serviceBusHttpApi(
              () => this.serviceBus,
              (line) => this.serviceBusLog('error', line)
            ),
          },
        ],
        log: (line) => this.writeLine(line),
      }
    );
    this.port = await this.http.listen();
    // durable-functions rewrites the client's management URLs to localhost:7071 unless the host names itself.
    this.savedWebsiteHostname = process.env['WEBSITE_HOSTNAME'];
    this.hostnameSet = true;
    process.env['WEBSITE_HOSTNAME'] = `127.0.0.1:${this.port}`;
    const orchestrators = this.registry.functionsWithTrigger('orchestrationTrigger').length;
    if (orchestrators > 0 && !durableOptions.store) {
      this.durableLog('warning', 'no durable store configured: orchestration state is kept in memory only');
    }
    await durable.start();
    this.scheduler.add(durable);
    await serviceBus.start();
    this.scheduler.add(serviceBus);
    this.timers = new TimerTriggers(this.registry.functionsWithTrigger('timerTrigger'), clock.now(), (fn, info) =>
      this.invokeTimer(fn, info)
    );
    this.scheduler.add(this.timers);
    this.scheduler.start();
    await this.timers.runOnStartup(clock.now());
  }

  /** One Service Bus delivery: resolves (the message is completed) or throws (it is abandoned). */
  private async invokeServiceBus(fn: RegisteredFunction, invocation: ServiceBusInvocation): Promise<void> {
    try {
      await invokeFunction(
        this.registry,
        fn,
        {
          inputData: [
            { name: fn.triggerName, data: invocation.trigger },
            ...durableClientInputs(fn, this.durableClientData),
          ],
          triggerMetadata: invocation.triggerMetadata,
        },
        this.log
      );
    } catch (error) {
      this.log('error', 'system', (error as Error).message, fn.name);
      throw error;
    }
  }

  private async invokeTimer(fn: RegisteredFunction, timerInfo: Record<string, unknown>): Promise<void> {
    try {
      await invokeFunction(
        this.registry,
        fn,
        {
          inputData: [
            { name: fn.triggerName, data: { json: JSON.stringify(timerInfo) } },
            ...durableClientInputs(fn, this.durableClientData),
          ],
        },
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
    // The queue first: no new delivery starts and running ones finish (they may use the durable client).
    await this.serviceBus?.stop();
    // Then the engine: a virtual-clock jump waiting for it to settle lets go, and nothing new starts.
    await this.durable?.stop();
    await this.scheduler.stop();
    await this.http?.close();
    if (this.hostnameSet) {
      this.hostnameSet = false;
      if (this.savedWebsiteHostname === undefined) delete process.env['WEBSITE_HOSTNAME'];
      else process.env['WEBSITE_HOSTNAME'] = this.savedWebsiteHostname;
    }
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
