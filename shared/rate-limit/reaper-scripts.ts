/**
 * Lua scripts of the reservation reaper (key contract in bucket-keys.ts). The reaper finds tag groups
 * through the tag registry, lists each group's expired reservations, and releases them with the
 * idempotent SETTLE script, so a holder that settles at the same moment wins or loses cleanly.
 * ARGV[1] is a ms time that only tests set ('' = Redis server time).
 */

const NOW = `
local function now_ms(override)
  if override ~= '' then return tonumber(override) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
`;

/** EXPIRED — lists a tag group's reservations past their deadline. */
export const EXPIRED_SCRIPT = `
-- EXPIRED: list reservations of one tag group whose deadline has passed (without releasing them).
-- KEYS[1] res hash; KEYS[2] res-deadlines zset
-- ARGV[1] now ms or '' for server time; ARGV[2] most entries to return
-- Returns {pending, id_1, json_1, id_2, json_2, ...}: pending counts every reservation still recorded in
-- the group (expired or not); deadline entries without a record are removed on the way.
${NOW}
local now = now_ms(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local out = {0}
for _, id in ipairs(ids) do
  local record = redis.call('HGET', KEYS[1], id)
  if record then
    out[#out + 1] = id
    out[#out + 1] = record
  else
    redis.call('ZREM', KEYS[2], id)
  end
end
out[1] = redis.call('ZCARD', KEYS[2])
return out
`;

/** TOUCH_TAG — records that a tag group had a reservation now. */
export const TOUCH_TAG_SCRIPT = `
-- TOUCH_TAG: mark a tag group as recently used, so the reaper visits it.
-- KEYS[1] tag registry zset
-- ARGV[1] now ms or '' for server time; ARGV[2] tag
-- Returns 1.
${NOW}
redis.call('ZADD', KEYS[1], now_ms(ARGV[1]), ARGV[2])
return 1
`;

/** FORGET_TAG — drops a tag group from the registry once it has been idle long enough. */
export const FORGET_TAG_SCRIPT = `
-- FORGET_TAG: remove a tag from the registry if nobody touched it for ARGV[3] ms. The caller has just
-- seen the group empty; the idle time (far longer than the gap between a reserver's touch and its
-- reserve) makes sure no reservation is being made in it right now.
-- KEYS[1] tag registry zset
-- ARGV[1] now ms or '' for server time; ARGV[2] tag; ARGV[3] idle ms
-- Returns 1 when removed, 0 when the tag is absent or was touched recently.
${NOW}
local touched = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[2]))
if not touched or touched > now_ms(ARGV[1]) - tonumber(ARGV[3]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[2])
return 1
`;
