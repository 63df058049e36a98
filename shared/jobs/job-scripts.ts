/**
 * Lua scripts over the job record hash (see job-record.ts for its fields). Each touches one key,
 * so they run on Redis Cluster too. Terminal statuses: succeeded, failed, cancelled.
 */

/**
 * START — a worker takes the BullMQ job `<id>-<seq>`.
 * KEYS[1] job hash. ARGV[1] seq of the BullMQ job in hand, ARGV[2] now (unix seconds).
 * Returns {outcome, field1, value1, ...}: outcome 'missing' (no record), 'terminal' (already ended),
 * 'stale' (the record has moved on to a later seq: a crash between ADVANCE and the enqueue, or a
 * replayed job), or 'run' (now marked running). The hash follows so the worker reads it only once.
 */
export const START_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
local status = redis.call('HGET', KEYS[1], 'status')
local outcome = 'run'
if status == 'succeeded' or status == 'failed' or status == 'cancelled' then
  outcome = 'terminal'
elseif redis.call('HGET', KEYS[1], 'seq') ~= ARGV[1] then
  outcome = 'stale'
else
  redis.call('HSET', KEYS[1], 'status', 'running')
  if redis.call('HGET', KEYS[1], 'started_at') == '' then redis.call('HSET', KEYS[1], 'started_at', ARGV[2]) end
end
local out = redis.call('HGETALL', KEYS[1])
table.insert(out, 1, outcome)
return out
`;

/**
 * FINISH — records the job's end and notifies waiters, unless it already ended (e.g. cancelled).
 * KEYS[1] job hash. ARGV[1] status, ARGV[2] completed_at, ARGV[3] result JSON or '', ARGV[4] error
 * JSON or '', ARGV[5] attempts JSON, ARGV[6] retention seconds, ARGV[7] channel, ARGV[8] message,
 * ARGV[9] a second channel for the same message, or '' (batch lines: see RedisKeys.batchLineEvents).
 * Returns 1 when written, 0 when the record was missing or already terminal.
 */
export const FINISH_SCRIPT = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status or status == 'succeeded' or status == 'failed' or status == 'cancelled' then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'completed_at', ARGV[2], 'result', ARGV[3], 'error', ARGV[4], 'attempts', ARGV[5])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6]))
redis.call('PUBLISH', ARGV[7], ARGV[8])
if ARGV[9] ~= '' then redis.call('PUBLISH', ARGV[9], ARGV[8]) end
return 1
`;

/**
 * ADVANCE — hands the job to its next BullMQ job (a retry or a failover) before that job is added.
 * KEYS[1] job hash. ARGV[1] expected current seq, ARGV[2] next seq, ARGV[3] next step, ARGV[4] attempts JSON.
 * Returns 1 when advanced; 0 when the job ended or another process advanced it first.
 */
export const ADVANCE_SCRIPT = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status or status == 'succeeded' or status == 'failed' or status == 'cancelled' then return 0 end
if redis.call('HGET', KEYS[1], 'seq') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[2], 'step', ARGV[3], 'attempts', ARGV[4], 'status', 'queued')
return 1
`;

/**
 * CANCEL — cancels a job that has not ended.
 * KEYS[1] job hash. ARGV[1] completed_at, ARGV[2] error JSON, ARGV[3] retention seconds,
 * ARGV[4] channel, ARGV[5] message, ARGV[6] a second channel for the same message, or ''.
 * Returns {outcome, previous status}: outcome 'missing', 'terminal' or 'cancelled'.
 */
export const CANCEL_SCRIPT = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'missing', ''} end
if status == 'succeeded' or status == 'failed' or status == 'cancelled' then return {'terminal', status} end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'completed_at', ARGV[1], 'error', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
redis.call('PUBLISH', ARGV[4], ARGV[5])
if ARGV[6] ~= '' then redis.call('PUBLISH', ARGV[6], ARGV[5]) end
return {'cancelled', status}
`;

/**
 * STREAM START — marks the record `streamed` and publishes the stream's first chunks, atomically:
 * from then on the job cannot fail over (the client has seen part of an answer).
 * KEYS[1] job hash. ARGV[1] channel, ARGV[2..] messages in order.
 */
export const STREAM_START_SCRIPT = `
redis.call('HSET', KEYS[1], 'streamed', '1')
for i = 2, #ARGV do redis.call('PUBLISH', ARGV[1], ARGV[i]) end
return #ARGV - 1
`;
