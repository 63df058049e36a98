/**
 * Lua scripts of the token buckets (key contract in bucket-keys.ts). Every script's keys share one
 * `{rl:<tag>}` hash tag, so each runs on one Redis Cluster slot.
 *
 * Bucket model: capacity = the per-minute limit, continuous refill at limit/60000 per ms, a missing
 * bucket is full. Time is Redis server time (TIME), so every replica of every process agrees; ARGV[1]
 * may carry a ms time instead, which only tests use ('' = server time). Needs Redis >= 7 (scripts
 * replicate their effects, so reading TIME before or after writes is allowed).
 */

/** Lua helpers prepended to the scripts below (after each script's header). */
const HELPERS = `
local function now_ms(override)
  if override ~= '' then return tonumber(override) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end

-- The bucket's level at 'now': stored level plus refill since its timestamp, capped at capacity.
local function level(key, cap, now)
  local v = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens, ts = tonumber(v[1]), tonumber(v[2])
  if not tokens or not ts then return cap end
  local elapsed = now - ts
  -- A clock that stepped back (failover to a node whose clock is behind) refills nothing, never drains.
  if elapsed < 0 then elapsed = 0 end
  local t = tokens + elapsed * cap / 60000
  if t > cap then t = cap end
  return t
end

-- A full bucket is the same as a missing one, so it is deleted; otherwise it lives until it would be full.
local function store(key, tokens, cap, now)
  if tokens >= cap then
    redis.call('DEL', key)
    return
  end
  redis.call('HSET', key, 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.17g', now))
  redis.call('PEXPIRE', key, math.ceil((cap - tokens) * 60000 / cap) + 1000)
end
`;

/**
 * RESERVE — takes from every bucket of one tag group, or from none.
 */
export const RESERVE_SCRIPT = `
-- RESERVE: check every bucket and pause of one tag group; take from all of them or from none.
-- KEYS[1]            res hash (reservation id -> reservation JSON)
-- KEYS[2]            res-deadlines zset (reservation id -> deadline ms)
-- KEYS[3 .. 2+B]     block keys of the scopes involved (B = ARGV[2])
-- KEYS[3+B ..]       bucket hashes, in the order of the capacity/amount pairs below
-- ARGV[1] now ms or '' for server time; ARGV[2] B; ARGV[3] 'take' or 'peek' (peek writes nothing)
-- ARGV[4] reservation id; ARGV[5] reservation JSON; ARGV[6] hold ms (deadline = now + hold)
-- ARGV[7] retention ms (an expired reservation not reaped within it is dropped without refund)
-- ARGV[6+2i], ARGV[7+2i] capacity (limit per minute) and amount for bucket i
-- A bucket has enough when its level >= min(amount, capacity): an amount above capacity passes when the
-- bucket is full and leaves it in debt, so it can never wait forever. Debt (level < 0) blocks even 0.
-- Returns {ok (1|0), retryAfterMs, pausedMs, level_1, ..., level_n}: retryAfterMs is the time until every
-- bucket has enough and every pause has ended (0 when ok); level_i is bucket i floored, after the take.
${HELPERS}
local now = now_ms(ARGV[1])
local nblocks = tonumber(ARGV[2])
local first = 3 + nblocks
local paused = 0
for i = 3, first - 1 do
  local till = tonumber(redis.call('GET', KEYS[i]))
  if till and till - now > paused then paused = till - now end
end
local wait = 0
local levels, caps, amounts = {}, {}, {}
for i = 1, #KEYS - first + 1 do
  local cap, amount = tonumber(ARGV[6 + 2 * i]), tonumber(ARGV[7 + 2 * i])
  local t = level(KEYS[first + i - 1], cap, now)
  levels[i], caps[i], amounts[i] = t, cap, amount
  local need = amount
  if need > cap then need = cap end
  -- The epsilon absorbs float error, so a caller who waited exactly retryAfterMs is admitted.
  if t < need - 1e-9 then
    local w = (need - t) * 60000 / cap
    if w > wait then wait = w end
  end
end
local retry = wait
if paused > retry then retry = paused end
local ok = retry <= 0
if ok and ARGV[3] == 'take' then
  for i = 1, #levels do
    levels[i] = levels[i] - amounts[i]
    store(KEYS[first + i - 1], levels[i], caps[i], now)
  end
  local hold, retention = tonumber(ARGV[6]), tonumber(ARGV[7])
  redis.call('HSET', KEYS[1], ARGV[4], ARGV[5])
  redis.call('ZADD', KEYS[2], now + hold, ARGV[4])
  -- Amortised clean-up of orphans nobody reaped in time, so the records cannot grow without bound.
  local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - retention, 'LIMIT', 0, 16)
  for _, id in ipairs(stale) do
    redis.call('HDEL', KEYS[1], id)
    redis.call('ZREM', KEYS[2], id)
  end
  local ttl = math.ceil(hold + retention)
  for k = 1, 2 do
    if redis.call('PTTL', KEYS[k]) < ttl then redis.call('PEXPIRE', KEYS[k], ttl) end
  end
end
local out = {ok and 1 or 0, math.ceil(retry), math.ceil(paused)}
for i = 1, #levels do out[3 + i] = math.floor(levels[i]) end
return out
`;

/**
 * SETTLE — applies per-bucket corrections once; used by settle, release and the reaper.
 */
export const SETTLE_SCRIPT = `
-- SETTLE: end a reservation once, giving back (or charging) a per-bucket difference.
-- KEYS[1] res hash; KEYS[2] res-deadlines zset; KEYS[3 ..] the reservation's bucket hashes
-- ARGV[1] now ms or '' for server time; ARGV[2] reservation id
-- ARGV[1+2i], ARGV[2+2i] capacity and delta for bucket i: delta > 0 gives back (capped at capacity),
-- delta < 0 charges more (the level may go negative: debt that delays later reservations)
-- Returns 1 when applied; 0 when the reservation was already settled, released, reaped or dropped.
${HELPERS}
local now = now_ms(ARGV[1])
if redis.call('HDEL', KEYS[1], ARGV[2]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[2])
for i = 1, #KEYS - 2 do
  local cap, delta = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  if delta ~= 0 then
    local t = level(KEYS[2 + i], cap, now) + delta
    if t > cap then t = cap end
    store(KEYS[2 + i], t, cap, now)
  end
end
return 1
`;

/**
 * BLOCK — pauses a scope (after a vendor 429); never shortens a longer pause already in force.
 */
export const BLOCK_SCRIPT = `
-- BLOCK: pause a scope until now + ARGV[2] ms, unless it is already paused for longer.
-- KEYS[1] block key
-- ARGV[1] now ms or '' for server time; ARGV[2] pause ms (> 0)
-- Returns the ms time (floored) until which the scope is now paused.
${HELPERS}
local now = now_ms(ARGV[1])
local till = now + tonumber(ARGV[2])
local current = tonumber(redis.call('GET', KEYS[1]))
if current and current >= till then return math.floor(current) end
redis.call('SET', KEYS[1], string.format('%.17g', till), 'PX', math.ceil(till - now))
return math.floor(till)
`;
