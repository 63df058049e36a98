import type { CircuitBreakers } from '../../shared/circuit/circuit-breaker.js';
import type { SemanticCache } from '../../shared/cache/semantic-cache.js';
import type { UsageAccountant } from '../../shared/usage/usage-accountant.js';
import type { GatewayMetrics } from '../../shared/metrics/gateway-metrics.js';
import type { AdmissionSettler } from '../../shared/usage/admission-settler.js';
import type { SwitchyardConfig } from '../../shared/config/config-schema.js';
import type { JobStore } from '../../shared/jobs/job-store.js';
import type { LlmQueues } from '../../shared/queues/llm-queues.js';
import type { WebhookQueue } from '../../shared/queues/webhook-queue.js';
import type { ProviderRuntime } from '../providers/provider-runtime.js';
import type { ChunkPublisher } from './chunk-publisher.js';
import type { DeploymentPacing } from './deployment-pacing.js';
import type { InflightCalls } from './inflight-calls.js';

/** Everything the dispatcher needs, handed in by the entry point (or a test). */
export interface DispatchDeps {
  config: SwitchyardConfig;
  store: JobStore;
  queues: LlmQueues;
  webhooks: WebhookQueue;
  runtimes: ReadonlyMap<string, ProviderRuntime>;
  inflight: InflightCalls;
  chunks: ChunkPublisher;
  pacing: DeploymentPacing;
  circuits: CircuitBreakers;
  /** The response cache successful answers are stored in; null when disabled. */
  cache: SemanticCache | null;
  /** Charges every vendor-reaching attempt to its team, key and model. */
  accountant: UsageAccountant;
  metrics: GatewayMetrics;
  /** Settles a finished job's key/team rate and budget reservations. */
  settler: AdmissionSettler;
}
