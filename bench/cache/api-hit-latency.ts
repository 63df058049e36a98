/**
 * End-to-end cache-hit latency through the HTTP API: exact hits and semantic hits (a paraphrase of
 * a primed prompt, so every request is embedded), measured with fetch (the official SDK's transport)
 * from the same machine, one request at a time, against one in-process gateway (API + worker, mock
 * provider). The target: a semantic hit answered in under 15 ms p50.
 *
 * Run alone: npx tsx bench/cache/api-hit-latency.ts
 * Parameters (env): BENCH_CACHE_ROUNDS (120; at most 120 distinct semantic prompts).
 */
import { startTestGateway, testConfig } from '../../test/helpers/test-gateway.js';
import { envNumber, isMain, markdownTable, runMeta, writeResults, type RunMeta } from '../lib/results.js';
import { summarize, wallClockMs, type Summary } from '../lib/stats.js';

export interface CacheHitLatencyResult {
  meta: RunMeta;
  rounds: number;
  exactHitMs: Summary;
  semanticHitMs: Summary;
  goal: { semanticP50Ms: 15; met: boolean };
}

const adjectives = ['company', 'personal', 'school', 'family', 'work', 'bank', 'cloud', 'game', 'music', 'travel', 'shop', 'news', 'photo', 'video', 'chat'];
const nouns = ['email', 'calendar', 'storage', 'billing', 'forum', 'wallet', 'admin', 'support'];

export async function runCacheHitLatency(rounds: number): Promise<CacheHitLatencyResult> {
  const meta = await runMeta();
  const gateway = await startTestGateway(testConfig({ cache: { exact: { enabled: true }, semantic: { enabled: true } } }));
  try {
    const key = (await gateway.createKey('bench')).key;
    const ask = (content: string, headers: Record<string, string> = {}) =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'mock', messages: [{ role: 'user', content }] }),
      });
    const cached = async (content: string): Promise<void> => {
      await ask(content);
      const deadline = Date.now() + 10_000;
      while ((await ask(content, { 'x-switchyard-cache': 'only-if-cached' })).status !== 200) {
        if (Date.now() > deadline) throw new Error(`never cached: ${content}`);
      }
    };
    const measure = async (content: (i: number) => string, expected: string): Promise<Summary> => {
      const times: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const started = wallClockMs();
        const res = await ask(content(i));
        await res.arrayBuffer();
        times.push(wallClockMs() - started);
        if (res.headers.get('x-switchyard-cache') !== expected) throw new Error(`got ${res.headers.get('x-switchyard-cache')} for '${content(i)}', expected ${expected}`);
      }
      return summarize(times);
    };

    const primed = 'How do I reset the password of my company email account?';
    await cached(primed);
    const exactHitMs = await measure(() => primed, 'hit-exact');
    // Semantic hits on text never seen before, so every request is embedded (no memo hit): prime
    // distinct questions, then ask each one's paraphrase once.
    const topics = adjectives.flatMap((a) => nouns.map((n) => `${a} ${n}`)).slice(0, rounds);
    const question = (topic: string): string => `How do I reset the password of my ${topic} account?`;
    for (const topic of topics) await cached(question(topic));
    const semanticHitMs = await measure((i) => `How can I reset the password of my ${topics[i % topics.length]} account?`, 'hit-semantic');
    return { meta, rounds, exactHitMs, semanticHitMs, goal: { semanticP50Ms: 15, met: semanticHitMs.p50 < 15 } };
  } finally {
    await gateway.close();
  }
}

export function cacheHitReport(r: CacheHitLatencyResult): string {
  const row = (label: string, s: Summary): Array<string | number> => [label, s.n, s.p50, s.p90, s.p99];
  return [
    'One in-process gateway (API + worker, mock provider), USE-lite embedder, embedded vector store; requests one at a time with fetch. Semantic hits use text never seen before, so each is embedded.',
    '',
    markdownTable(['request', 'n', 'p50 ms', 'p90 ms', 'p99 ms'], [row('exact hit', r.exactHitMs), row('semantic hit (new text, embedded each time)', r.semanticHitMs)]),
    '',
    `Goal: a semantic hit under ${r.goal.semanticP50Ms} ms p50 — **${r.goal.met ? 'met' : 'missed'}**. Hit quality (false-hit rate, hit rate, the default threshold) comes from \`bench/cache/eval-cache.ts\`, reported in [bench/cache/RESULTS.md](../cache/RESULTS.md).`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const result = await runCacheHitLatency(Math.min(120, envNumber('BENCH_CACHE_ROUNDS', 120)));
  writeResults('cache-hit-latency', result);
  process.stdout.write(`${cacheHitReport(result)}\n`);
  process.exit(0);
}
