/**
 * The least a gateway with a durable Redis queue between its API and its workers can add: a
 * baseline for the overhead benchmark, not a gateway. Two processes, as Switchyard's split
 * topology:
 * - `api`: `POST /v1/chat/completions` stores the body under a job key and pushes the job id on a
 *   list (one MULTI, one socket write), then answers with what the worker publishes for that id.
 * - `worker`: takes ids off the list with BLMOVE onto a processing list (the reliable-queue pattern:
 *   a job is never only in a worker's memory), reads the body, forwards it to the upstream over
 *   keep-alive node:http, stores the answer, drops the id from the processing list and publishes the
 *   answer (one MULTI). Up to 128 calls run at once, as the bench deployment's concurrency.
 * No auth, accounting, fairness, rate limits, retries, leases or stall recovery: each of those is
 * what Switchyard adds on top of this.
 *
 * Run: `node --import tsx bench/lib/queue-floor-server.ts api <redisUrl> <prefix>` or
 * `... worker <redisUrl> <prefix> <upstream chat completions URL>`; each prints
 * `queue-floor <role> ready [port]` once it can serve.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';

const [role, redisUrl, prefix, upstreamUrl] = process.argv.slice(2);
if (!redisUrl || !prefix || (role !== 'api' && role !== 'worker') || (role === 'worker' && !upstreamUrl)) {
  process.stderr.write('usage: queue-floor-server.ts api <redisUrl> <prefix> | worker <redisUrl> <prefix> <upstreamUrl>\n');
  process.exit(2);
}
const keys = {
  waiting: `${prefix}:waiting`,
  processing: `${prefix}:processing`,
  job: (id: string) => `${prefix}:job:${id}`,
  done: `${prefix}:done`,
};
const JOB_TTL_S = 60;
const CONCURRENCY = 128;

if (role === 'api') await serveApi();
else await runWorker(new URL(upstreamUrl!));

async function serveApi(): Promise<void> {
  const redis = new Redis(redisUrl!);
  const events = new Redis(redisUrl!);
  const waiting = new Map<string, http.ServerResponse>();
  await events.subscribe(keys.done);
  events.on('message', (_channel: string, message: string) => {
    const space = message.indexOf(' ');
    const id = message.slice(0, space);
    const res = waiting.get(id);
    if (!res) return;
    waiting.delete(id);
    res.writeHead(200, { 'content-type': 'application/json' }).end(message.slice(space + 1));
  });
  let next = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const id = `${process.pid}-${next++}`;
      waiting.set(id, res);
      redis
        .multi()
        .hset(keys.job(id), 'request', Buffer.concat(chunks))
        .expire(keys.job(id), JOB_TTL_S)
        .lpush(keys.waiting, id)
        .exec()
        .catch((err: Error) => {
          waiting.delete(id);
          res.writeHead(502).end(err.message);
        });
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`queue-floor api ready ${(server.address() as AddressInfo).port}\n`));
}

async function runWorker(upstream: URL): Promise<void> {
  const redis = new Redis(redisUrl!);
  const blocking = new Redis(redisUrl!);
  const agent = new http.Agent({ keepAlive: true });
  await Promise.all([redis.ping(), blocking.ping()]);
  process.stdout.write('queue-floor worker ready\n');
  let running = 0;
  let slotFreed: (() => void) | undefined;
  for (;;) {
    if (running >= CONCURRENCY) await new Promise<void>((resolve) => (slotFreed = resolve));
    const id = await blocking.blmove(keys.waiting, keys.processing, 'RIGHT', 'LEFT', 0);
    if (!id) continue;
    running++;
    void handle(redis, agent, upstream, id).finally(() => {
      running--;
      slotFreed?.();
      slotFreed = undefined;
    });
  }
}

async function handle(redis: Redis, agent: http.Agent, upstream: URL, id: string): Promise<void> {
  const request = (await redis.hgetBuffer(keys.job(id), 'request')) ?? Buffer.from('{}');
  const answer = await new Promise<string>((resolve, reject) => {
    const call = http.request(upstream, { agent, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': request.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
      res.on('error', reject);
    });
    call.on('error', reject);
    call.end(request);
  }).catch((err: Error) => JSON.stringify({ error: { message: err.message } }));
  await redis.multi().hset(keys.job(id), 'answer', answer).lrem(keys.processing, 1, id).publish(keys.done, `${id} ${answer}`).exec();
}
