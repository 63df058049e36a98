import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from './gateway-metrics.js';
import { gatewayOverheadSeconds } from './gateway-overhead.js';

describe('GatewayMetrics', () => {
  it('exposes every metric the operators chart, once, in Prometheus text format', async () => {
    const metrics = new GatewayMetrics();
    metrics.chatRequests.inc({ model: 'smart', team: 'search', outcome: 'budget_exceeded' });
    metrics.budgetAlerts.inc({ threshold: '80', scope: 'team' });
    metrics.gatewayOverhead.observe({ mode: 'sync' }, 0.004);
    metrics.queueDepthByPriority.set({ deployment: 'openai-main', priority: 'batch' }, 7);
    const text = await metrics.registry.metrics();
    expect(text).toContain('switchyard_chat_requests_total{model="smart",team="search",outcome="budget_exceeded"} 1');
    expect(text).toContain('switchyard_budget_alerts_total{threshold="80",scope="team"} 1');
    expect(text).toContain('switchyard_gateway_overhead_seconds_bucket{le="0.005",mode="sync"} 1');
    expect(text).toContain('switchyard_queue_waiting_by_priority{deployment="openai-main",priority="batch"} 7');
    for (const name of ['switchyard_jobs_total', 'switchyard_tokens_total', 'switchyard_cost_usd_total', 'switchyard_cache_saved_usd_total', 'switchyard_queue_wait_seconds', 'switchyard_vendor_latency_seconds', 'switchyard_time_to_first_token_seconds', 'switchyard_rate_limit_waits_total', 'switchyard_failovers_total', 'switchyard_circuit_open', 'switchyard_webhook_deliveries_total', 'switchyard_queue_depth']) {
      expect(text.match(new RegExp(`^# TYPE ${name} `, 'gm')), name).toHaveLength(1);
    }
  });

  it('keeps each instance on its own registry, so tests and roles do not collide', async () => {
    const a = new GatewayMetrics();
    const b = new GatewayMetrics();
    a.budgetAlerts.inc({ threshold: '100', scope: 'key' });
    expect(await b.registry.metrics()).not.toContain('threshold="100"');
  });
});

describe('gatewayOverheadSeconds', () => {
  it.each([
    [1500, [400, 600], 0.5, 'two attempts'],
    [1000, [], 1, 'a request that never reached a vendor'],
    [900, [1000], 0, 'clock skew between processes never yields a negative overhead'],
  ])('%i ms total with attempts %j → %f s (%s)', (total, latencies, expected) => {
    const attempts = latencies.map((latency_ms) => ({ step: 0, deployment: 'd', model: 'm', status: 'succeeded' as const, error: null, latency_ms }));
    expect(gatewayOverheadSeconds(total, { attempts })).toBeCloseTo(expected, 9);
  });
});
