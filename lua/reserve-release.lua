-- reserve-release: end reservations of one shard (job result, cancel, timeout) and give their slots back.
-- KEYS[1] info       hash  nodeId -> node record JSON
-- KEYS[2] free       zset  nodeId -> free slots (ready nodes only)
-- KEYS[3] res        zset  '<nodeId>|<sessionId>|<jobId>|<attempt>' -> reservation expiry ms
-- KEYS[4] used       hash  nodeId -> live reservation count
-- ARGV[1..] member   one or more '<nodeId>|<sessionId>|<jobId>|<attempt>'
-- Returns: {'OK', released1, ..., releasedN}
-- released = 1 if the reservation was live (or expired but not yet purged), 0 if already gone. Idempotent.
-- The slot goes back only to a node still in the free zset (ready, not dropped as silent). O(N log n).
-- Several members are the releases one sender collected in one event-loop turn for this shard.
--- @include "reservations"
local info, free, res, used = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
if #ARGV < 1 then
  return redis.error_reply('ERR reserve-release: no member')
end
local reply = {'OK'}
for i = 1, #ARGV do
  local member = ARGV[i]
  if redis.call('ZREM', res, member) == 0 then
    reply[#reply + 1] = 0
  else
    reservation_ended(info, used, free, reservation_node(member))
    reply[#reply + 1] = 1
  end
end
return reply
