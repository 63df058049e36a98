/**
 * The vendor call alone: the official `openai` SDK against the bench upstream, with Node's built-in
 * fetch (undici) and with Switchyard's `vendorFetch` (workers/providers/vendor-fetch.ts), plain and
 * streamed, one call at a time. Latency per call and this process's CPU per call, the two fetches
 * interleaved round by round so machine noise hits both alike.
 *
 * Run alone: npx tsx bench/vendor-fetch.ts
 * Parameters (env): BENCH_VENDOR_CALLS (1000 per cell and round), BENCH_VENDOR_ROUNDS (3).
 */
import OpenAI from 'openai';
import { vendorFetch } from '../workers/providers/vendor-fetch.js';
import { envNumber, isMain, markdownTable, runMeta, writeResults, type RunMeta } from './lib/results.js';
import { round, summarize, type Summary } from './lib/stats.js';
import { startUpstream } from './lib/upstream.js';

export interface VendorFetchOptions {
  calls: number;
  rounds: number;
}

export interface VendorFetchCell {
  fetch: 'built-in fetch' | 'vendorFetch';
  mode: 'plain' | 'stream';
  latencyMs: Summary;
  cpuUsPerCall: number;
}

export interface VendorFetchResult {
  meta: RunMeta;
  options: VendorFetchOptions;
  cells: VendorFetchCell[];
}

const REQUEST = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello there' }] };

export async function runVendorFetch(options: VendorFetchOptions): Promise<VendorFetchResult> {
  const meta = await runMeta();
  // Ten chunks, no gaps between them: the stream cell times the client side, not the upstream's pacing.
  const upstream = await startUpstream({ delayMs: 0, chunks: 10, chunkIntervalMs: 0 });
  const clients = {
    'built-in fetch': new OpenAI({ apiKey: 'sk-bench', baseURL: `${upstream.url}/v1`, maxRetries: 0 }),
    vendorFetch: new OpenAI({ apiKey: 'sk-bench', baseURL: `${upstream.url}/v1`, maxRetries: 0, fetch: vendorFetch }),
  } as const;
  const calls = {
    plain: (client: OpenAI) => client.chat.completions.create(REQUEST),
    stream: async (client: OpenAI) => {
      let chunks = 0;
      for await (const _ of await client.chat.completions.create({ ...REQUEST, stream: true })) chunks++;
      if (chunks < 10) throw new Error(`stream ended after ${chunks} chunks`);
    },
  };
  const samples = new Map<string, { latencies: number[]; cpuUs: number; calls: number }>();
  try {
    for (let r = 0; r < options.rounds; r++) {
      for (const mode of ['plain', 'stream'] as const) {
        for (const name of ['built-in fetch', 'vendorFetch'] as const) {
          const client = clients[name];
          for (let i = 0; i < Math.min(200, options.calls); i++) await calls[mode](client);
          const cell = samples.get(`${name}|${mode}`) ?? { latencies: [], cpuUs: 0, calls: 0 };
          const cpu = process.cpuUsage();
          for (let i = 0; i < options.calls; i++) {
            const started = performance.now();
            await calls[mode](client);
            cell.latencies.push(performance.now() - started);
          }
          const used = process.cpuUsage(cpu);
          cell.cpuUs += used.user + used.system;
          cell.calls += options.calls;
          samples.set(`${name}|${mode}`, cell);
        }
      }
    }
  } finally {
    await upstream.stop();
  }
  const cells = [...samples].map(([label, s]) => {
    const [fetch, mode] = label.split('|') as [VendorFetchCell['fetch'], VendorFetchCell['mode']];
    return { fetch, mode, latencyMs: summarize(s.latencies), cpuUsPerCall: round(s.cpuUs / s.calls, 0) };
  });
  return { meta, options, cells };
}

export function vendorFetchReport(r: VendorFetchResult): string {
  const ratio = (mode: string, pick: (c: VendorFetchCell) => number): string => {
    const builtIn = r.cells.find((c) => c.mode === mode && c.fetch === 'built-in fetch');
    const ours = r.cells.find((c) => c.mode === mode && c.fetch === 'vendorFetch');
    return builtIn && ours ? String(round(pick(ours) / pick(builtIn), 2)) : '—';
  };
  return [
    `The openai SDK against the bench upstream, one call at a time, ${r.options.calls} calls per cell in each of ${r.options.rounds} interleaved rounds; CPU is the calling process's:`,
    '',
    markdownTable(
      ['fetch', 'call', 'p50 ms', 'p99 ms', 'CPU µs / call', 'p50 × built-in', 'CPU × built-in'],
      r.cells.map((c) => [c.fetch, c.mode, c.latencyMs.p50, c.latencyMs.p99, c.cpuUsPerCall, c.fetch === 'vendorFetch' ? ratio(c.mode, (x) => x.latencyMs.p50) : '—', c.fetch === 'vendorFetch' ? ratio(c.mode, (x) => x.cpuUsPerCall) : '—']),
    ),
  ].join('\n');
}

export function vendorFetchOptionsFromEnv(): VendorFetchOptions {
  return { calls: envNumber('BENCH_VENDOR_CALLS', 1000), rounds: envNumber('BENCH_VENDOR_ROUNDS', 3) };
}

if (isMain(import.meta.url)) {
  const result = await runVendorFetch(vendorFetchOptionsFromEnv());
  writeResults('vendor-fetch', result);
  process.stdout.write(`${vendorFetchReport(result)}\n`);
  process.exit(0);
}
