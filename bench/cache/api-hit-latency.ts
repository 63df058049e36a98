/**
 * End-to-end cache-hit latency through the HTTP API: exact hits and semantic hits (a paraphrase of
 * a primed prompt, so every request is embedded), measured with the official SDK's transport
 * (fetch) from the same machine. Run: npx tsx bench/cache/api-hit-latency.ts
 */
import { startTestGateway, testConfig } from '../../test/helpers/test-gateway.js';

const ROUNDS = Number(process.env.ROUNDS ?? 200);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const gateway = await startTestGateway(testConfig({ cache: { exact: { enabled: true }, semantic: { enabled: true } } }));
const key = (await gateway.createKey('bench')).key;
const ask = (content: string, headers: Record<string, string> = {}) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'mock', messages: [{ role: 'user', content }] }),
  });

const primed = 'How do I reset the password of my company email account?';
await ask(primed);
while ((await ask(primed, { 'x-switchyard-cache': 'only-if-cached' })).status !== 200);

async function measure(label: string, content: (i: number) => string, expected: string): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    const res = await ask(content(i));
    await res.arrayBuffer();
    times.push(performance.now() - started);
    if (res.headers.get('x-switchyard-cache') !== expected) throw new Error(`${label}: got ${res.headers.get('x-switchyard-cache')} for '${content(i)}'`);
  }
  times.sort((a, b) => a - b);
  console.log(`| ${label} | ${ROUNDS} | ${percentile(times, 50).toFixed(2)} ms | ${percentile(times, 99).toFixed(2)} ms |`);
}

console.log(`API cache-hit latency, ${new Date().toISOString()}, node ${process.version}`);
console.log('| request | n | p50 | p99 |\n|---|---|---|---|');
await measure('exact hit', () => primed, 'hit-exact');
// Semantic hits on text never seen before, so every request is embedded (no memo hit): prime
// distinct questions, then ask each one's paraphrase once.
const adjectives = ['company', 'personal', 'school', 'family', 'work', 'bank', 'cloud', 'game', 'music', 'travel', 'shop', 'news', 'photo', 'video', 'chat'];
const nouns = ['email', 'calendar', 'storage', 'billing', 'forum', 'wallet', 'admin', 'support'];
const topics = adjectives.flatMap((a) => nouns.map((n) => `${a} ${n}`)).slice(0, ROUNDS);
const question = (topic: string): string => `How do I reset the password of my ${topic} account?`;
await Promise.all(topics.map((topic) => ask(question(topic))));
for (const topic of topics) while ((await ask(question(topic), { 'x-switchyard-cache': 'only-if-cached' })).status !== 200);
await measure('semantic hit (new text, embedded each time)', (i) => `How can I reset the password of my ${topics[i % topics.length]} account?`, 'hit-semantic');
await gateway.close();
process.exit(0);
