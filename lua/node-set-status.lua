-- node-set-status: set a node's status by command (drain, offline, back to ready), fenced by epoch.
-- KEYS[1] info       hash  nodeId -> node record JSON
-- KEYS[2] free       zset  nodeId -> free slots (ready nodes only)
-- KEYS[3] used       hash  nodeId -> live reservation count
-- ARGV[1] nodeId
-- ARGV[2] epoch      must equal the record's epoch
-- ARGV[3] status     'registering' | 'ready' | 'degraded' | 'draining' | 'offline'
-- ARGV[4] now        ms since epoch
-- Returns: {'OK', prevStatus, free} | {'STALE', epoch} | {'GONE'}
-- An 'offline' set here sticks (heartbeats do not revive it), unlike the 'offline' of a silent node.
--- @include "json"
--- @include "node-free"
local info, free, used = KEYS[1], KEYS[2], KEYS[3]
local node_id = ARGV[1]
local status = ARGV[3]
local allowed = { registering = true, ready = true, degraded = true, draining = true, offline = true }
if not allowed[status] then
  return redis.error_reply('ERR node-set-status: unknown status ' .. status)
end

local raw = redis.call('HGET', info, node_id)
if not raw then
  return {'GONE'}
end
local rec = cjson.decode(raw)
local cur_epoch = tonumber(rec.epoch) or 0
if tonumber(ARGV[2]) ~= cur_epoch then
  return {'STALE', cur_epoch}
end

local prev = rec.status
rec.status = status
rec.status_at = tonumber(ARGV[4])
if status == 'offline' then
  rec.off_reason = 'set'
else
  rec.off_reason = nil
end
local running = nil
if type(rec.usage) == 'table' then
  running = tonumber(rec.usage.running)
end
local slots = node_free_slots(rec, tonumber(redis.call('HGET', used, node_id)) or 0, running)
redis.call('HSET', info, node_id, json_encode(rec))
node_publish_free(free, node_id, rec, slots)
if status ~= 'ready' then
  slots = 0
end
return {'OK', prev, slots}
