/**
 * Lua for the per-deployment circuit breaker. One hash per deployment, `<p>:cb:{<deployment>}`:
 *   state        closed | open | half_open
 *   open_until   ms (server time) until which an open circuit rejects calls
 *   probe_until  ms until which the single half-open probe is in flight
 *   <slot>:ok / <slot>:fail   outcome counters per time slot (slot = floor(now / slotMs))
 * Times come from Redis (`TIME`), so every worker agrees.
 */

/**
 * ACQUIRE — may a call go to the deployment now?
 * KEYS[1] breaker hash. ARGV[1] cooldown ms (probe lease).
 * Returns {verdict, waitMs}: verdict 'closed' (call), 'probe' (call: you are the half-open probe),
 * or 'open' (do not call; waitMs until a probe may go).
 */
export const ACQUIRE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HGET', KEYS[1], 'state')
if not state or state == 'closed' then return {'closed', 0} end
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0')
if state == 'open' and now < openUntil then return {'open', openUntil - now} end
local probeUntil = tonumber(redis.call('HGET', KEYS[1], 'probe_until') or '0')
if now < probeUntil then return {'open', probeUntil - now} end
redis.call('HSET', KEYS[1], 'state', 'half_open', 'probe_until', now + tonumber(ARGV[1]))
return {'probe', 0}
`;

/**
 * RECORD — the outcome of a call.
 * KEYS[1] breaker hash. ARGV[1] 'ok' | 'fail', ARGV[2] slot ms, ARGV[3] slots per window,
 * ARGV[4] minimum calls in the window, ARGV[5] failure rate (0..1) that opens, ARGV[6] cooldown ms,
 * ARGV[7] '1' if this call was the half-open probe.
 * Returns the state after recording: 'closed' | 'open' | 'half_open'.
 */
export const RECORD_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local slotMs, slots = tonumber(ARGV[2]), tonumber(ARGV[3])
local slot = math.floor(now / slotMs)
local cooldown = tonumber(ARGV[6])
local function open()
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'state', 'open', 'open_until', now + cooldown, 'probe_until', 0)
  redis.call('PEXPIRE', KEYS[1], cooldown + slotMs * slots)
  return 'open'
end
if ARGV[7] == '1' then
  if ARGV[1] == 'ok' then
    redis.call('DEL', KEYS[1])
    return 'closed'
  end
  return open()
end
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
if state ~= 'closed' then return state end
redis.call('HINCRBY', KEYS[1], slot .. ':' .. ARGV[1], 1)
redis.call('PEXPIRE', KEYS[1], slotMs * (slots + 1))
local ok, fail = 0, 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local s, kind = string.match(fields[i], '^(%d+):(%a+)$')
  if s then
    local n = tonumber(fields[i + 1])
    if slot - tonumber(s) >= slots then
      redis.call('HDEL', KEYS[1], fields[i])
    elseif kind == 'ok' then ok = ok + n else fail = fail + n end
  end
end
if ok + fail >= tonumber(ARGV[4]) and fail / (ok + fail) >= tonumber(ARGV[5]) then return open() end
return 'closed'
`;

/**
 * RELEASE_PROBE — the half-open probe ended without saying anything about the deployment's health
 * (cancelled, a bad request, a rate limit): give its lease back, leaving the circuit half-open, so
 * the next call is the probe. A no-op unless the circuit is half-open.
 * KEYS[1] breaker hash. Returns the state: 'closed' | 'open' | 'half_open'.
 */
export const RELEASE_PROBE_SCRIPT = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'closed' end
if state == 'half_open' then redis.call('HSET', KEYS[1], 'probe_until', 0) end
return state
`;
