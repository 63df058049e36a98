/**
 * What changing a request's prototypes costs node:http: a bare server that reads each POST and
 * answers a 202, as is (`bare`) and with `Object.setPrototypeOf(req, app.request)` and
 * `(res, app.response)` on every request (`reprototyped`, what Express's app.handle does), each in
 * its own process under the same closed-loop load, alternated over rounds. Reports req/s and CPU
 * ms per request. api/express-messages.ts is the fix it motivated.
 *
 * Run: npx tsx bench/prototype-cost.ts   (BENCH_PROTO_S seconds per cell, default 4; BENCH_PROTO_ROUNDS, default 2)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { runLoad } from './lib/load.js';
import { cpuMs } from './lib/proc-stats.js';
import { envNumber } from './lib/results.js';
import { spawnReady } from './lib/spawn-ready.js';

const mode = process.argv[2];
if (mode === 'bare' || mode === 'reprototyped') {
  const app = express();
  const server = createServer((req, res) => {
    if (mode === 'reprototyped') {
      Object.setPrototypeOf(req, app.request);
      Object.setPrototypeOf(res, app.response);
    }
    req.resume();
    req.on('end', () => {
      res.writeHead(202, { 'content-type': 'application/json', 'content-length': 2 });
      res.end('{}');
    });
  });
  server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  process.on('SIGTERM', () => process.exit(0));
} else {
  const seconds = envNumber('BENCH_PROTO_S', 4);
  const body = JSON.stringify({ request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Summarise the benchmark.' }] } });
  for (let round = 1; round <= envNumber('BENCH_PROTO_ROUNDS', 2); round++) {
    for (const variant of round % 2 ? ['bare', 'reprototyped'] : ['reprototyped', 'bare']) {
      const proc = await spawnReady(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), variant], { ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/ });
      const url = proc.match[1]!;
      await runLoad({ url, body, connections: 8, durationSeconds: 1 });
      const before = cpuMs(proc.pid);
      const load = await runLoad({ url, body, connections: 64, durationSeconds: seconds });
      console.log(`round ${round} ${variant}: ${load.rps} req/s, ${((cpuMs(proc.pid) - before) / load.requests).toFixed(3)} ms CPU per request`);
      await proc.stop();
    }
  }
  process.exit(0);
}
