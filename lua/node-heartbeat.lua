-- node-heartbeat: record a node's heartbeat: liveness, usage, health streaks, status transitions, free slots.
-- KEYS[1] info         hash  nodeId -> node record JSON
-- KEYS[2] hb           zset  nodeId -> last heartbeat ms
-- KEYS[3] free         zset  nodeId -> free slots (ready nodes only)
-- KEYS[4] res          zset  '<nodeId>|<sessionId>|<jobId>|<attempt>' -> reservation expiry ms
-- KEYS[5] used         hash  nodeId -> live reservation count
-- ARGV[1] nodeId
-- ARGV[2] epoch        the heartbeating socket's epoch
-- ARGV[3] now          ms since epoch
-- ARGV[4] usage        JSON {cpu, gpu?, gpu_mem?, mem, running}
-- ARGV[5] healthy      1 if core services run and a GPU is present, else 0
-- ARGV[6] readyAfter   healthy streak that turns 'registering' into 'ready'
-- ARGV[7] degradeAfter unhealthy streak that turns 'ready' into 'degraded'
-- ARGV[8] running      jobs the node reports running ('' = unknown)
-- Returns: {'OK', status, prevStatus, free} | {'STALE', epoch} | {'GONE'}
-- Transitions: registering -> ready after readyAfter healthy beats; ready -> degraded after degradeAfter
-- unhealthy beats; degraded -> ready on a healthy beat; a node marked offline for silence comes back as
-- registering; draining and a commanded offline stay. Expired reservations (any node of the shard) are purged
-- first, so free = max - max(live reservations, running). O(log n + expired).
--- @include "json"
--- @include "node-free"
--- @include "reservations"
local info, hb, free, res, used = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local node_id = ARGV[1]
local now = tonumber(ARGV[3])

local raw = redis.call('HGET', info, node_id)
if not raw then
  return {'GONE'}
end
local rec = cjson.decode(raw)
local cur_epoch = tonumber(rec.epoch) or 0
if tonumber(ARGV[2]) ~= cur_epoch then
  return {'STALE', cur_epoch}
end

reservations_purge_expired(info, used, free, res, now)

local prev = rec.status
local healthy = ARGV[5] == '1'
if healthy then
  rec.ok = (tonumber(rec.ok) or 0) + 1
  rec.bad = 0
else
  rec.bad = (tonumber(rec.bad) or 0) + 1
  rec.ok = 0
end

local status = prev
if status == 'offline' and rec.off_reason == 'silent' then
  -- A node back from silence proves itself again from this beat on.
  status = 'registering'
  rec.off_reason = nil
  rec.ok = healthy and 1 or 0
end
if status == 'registering' and rec.ok >= tonumber(ARGV[6]) then
  status = 'ready'
elseif status == 'ready' and rec.bad >= tonumber(ARGV[7]) then
  status = 'degraded'
elseif status == 'degraded' and healthy then
  status = 'ready'
end
if status ~= prev then
  rec.status = status
  rec.status_at = now
end

rec.usage = cjson.decode(ARGV[4])
rec.hb_at = now
local running = tonumber(ARGV[8])
local slots = node_free_slots(rec, tonumber(redis.call('HGET', used, node_id)) or 0, running)
redis.call('HSET', info, node_id, json_encode(rec))
redis.call('ZADD', hb, now, node_id)
node_publish_free(free, node_id, rec, slots)
if status ~= 'ready' then
  slots = 0
end
return {'OK', status, prev, slots}
