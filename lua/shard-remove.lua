-- shard-remove: take a node out of a pool shard (socket closed, moved, swept), fenced by epoch.
-- KEYS[1] info       hash  nodeId -> node record JSON
-- KEYS[2] hb         zset  nodeId -> last heartbeat ms
-- KEYS[3] free       zset  nodeId -> free slots
-- KEYS[4] res        zset  '<nodeId>|<sessionId>|<jobId>|<attempt>' -> reservation expiry ms
-- KEYS[5] used       hash  nodeId -> live reservation count
-- ARGV[1] nodeId
-- ARGV[2] epoch      must equal the record's epoch; '*' = any (sweeps, takeover)
-- ARGV[3] now        ms since epoch
-- Returns: {'OK', remainingNodes, reservationsJSON} | {'STALE', epoch} | {'GONE'}
-- reservationsJSON = [{member, expiry}] of the node's live reservations, removed here, so a mover can carry them
-- to its new shard and a closer can fail their jobs over. O(reservations in the shard): not a hot path.
--- @include "json"
local info, hb, free, res, used = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local node_id = ARGV[1]
local now = tonumber(ARGV[3])

local raw = redis.call('HGET', info, node_id)
if not raw then
  return {'GONE'}
end
local cur_epoch = tonumber(cjson.decode(raw).epoch) or 0
if ARGV[2] ~= '*' and tonumber(ARGV[2]) ~= cur_epoch then
  return {'STALE', cur_epoch}
end

local prefix = node_id .. '|'
local removed = {}
local all = redis.call('ZRANGE', res, 0, -1, 'WITHSCORES')
for i = 1, #all, 2 do
  local member = all[i]
  if string.sub(member, 1, #prefix) == prefix then
    redis.call('ZREM', res, member)
    local expiry = tonumber(all[i + 1])
    if expiry > now then
      table.insert(removed, { member = member, expiry = expiry })
    end
  end
end

redis.call('HDEL', info, node_id)
redis.call('ZREM', hb, node_id)
redis.call('ZREM', free, node_id)
redis.call('HDEL', used, node_id)
return {'OK', redis.call('HLEN', info), json_array(removed)}
