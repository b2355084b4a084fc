// What the transmission use cases need from the platform: the store (records beside the factory), the clock,
// the document files (payloads in blob storage), the message queue (Service Bus), the question bank versions
// (to read the self-assessment and the assessment's scope), the Gateway's address and secret, and the public
// addresses (the callback URL the payload carries, the portal links in staff alerts). Unit tests hand in the
// memory store, memory files, an in-memory queue, a fake Gateway (`gateway.fetch`) and a fixed clock.
import { defaultSubmissionRetry, type RetryHooks, type RetryPolicy } from '../../adapters/gateway/gatewaySubmissions';
import type { Platform } from '../../composition';
import type { CommonSettings } from '../../config/settings';
import type { Clock } from '../../ports/clock';
import type { DocumentFiles } from '../../ports/documentFiles';
import type { DocumentStore } from '../../ports/documentStore';
import type { MessageQueue } from '../../ports/messageQueue';
import type { Metrics } from '../../ports/metrics';
import type { QuestionBanks } from '../selfAssessment/bank';
import { selfAssessmentDeps } from '../selfAssessment/deps';

export interface TransmissionDeps {
  store: DocumentStore;
  clock: Clock;
  files: DocumentFiles;
  queue: MessageQueue;
  banks: QuestionBanks;
  settings: Pick<CommonSettings, 'gateway' | 'publicApiBaseUrl' | 'portalBaseUrl'>;
  /** Custom metrics (accepted, rejected, failed deliveries, dead-lettered); none when absent. */
  metrics?: Metrics;
  /** How the Gateway is called: the defaults in production; a fake fetch, short waits and no sleeping in tests. */
  gateway?: {
    fetch?: typeof fetch;
    timeoutMs?: number;
    retry?: RetryPolicy;
    hooks?: RetryHooks;
  };
}

/** The platform's ports; the sender's retry budget from the settings (TRANSMISSION_SEND_*). */
export function transmissionDeps(
  p: Pick<Platform, 'store' | 'clock' | 'documentFiles' | 'settings'> & {
    messageQueue: MessageQueue;
    metrics?: Metrics;
  }
): TransmissionDeps {
  const send = p.settings.transmissionSend;
  return {
    store: p.store,
    clock: p.clock,
    files: p.documentFiles,
    queue: p.messageQueue,
    banks: selfAssessmentDeps(p).banks,
    settings: p.settings,
    ...(p.metrics ? { metrics: p.metrics } : {}),
    ...(send ? { gateway: { retry: { ...defaultSubmissionRetry, ...send } } } : {}),
  };
}
