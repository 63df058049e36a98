/**
 * Lua scripts over one batch's keys (see batch-keys.ts; all share the batch's hash tag). Field
 * names are those of batch-record.ts.
 */

/**
 * TRANSITION — moves the batch between statuses, only from an allowed one.
 * KEYS[1] batch hash. ARGV[1] allowed current statuses, comma-separated; ARGV[2] new status;
 * ARGV[3] timestamp field to set if still empty ('' for none); ARGV[4] now (unix seconds);
 * ARGV[5..] extra field/value pairs to set.
 * Returns {1|0, status before}: 1 when moved; 0 (nothing written) when the status was not allowed.
 */
export const TRANSITION_SCRIPT = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {0, ''} end
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do if s == status then allowed = true end end
if not allowed then return {0, status} end
redis.call('HSET', KEYS[1], 'status', ARGV[2])
if ARGV[3] ~= '' and redis.call('HGET', KEYS[1], ARGV[3]) == '' then redis.call('HSET', KEYS[1], ARGV[3], ARGV[4]) end
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return {1, status}
`;

/**
 * COLLECT — records one finished line exactly once: buffers its output or error line and counts it.
 * KEYS[1] batch hash, KEYS[2] pending set, KEYS[3] output buffer, KEYS[4] error buffer.
 * ARGV[1] line number, ARGV[2] 'out' or 'err', ARGV[3] the JSONL line, ARGV[4..7] input, output,
 * cached and reasoning tokens.
 * Returns {collected 1|0, lines still pending, bytes now buffered for that file, lines finished, total}.
 * 0 when the line was not pending (collected before, by another process or an earlier sweep).
 */
export const COLLECT_SCRIPT = `
if redis.call('SREM', KEYS[2], ARGV[1]) == 0 then return {0, 0, 0, 0, 0} end
local list = KEYS[3]
local kind = 'out'
local counter = 'completed'
if ARGV[2] == 'err' then list = KEYS[4]; kind = 'err'; counter = 'failed' end
redis.call('RPUSH', list, ARGV[3])
local buffered = redis.call('HINCRBY', KEYS[1], kind .. '_buffered', string.len(ARGV[3]) + 1)
redis.call('HINCRBY', KEYS[1], counter, 1)
redis.call('HINCRBY', KEYS[1], 'usage_input', tonumber(ARGV[4]))
redis.call('HINCRBY', KEYS[1], 'usage_output', tonumber(ARGV[5]))
redis.call('HINCRBY', KEYS[1], 'usage_cached', tonumber(ARGV[6]))
redis.call('HINCRBY', KEYS[1], 'usage_reasoning', tonumber(ARGV[7]))
local counts = redis.call('HMGET', KEYS[1], 'completed', 'failed', 'total')
return {1, redis.call('SCARD', KEYS[2]), buffered, tonumber(counts[1]) + tonumber(counts[2]), tonumber(counts[3])}
`;

/**
 * SKIP_LINES — lines that will never run (the batch was cancelled or expired before they were
 * submitted): buffers their error lines, counts them failed and moves the input cursor past them.
 * KEYS[1] batch hash, KEYS[2] pending set, KEYS[3] error buffer.
 * ARGV[1] expected cursor_line, ARGV[2] new cursor_line, ARGV[3] new cursor_byte, ARGV[4] n,
 * ARGV[5..4+n] line numbers, ARGV[5+n..4+2n] their error lines.
 * Returns {1|0, bytes buffered}: 0 when the cursor had moved (another runner got there first).
 */
export const SKIP_LINES_SCRIPT = `
if redis.call('HGET', KEYS[1], 'cursor_line') ~= ARGV[1] then return {0, 0} end
local n = tonumber(ARGV[4])
local bytes = 0
for i = 1, n do
  redis.call('SREM', KEYS[2], ARGV[4 + i])
  redis.call('RPUSH', KEYS[3], ARGV[4 + n + i])
  bytes = bytes + string.len(ARGV[4 + n + i]) + 1
end
redis.call('HINCRBY', KEYS[1], 'failed', n)
redis.call('HINCRBY', KEYS[1], 'submitted', n)
redis.call('HSET', KEYS[1], 'cursor_line', ARGV[2], 'cursor_byte', ARGV[3])
return {1, redis.call('HINCRBY', KEYS[1], 'err_buffered', bytes)}
`;

/**
 * ADVANCE_CURSOR — the runner submitted the lines before the new cursor.
 * KEYS[1] batch hash. ARGV[1] expected cursor_line, ARGV[2] new cursor_line, ARGV[3] new
 * cursor_byte, ARGV[4] lines submitted. Returns 1, or 0 when the cursor had moved.
 */
export const ADVANCE_CURSOR_SCRIPT = `
if redis.call('HGET', KEYS[1], 'cursor_line') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'cursor_line', ARGV[2], 'cursor_byte', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'submitted', tonumber(ARGV[4]))
return 1
`;

/**
 * COMMIT_SEGMENT — the first n buffered lines of a file are in storage as segment `part`: drop them
 * from the buffer and count the segment.
 * KEYS[1] batch hash, KEYS[2] that file's buffer. ARGV[1] 'out' or 'err', ARGV[2] part number
 * written (must equal <kind>_parts), ARGV[3] n lines, ARGV[4] bytes.
 * Returns 1, or 0 when the part was committed already (a replayed tick rewrote it harmlessly).
 */
export const COMMIT_SEGMENT_SCRIPT = `
local kind = ARGV[1]
if redis.call('HGET', KEYS[1], kind .. '_parts') ~= ARGV[2] then return 0 end
redis.call('LTRIM', KEYS[2], tonumber(ARGV[3]), -1)
redis.call('HINCRBY', KEYS[1], kind .. '_parts', 1)
redis.call('HINCRBY', KEYS[1], kind .. '_bytes', tonumber(ARGV[4]))
redis.call('HINCRBY', KEYS[1], kind .. '_buffered', -tonumber(ARGV[4]))
return 1
`;
