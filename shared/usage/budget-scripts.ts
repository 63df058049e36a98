import { RESERVE_SCRIPT } from '../rate-limit/bucket-scripts.js';

/**
 * Lua of USD budgets (key contract in budget-keys.ts; amounts in integer micro-dollars). Every
 * script's keys sit in one team's `{rl:team:<team>}` tag group. Amounts go to Redis as the ARGV
 * strings they came in: Lua would print a large number as 1e+15, and `-0` is not an integer to Redis.
 */

/**
 * Budget functions shared by RESERVE and ADMIT. Their `keys`/`argv` tables:
 * keys: for budget i, keys[2i-1] its hash and keys[2i] its holds zset.
 * argv[1] now ms, argv[2] hold expiry ms, argv[3] hold id, argv[4] estimate µ$, argv[5] how long a
 * released orphan stays settleable (ms), then for budget i argv[4+2i] its limit µ$ and argv[5+2i]
 * its TTL ms (0: no TTL).
 */
const RELEASE_EXPIRED = `
-- Releases one budget's holds past their expiry (their holder died: each becomes a negative-scored
-- marker a late settle still charges) and drops markers older than the retention. Returns how many
-- holds it released.
local function release_expired(hash, holds, now, retention)
  local expired = redis.call('ZRANGEBYSCORE', holds, 0, now)
  for _, member in ipairs(expired) do
    local amount = string.match(member, ':(%d+)$')
    if amount ~= '0' then redis.call('HINCRBY', hash, 'reserved', '-' .. amount) end
    redis.call('ZADD', holds, 'XX', -now, member)
  end
  redis.call('ZREMRANGEBYSCORE', holds, string.format('(%d', retention - now), '(0')
  return #expired
end
`;

const BUDGET_FUNCTIONS = `${RELEASE_EXPIRED}
-- Releases each budget's expired holds, then checks that the estimate fits every budget. Returns nil
-- when it fits, else {index of the first budget it does not fit, spent, reserved, limit}. A budget
-- whose spend reached its limit refuses even a zero estimate.
local function budget_check(keys, argv)
  local now, estimate, retention = tonumber(argv[1]), tonumber(argv[4]), tonumber(argv[5])
  for i = 1, #keys / 2 do
    local hash, holds = keys[2 * i - 1], keys[2 * i]
    release_expired(hash, holds, now, retention)
    local v = redis.call('HMGET', hash, 'spent', 'reserved')
    local spent, reserved = tonumber(v[1] or '0'), tonumber(v[2] or '0')
    local limit = tonumber(argv[4 + 2 * i])
    if spent >= limit or spent + reserved + estimate > limit then return {i, spent, reserved, limit} end
  end
  return nil
end

-- Holds the estimate on every budget (call only after budget_check passed, in the same script).
local function budget_take(keys, argv)
  local member = argv[3] .. ':' .. argv[4]
  for i = 1, #keys / 2 do
    local hash, holds, ttl = keys[2 * i - 1], keys[2 * i], tonumber(argv[5 + 2 * i])
    redis.call('HINCRBY', hash, 'reserved', argv[4])
    redis.call('ZADD', holds, argv[2], member)
    for _, key in ipairs({hash, holds}) do
      if ttl > 0 then redis.call('PEXPIRE', key, ttl) else redis.call('PERSIST', key) end
    end
  end
end
`;

/**
 * RESERVE — holds an estimated cost against every given budget, or against none.
 * KEYS and ARGV as the `keys`/`argv` of BUDGET_FUNCTIONS.
 * Returns {1} when held, or {0, index of the first budget that refused (1-based), spent, reserved, limit}.
 */
export const BUDGET_RESERVE_SCRIPT = `${BUDGET_FUNCTIONS}
local refused = budget_check(KEYS, ARGV)
if refused then return {0, refused[1], refused[2], refused[3], refused[4]} end
budget_take(KEYS, ARGV)
return {1}
`;

/**
 * SETTLE — replaces a hold by the real cost, once: the hold's member is removed as it is charged, so
 * settling it again (a replayed worker, a cancel racing the end) finds nothing and changes nothing.
 * A live hold gives its estimate back to `reserved`; a hold already released as orphaned (negative
 * score) is charged without that. Threshold alerts: after charging, a budget whose spend reached
 * 100 % (else 80 %) of its limit reports that threshold the first time in its period (HSETNX of
 * `alerted:<t>` = `<now ms>:<hold id>`). Settling that hold again reports the same crossing again
 * (the field names it), so a worker that died or failed between the settle and the alert's enqueue
 * raises it on its replay; any other hold never does.
 * KEYS[2i-1] and KEYS[2i] budget i's hash and holds zset.
 * ARGV[1] now ms, ARGV[2] hold id, ARGV[3] estimate µ$, ARGV[4] actual µ$, then for budget i
 * ARGV[3+2i] its limit µ$ (0: unknown, no alerts) and ARGV[4+2i] its TTL ms (0: none).
 * Returns, per budget, {charged (1, or 0 when the hold was settled before or is unknown), spent µ$,
 * threshold this hold crossed (100, 80 or 0)}, flattened.
 */
