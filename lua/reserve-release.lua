-- reserve-release: end one reservation (job result, cancel, timeout) and give its slot back.
-- KEYS[1] info       hash  nodeId -> node record JSON
-- KEYS[2] free       zset  nodeId -> free slots (ready nodes only)
-- KEYS[3] res        zset  '<nodeId>|<sessionId>|<jobId>|<attempt>' -> reservation expiry ms
-- KEYS[4] used       hash  nodeId -> live reservation count
-- ARGV[1] member     '<nodeId>|<sessionId>|<jobId>|<attempt>'
-- Returns: {'OK', released}
-- released = 1 if the reservation was live (or expired but not yet purged), 0 if already gone. Idempotent.
-- The slot goes back only to a node still in the free zset (ready, not dropped as silent). O(log n).
--- @include "reservations"
local info, free, res, used = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local member = ARGV[1]
if redis.call('ZREM', res, member) == 0 then
  return {'OK', 0}
end
reservation_ended(info, used, free, reservation_node(member))
return {'OK', 1}
