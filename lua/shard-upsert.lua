-- shard-upsert: add or refresh a node in a pool shard (register, re-register, move in), fenced by epoch.
-- KEYS[1] info       hash  nodeId -> node record JSON
-- KEYS[2] hb         zset  nodeId -> last heartbeat ms
-- KEYS[3] free       zset  nodeId -> free slots (ready nodes only)
-- KEYS[4] res        zset  '<nodeId>|<sessionId>|<jobId>|<attempt>' -> reservation expiry ms
-- KEYS[5] used       hash  nodeId -> live reservation count
-- ARGV[1] nodeId
-- ARGV[2] epoch      the registration's epoch (from node-claim)
-- ARGV[3] record     node record JSON (see lua/README.md); id, epoch and hb_at are set here
-- ARGV[4] now        ms since epoch
-- ARGV[5] carried    JSON array [{member, expiry}] of reservations moved from the node's old shard ('[]' none)
-- Returns: {'OK', free} | {'STALE', epoch}
-- A record with a higher epoch is never overwritten. Carried reservations already expired are dropped.
--- @include "json"
--- @include "node-free"
local info, hb, free, res, used = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local node_id = ARGV[1]
local epoch = tonumber(ARGV[2])
local now = tonumber(ARGV[4])

local raw = redis.call('HGET', info, node_id)
if raw then
  local cur_epoch = tonumber(cjson.decode(raw).epoch) or 0
  if cur_epoch > epoch then
    return {'STALE', cur_epoch}
  end
end

local rec = cjson.decode(ARGV[3])
rec.id = node_id
rec.epoch = epoch
rec.hb_at = now

local carried = 0
for _, r in ipairs(cjson.decode(ARGV[5])) do
  local expiry = tonumber(r.expiry)
  if expiry and expiry > now then
    carried = carried + redis.call('ZADD', res, 'NX', expiry, r.member)
  end
end
local live = tonumber(redis.call('HGET', used, node_id)) or 0
if carried > 0 then
  live = redis.call('HINCRBY', used, node_id, carried)
end

local slots = node_free_slots(rec, live, nil)
redis.call('HSET', info, node_id, json_encode(rec))
redis.call('ZADD', hb, now, node_id)
node_publish_free(free, node_id, rec, slots)
return {'OK', slots}