export const BUDGET_SETTLE_SCRIPT = `
local now, member, estimate = tonumber(ARGV[1]), ARGV[2] .. ':' .. ARGV[3], ARGV[3]
local out = {}
for i = 1, #KEYS / 2 do
  local hash, holds = KEYS[2 * i - 1], KEYS[2 * i]
  local limit, ttl = tonumber(ARGV[3 + 2 * i]), tonumber(ARGV[4 + 2 * i])
  local score = redis.call('ZSCORE', holds, member)
  local charged, spent, crossed = 0, 0, 0
  if score then
    redis.call('ZREM', holds, member)
    if tonumber(score) > 0 and estimate ~= '0' then redis.call('HINCRBY', hash, 'reserved', '-' .. estimate) end
    charged = 1
    spent = redis.call('HINCRBY', hash, 'spent', ARGV[4])
    if ttl > 0 and redis.call('PTTL', hash) == -1 then redis.call('PEXPIRE', hash, ttl) end
    if limit > 0 then
      for _, t in ipairs({100, 80}) do
        if spent * 100 >= limit * t and redis.call('HSETNX', hash, 'alerted:' .. t, now .. ':' .. ARGV[2]) == 1 and crossed == 0 then crossed = t end
      end
    end
  else
    spent = tonumber(redis.call('HGET', hash, 'spent') or '0')
    local mine = ':' .. ARGV[2]
    for _, t in ipairs({100, 80}) do
      local by = redis.call('HGET', hash, 'alerted:' .. t)
      if by and string.sub(by, -#mine) == mine then
        crossed = t
        break
      end
    end
  end
  out[#out + 1] = charged
  out[#out + 1] = spent
  out[#out + 1] = crossed
end
return out
`;

/**
 * ADMIT — one atomic admission for a key and its team: their budgets AND their RPM/TPM buckets, or
 * nothing. The rate part is the rate limiter's own RESERVE script, run verbatim as a Lua function
 * (its KEYS/ARGV contract, shared/rate-limit/bucket-scripts.ts), so bucket semantics have one source.
 * Budgets are checked first (a spent budget is the lasting refusal), then buckets are taken, then
 * budget holds are written; a refusal at any step leaves buckets and budgets untouched (beyond
 * releasing expired budget holds).
 * KEYS: the R rate keys of RESERVE (R = ARGV[1]; 0 = no rate limits), then the budget keys.
 * ARGV[1] R, ARGV[2] A = number of RESERVE ARGV, ARGV[3 .. 2+A] RESERVE's ARGV (mode 'take'),
 * then the budget argv of BUDGET_FUNCTIONS.
 * Returns RESERVE's reply {1|0, retryAfterMs, pausedMs, level_1, ...} ({1, 0, 0} without rate
 * limits), or {2, budget index, spent, reserved, limit} when a budget refused.
 */
export const ADMIT_SCRIPT = `${BUDGET_FUNCTIONS}
local function rate_reserve(KEYS, ARGV)
${RESERVE_SCRIPT}
end

local function slice(t, from, to)
  local out = {}
  for i = from, to do out[#out + 1] = t[i] end
  return out
end

local nrate, nargv = tonumber(ARGV[1]), tonumber(ARGV[2])
local bkeys, bargv = slice(KEYS, nrate + 1, #KEYS), slice(ARGV, 3 + nargv, #ARGV)
if #bkeys > 0 then
  local refused = budget_check(bkeys, bargv)
  if refused then return {2, refused[1], refused[2], refused[3], refused[4]} end
end
local reply = {1, 0, 0}
if nrate > 0 then
  reply = rate_reserve(slice(KEYS, 1, nrate), slice(ARGV, 3, 2 + nargv))
  if reply[1] ~= 1 then return reply end
end
if #bkeys > 0 then budget_take(bkeys, bargv) end
return reply
`;

/**
 * REAP — the periodic reaper's pass over one budget: releases its expired holds as ADMIT would on
 * its way (so an orphaned hold is given back within one reaper interval of its expiry, whether or
 * not anyone admits against that budget again).
 * KEYS[1] the budget's hash, KEYS[2] its holds zset.
 * ARGV[1] now ms, ARGV[2] how long a released orphan stays settleable (ms).
 * Returns {holds released now, live holds left}.
 */
export const BUDGET_REAP_SCRIPT = `${RELEASE_EXPIRED}
local released = release_expired(KEYS[1], KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]))
return {released, redis.call('ZCOUNT', KEYS[2], '(0', '+inf')}
`;

/**
 * FORGET_HOLDS — drops a holds zset from the reaper's registry once nobody has touched it for
 * ARGV[2] ms. The caller has just seen it without live holds; the idle time (far longer than the
 * once-a-minute touch of every admitting process) makes sure no admission against it is under way.
 * KEYS[1] the registry zset (member: holds key, score: ms of the last touch).
 * ARGV[1] now ms, ARGV[2] idle ms, ARGV[3] the holds key.
 * Returns 1 when removed, else 0.
 */
export const FORGET_HOLDS_SCRIPT = `
local touched = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[3]))
if not touched or touched > tonumber(ARGV[1]) - tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[3])
return 1
`;
