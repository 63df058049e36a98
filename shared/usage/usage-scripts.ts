/**
 * RECORD — adds one usage event to its team's ledger, once.
 * KEYS[1] dedupe key `<p>:usage:{<team>}:seen:<eventId>`, KEYS[2] the team's day hash
 * `<p>:usage:{<team>}:day:<YYYY-MM-DD>`, KEYS[3] the team's event stream `<p>:usage:{<team>}:events`
 * (all under one hash tag). ARGV[1] dedupe TTL seconds, ARGV[2] day-hash TTL seconds, ARGV[3] the
 * field prefix `<keyId>|<model>|<deployment>|`, ARGV[4..11] the values of USAGE_METRICS in order,
 * ARGV[12] the event as JSON, ARGV[13] the stream's approximate max length.
 * Returns 1 when recorded, 0 when this event id was recorded before.
 */
export const RECORD_SCRIPT = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[1])) == false then return 0 end
local names = {'requests', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'reasoning_tokens', 'cost_micros', 'cache_hits', 'saved_micros'}
for i, name in ipairs(names) do
  local value = tonumber(ARGV[3 + i])
  if value ~= 0 then redis.call('HINCRBY', KEYS[2], ARGV[3] .. name, value) end
end
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]))
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[13], '*', 'e', ARGV[12])
return 1
`;
