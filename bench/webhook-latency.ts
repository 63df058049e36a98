/**
 * Webhook delivery latency: async jobs (mock provider) with a webhook to a local receiver, one API and
 * one worker process. For each job, the delay from its end (the terminal event on the job events
 * channel, seen by this process) to the signed delivery arriving at the receiver, and from submit to
 * delivery. Every delivery's Standard Webhooks signature is verified with the key's secret; a bad one
 * fails the run. Jobs are submitted at a steady rate, so the figure is the delivery path, not a backlog.
 *
 * Run alone: npx tsx bench/webhook-latency.ts
 * Parameters (env): BENCH_WEBHOOK_JOBS (1000), BENCH_WEBHOOK_RATE (100 jobs/s).
 */
import { createServer } from 'node:http';
import { readBody } from './lib/read-body.js';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { RedisKeys } from '../shared/redis/redis-keys.js';
import { verifyWebhook } from '../shared/webhooks/sign-webhook.js';
import { TEST_REDIS_URL } from '../test/helpers/test-redis.js';
import { envNumber, isMain, markdownTable, runMeta, writeResults, type RunMeta } from './lib/results.js';
import { summarize, wallClockMs, type Summary } from './lib/stats.js';
import { BENCH_MODEL, startSwitchyard } from './lib/switchyard.js';

export interface WebhookLatencyOptions {
  jobs: number;
  ratePerSecond: number;
}

export interface WebhookLatencyResult {
  meta: RunMeta;
  options: WebhookLatencyOptions;
  delivered: number;
  badSignatures: number;
  /** Job end (terminal event) → delivery received, ms. */
  endToDeliveryMs: Summary;
  /** Submit → delivery received, ms. */
  submitToDeliveryMs: Summary;
}

export function webhookOptionsFromEnv(): WebhookLatencyOptions {
  return { jobs: envNumber('BENCH_WEBHOOK_JOBS', 1000), ratePerSecond: envNumber('BENCH_WEBHOOK_RATE', 100) };
}

export async function runWebhookLatency(options: WebhookLatencyOptions): Promise<WebhookLatencyResult> {
  const meta = await runMeta();
  const submittedAt = new Map<string, number>();
  const endedAt = new Map<string, number>();
  const deliveredAt = new Map<string, number>();
  let secret = '';
  let badSignatures = 0;
  let allDelivered: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allDelivered = resolve));

  const receiver = createServer((req, res) => {
    void readBody(req).then((body) => {
      const at = wallClockMs();
      try {
        verifyWebhook({ secrets: [secret], headers: req.headers, body });
      } catch {
        badSignatures++;
      }
      const id = (JSON.parse(body) as { data: { id: string } }).data.id;
      if (!deliveredAt.has(id)) deliveredAt.set(id, at);
      res.writeHead(204).end();
      if (deliveredAt.size >= options.jobs) allDelivered();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const gateway = await startSwitchyard({ kind: 'split', workers: 1 }, { label: 'webhook', configure: (c) => ({ ...c, webhooks: { allowPrivate: true } }) });
  secret = gateway.webhookSecret;
  const subscriber = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  subscriber.on('message', (_channel: string, message: string) => {
    const id = /"id":"([^"]+)"/.exec(message)?.[1];
    if (id && !endedAt.has(id)) endedAt.set(id, wallClockMs());
  });
  await subscriber.subscribe(new RedisKeys(gateway.prefix).jobEvents());
  try {
    const headers = { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' };
    const started = wallClockMs();
    const submits: Promise<void>[] = [];
    for (let i = 0; i < options.jobs; i++) {
      // Steady arrivals: job i goes at started + i / rate, whatever the previous ones are doing.
      const due = started + (i * 1000) / options.ratePerSecond;
      const wait = due - wallClockMs();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const at = wallClockMs();
      submits.push(
        fetch(`${gateway.url}/v1/jobs`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ request: { model: BENCH_MODEL, messages: [{ role: 'user', content: `webhook ${i}` }] }, webhook: { url: receiverUrl } }),
        }).then(async (res) => {
          if (res.status !== 202) throw new Error(`submit: ${res.status} ${await res.text()}`);
          submittedAt.set(((await res.json()) as { id: string }).id, at);
        }),
      );
    }
    await Promise.all(submits);
    const timeout = setTimeout(allDelivered, 120_000);
    await done;
    clearTimeout(timeout);
  } finally {
    await subscriber.quit();
    await gateway.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
  const ids = [...deliveredAt.keys()].filter((id) => endedAt.has(id) && submittedAt.has(id));
  return {
    meta,
    options,
    delivered: deliveredAt.size,
    badSignatures,
    endToDeliveryMs: summarize(ids.map((id) => deliveredAt.get(id)! - endedAt.get(id)!)),
    submitToDeliveryMs: summarize(ids.map((id) => deliveredAt.get(id)! - submittedAt.get(id)!)),
  };
}

export function webhookReport(r: WebhookLatencyResult): string {
  return [
    `One API + one worker process, mock provider; ${r.options.jobs} async jobs submitted at ${r.options.ratePerSecond}/s, each with a webhook to a local receiver that verifies every signature (${r.delivered} delivered, ${r.badSignatures} bad signatures).`,
    '',
    markdownTable(
      ['interval', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      [
        ['job end → webhook received', r.endToDeliveryMs.n, r.endToDeliveryMs.p50, r.endToDeliveryMs.p90, r.endToDeliveryMs.p99, r.endToDeliveryMs.max],
        ['submit → webhook received', r.submitToDeliveryMs.n, r.submitToDeliveryMs.p50, r.submitToDeliveryMs.p90, r.submitToDeliveryMs.p99, r.submitToDeliveryMs.max],
      ],
    ),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const result = await runWebhookLatency(webhookOptionsFromEnv());
  writeResults('webhook-latency', result);
  process.stdout.write(`${webhookReport(result)}\n`);
  process.exit(result.badSignatures === 0 && result.delivered === result.options.jobs ? 0 : 1);
}
