import { USAGE_METRICS } from './usage-event.js';

/**
 * RECORD — adds one usage event to its team's ledger, once.
 * KEYS[1] dedupe key `<p>:usage:{<team>}:seen:<eventId>`, KEYS[2] the team's day hash
 * `<p>:usage:{<team>}:day:<YYYY-MM-DD>`, KEYS[3] the team's event stream `<p>:usage:{<team>}:events`
 * (all under one hash tag). ARGV[1] dedupe TTL seconds, ARGV[2] day-hash TTL seconds, ARGV[3] the
 * field prefix `<keyId>|<model>|<deployment>|`, ARGV[4..3+n] the values of the n USAGE_METRICS in
 * order, ARGV[4+n] the event as JSON, ARGV[5+n] the stream's approximate max length.
 * Returns 1 when recorded, 0 when this event id was recorded before.
 */
export const RECORD_SCRIPT = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[1])) == false then return 0 end
local names = {${USAGE_METRICS.map((m) => `'${m}'`).join(', ')}}
for i, name in ipairs(names) do
  local value = tonumber(ARGV[3 + i])
  if value ~= 0 then redis.call('HINCRBY', KEYS[2], ARGV[3] .. name, value) end
end
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]))
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[#names + 5], '*', 'e', ARGV[#names + 4])
return 1
`;
