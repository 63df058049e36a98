export {};
import autocannon from 'autocannon';
import { spawnRole } from '../../test/helpers/spawn-role.js';
import { testConfig, TEST_ADMIN_KEY } from '../../test/helpers/test-gateway.js';
const config = testConfig({ server: { port: 18080, host: '127.0.0.1', adminKey: TEST_ADMIN_KEY } as never });
const proc = await spawnRole('all', config, {}, process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/perf/prof'] : []);
const url = 'http://127.0.0.1:18080';
const key = ((await (await fetch(`${url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' }, body: '{"team":"perf"}' })).json()) as { key: string }).key;
for (const c of [1, 16, 64]) {
  const r = await autocannon({ url: `${url}/v1/chat/completions`, method: 'POST', connections: c, duration: 5, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mock', messages: [{ role: 'user', content: 'hello there' }] }) });
  console.log(`c=${c} req/s=${r.requests.average} p50=${r.latency.p50} p99=${r.latency.p99} non2xx=${r.non2xx} errors=${r.errors}`);
}
await proc.stop();
