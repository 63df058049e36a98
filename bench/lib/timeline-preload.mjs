/**
 * Loaded with `node --import <this file>?out=<dir>` into each gateway process by bench/timeline.ts:
 * records, with wall-clock times (ms, sub-ms resolution, comparable across the processes of one
 * machine), when the process sends each Redis command and has its reply, receives a pub/sub
 * message, receives and answers an HTTP request, and sends and is answered by an outgoing HTTP
 * request (the vendor call). On exit it writes them to `<dir>/<role>-<pid>.json`, the role being
 * the first of `api`, `worker`, `all` in its arguments.
 *
 * Plain JavaScript, so it loads as it is into the compiled gateway as into one under tsx. It wraps
 * ioredis's `sendCommand` and `emit` and node:http's `request` and `Server#emit`: measuring code,
 * never part of the product. A reply is timed when its promise settles, i.e. as the code waiting
 * for it sees it.
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const out = new URL(import.meta.url).searchParams.get('out');
if (!out) throw new Error('timeline-preload: import it as timeline-preload.mjs?out=<directory>');
const require = createRequire(import.meta.url);
const ioredis = require('ioredis');
const Redis = ioredis.Redis ?? ioredis.default ?? ioredis;

const role = process.argv.slice(2).find((arg) => arg === 'api' || arg === 'worker' || arg === 'all') ?? 'process';
/** [time ms, process role, event] */
const events = [];
const now = () => performance.timeOrigin + performance.now();
const record = (event) => events.push([now(), role, event]);

/** A Lua script's name (from ioredis's defined commands, BullMQ's included) instead of its SHA. */
function commandName(client, command) {
  if (command.name !== 'evalsha') return command.name;
  const sha = String(command.args[0]);
  for (const [name, script] of Object.entries(client.scriptsSet ?? {})) if (script.sha === sha) return name;
  return `evalsha ${sha.slice(0, 8)}`;
}

const sendCommand = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function (command, stream) {
  const name = commandName(this, command);
  record(`redis ${name} sent`);
  command.promise?.then(
    () => record(`redis ${name} answered`),
    () => undefined,
  );
  return sendCommand.call(this, command, stream);
};

const redisEmit = Redis.prototype.emit;
Redis.prototype.emit = function (event, channel, ...rest) {
  if (event === 'message') record(`pub/sub message on ${String(channel).split(':').slice(1).join(':')}`);
  return redisEmit.call(this, event, channel, ...rest);
};

const serverEmit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, res) {
  if (event === 'request') {
    record(`http request in ${req.method} ${req.url}`);
    res.on('finish', () => record('http response out'));
  }
  return serverEmit.apply(this, arguments);
};

const request = http.request;
http.request = function (...args) {
  const req = request.apply(this, args);
  record('upstream request created');
  req.on('finish', () => record('upstream request sent'));
  req.on('response', (res) => {
    record('upstream response headers');
    res.on('end', () => record('upstream response end'));
  });
  return req;
};

let written = false;
const write = () => {
  if (written) return;
  written = true;
  writeFileSync(join(out, `${role}-${process.pid}.json`), JSON.stringify(events));
};
process.on('exit', write);
// A process that has no SIGTERM handler of its own dies of the signal without 'exit': write, then
// die as it would have. One that has a handler (the gateway's graceful shutdown) exits by itself.
process.on('SIGTERM', () => {
  if (process.listenerCount('SIGTERM') > 1) return;
  write();
  process.exit(143);
});
