import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Overhead is small when healthy: finer buckets below 100 ms. */
const OVERHEAD_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30];
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Every Prometheus metric Switchyard exports, on one registry per process. The API and worker
 * roles each record their own; in the `all` role one `/metrics` shows both. Gauges that describe
 * shared state (queue depth, circuit state) are read from Redis at scrape time by the API.
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({ name: 'switchyard_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [this.registry] });
  readonly overhead = new Histogram({ name: 'switchyard_http_request_duration_seconds', help: 'HTTP request duration by route (includes the vendor call for synchronous completions)', labelNames: ['route'], buckets: SECONDS, registers: [this.registry] });
  readonly jobs = new Counter({ name: 'switchyard_jobs_total', help: 'Jobs ended, by status, model alias, deployment and team', labelNames: ['status', 'model', 'deployment', 'team'], registers: [this.registry] });
  readonly attempts = new Counter({ name: 'switchyard_attempts_total', help: 'Vendor attempts by deployment and outcome (error code or succeeded)', labelNames: ['deployment', 'outcome'], registers: [this.registry] });
  readonly tokens = new Counter({ name: 'switchyard_tokens_total', help: 'Tokens by kind (prompt, completion, cached, reasoning), model alias, deployment and team', labelNames: ['kind', 'model', 'deployment', 'team'], registers: [this.registry] });
  readonly costUsd = new Counter({ name: 'switchyard_cost_usd_total', help: 'Vendor cost in USD by model alias, deployment and team', labelNames: ['model', 'deployment', 'team'], registers: [this.registry] });
  readonly cacheLookups = new Counter({ name: 'switchyard_cache_lookups_total', help: 'Cache lookups by result (hit-exact, hit-semantic, miss, bypass)', labelNames: ['result'], registers: [this.registry] });
  readonly cacheSavedUsd = new Counter({ name: 'switchyard_cache_saved_usd_total', help: 'Vendor cost saved by cache hits, USD', labelNames: ['team'], registers: [this.registry] });
  readonly queueWait = new Histogram({ name: 'switchyard_queue_wait_seconds', help: 'Time from enqueue to a worker taking the attempt, by deployment and priority', labelNames: ['deployment', 'priority'], buckets: SECONDS, registers: [this.registry] });
  readonly vendorLatency = new Histogram({ name: 'switchyard_vendor_latency_seconds', help: 'Vendor call duration by deployment', labelNames: ['deployment'], buckets: SECONDS, registers: [this.registry] });
  readonly timeToFirstToken = new Histogram({ name: 'switchyard_time_to_first_token_seconds', help: 'Vendor time to first streamed chunk by deployment', labelNames: ['deployment'], buckets: SECONDS, registers: [this.registry] });
  readonly rateLimitWaits = new Counter({ name: 'switchyard_rate_limit_waits_total', help: 'Attempts sent back to wait because a deployment bucket was short', labelNames: ['deployment'], registers: [this.registry] });
  readonly failovers = new Counter({ name: 'switchyard_failovers_total', help: 'Jobs moved to the next target of their route', labelNames: ['from', 'to'], registers: [this.registry] });
  readonly webhookDeliveries = new Counter({ name: 'switchyard_webhook_deliveries_total', help: 'Webhook delivery attempts by outcome (delivered or a failure code)', labelNames: ['outcome'], registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: 'switchyard_queue_depth', help: 'Attempts per deployment queue and state', labelNames: ['deployment', 'state'], registers: [this.registry] });
  readonly chatRequests = new Counter({ name: 'switchyard_chat_requests_total', help: 'Chat completion requests by model alias, team and outcome (queued, cache_hit, rate_limited, budget_exceeded, rejected)', labelNames: ['model', 'team', 'outcome'], registers: [this.registry] });
  readonly gatewayOverhead = new Histogram({ name: 'switchyard_gateway_overhead_seconds', help: 'Time a completed request spent in the gateway besides vendor calls (queueing, pacing, translation, Redis), by mode', labelNames: ['mode'], buckets: OVERHEAD_SECONDS, registers: [this.registry] });
  readonly queueDepthByPriority = new Gauge({ name: 'switchyard_queue_waiting_by_priority', help: 'Attempts waiting per deployment queue and priority class', labelNames: ['deployment', 'priority'], registers: [this.registry] });
  readonly budgetAlerts = new Counter({ name: 'switchyard_budget_alerts_total', help: 'Budget threshold alerts raised, by threshold (80, 100) and scope (team, key)', labelNames: ['threshold', 'scope'], registers: [this.registry] });
  readonly circuitState = new Gauge({ name: 'switchyard_circuit_open', help: 'Circuit state per deployment: 0 closed, 0.5 half-open, 1 open', labelNames: ['deployment'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'switchyard_process_' });
  }
}
