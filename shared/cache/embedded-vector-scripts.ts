import { RedisScript } from './redis-script.js';

/**
 * Lua scripts of the embedded vector store (key layout in cache-keys.ts). Every script takes the
 * collection's fixed keys first — KEYS[1] seq, KEYS[2] log, KEYS[3] exp, KEYS[4] tomb — and bumps
 * `seq` once per changed entry, writing that seq as the entry's score in `log`, so another process
 * can replay every change after the seq it has seen. Entry and tenant keys named from ARGV prefixes
 * share the collection's hash tag, so every key a script touches is in one cluster slot.
 */

/**
 * Removes one entry (hash, tenant set membership, expiry) and logs a tombstone; returns false (and
 * logs nothing) when neither the hash nor its expiry record exists.
 */
const REMOVE = `
local function remove(id, now, entryPrefix, tenantPrefix)
  local entry = entryPrefix .. id
  local th = redis.call('HGET', entry, 'th')
  local known = redis.call('ZREM', KEYS[3], id) == 1
  if th then redis.call('SREM', tenantPrefix .. th, id) end
  if redis.call('DEL', entry) == 1 then known = true end
  if not known then return false end
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[1]), id)
  redis.call('ZADD', KEYS[4], now, id)
  return true
end
`;

/**
 * UPSERT — KEYS[5..] pairs of (entry hash, tenant set) per entry. ARGV[1] entry count, then per
 * entry 8 values: id, scope, tenant, tenantHash, expiresAtMs, ttlMs, vector bytes, payload JSON.
 * Returns {firstSeq, lastSeq} of the changes written.
 */
export const UPSERT = new RedisScript(`
local count = tonumber(ARGV[1])
local first, last
for i = 0, count - 1 do
  local a = 2 + i * 8
  local entry, tenantSet = KEYS[5 + i * 2], KEYS[6 + i * 2]
  local id = ARGV[a]
  redis.call('DEL', entry)
  redis.call('HSET', entry, 'scope', ARGV[a + 1], 'tenant', ARGV[a + 2], 'th', ARGV[a + 3],
    'exp', ARGV[a + 4], 'vec', ARGV[a + 6], 'payload', ARGV[a + 7])
  redis.call('PEXPIRE', entry, ARGV[a + 5])
  redis.call('SADD', tenantSet, id)
  redis.call('ZADD', KEYS[3], ARGV[a + 4], id)
  redis.call('ZREM', KEYS[4], id)
  last = redis.call('INCR', KEYS[1])
  if not first then first = last end
  redis.call('ZADD', KEYS[2], last, id)
end
return {first or 0, last or 0}
`);

/**
 * DELETE — ARGV[1] now ms, ARGV[2] entry key prefix, ARGV[3] tenant set prefix, ARGV[4..] ids.
 * Returns the ids that were removed.
 */
export const DELETE = new RedisScript(`${REMOVE}
local removed = {}
for i = 4, #ARGV do
  if remove(ARGV[i], ARGV[1], ARGV[2], ARGV[3]) then table.insert(removed, ARGV[i]) end
end
return removed
`);

/**
 * PURGE — KEYS[5] the tenant's id set. ARGV[1] now ms, ARGV[2] entry key prefix, ARGV[3] tenant set
 * prefix, ARGV[4] batch size. Removes up to a batch of the tenant's entries (call until it returns
 * none, so no single call blocks Redis long). Returns the ids removed.
 */
export const PURGE = new RedisScript(`${REMOVE}
local ids = redis.call('SPOP', KEYS[5], tonumber(ARGV[4]))
for _, id in ipairs(ids) do remove(id, ARGV[1], ARGV[2], ARGV[3]) end
return ids
`);

/**
 * EXPIRE — ARGV[1] now ms, ARGV[2] entry key prefix, ARGV[3] tenant set prefix, ARGV[4] batch size,
 * ARGV[5] tombstones older than this (ms) leave the log. Removes up to a batch of expired entries
 * and prunes old tombstones (a process that missed one drops the vector when a search finds its
 * entry gone). Returns the ids expired.
 */
export const EXPIRE = new RedisScript(`${REMOVE}
local ids = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[4]))
for _, id in ipairs(ids) do remove(id, ARGV[1], ARGV[2], ARGV[3]) end
local old = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', ARGV[5], 'LIMIT', 0, tonumber(ARGV[4]))
if #old > 0 then
  redis.call('ZREM', KEYS[2], unpack(old))
  redis.call('ZREM', KEYS[4], unpack(old))
end
return ids
`);
