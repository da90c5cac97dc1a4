-- node-free: the free slots a node offers. Capacity is derived (max concurrent jobs minus live reservations),
-- never counted; when the node reports running more jobs than it holds reservations for (a reservation expired
-- while its job still runs), the report wins so the node is not overbooked.
local function node_free_slots(rec, used, running)
  local load = used
  if running and running > load then
    load = running
  end
  local slots = (tonumber(rec.max) or 0) - load
  if slots < 0 then
    slots = 0
  end
  return slots
end

-- Only ready nodes are selectable: they sit in the free zset (score = free slots, 0 included, so "all full"
-- is told apart from "none ready"); every other status is removed from it.
local function node_publish_free(free_key, node_id, rec, slots)
  if rec.status == 'ready' then
    redis.call('ZADD', free_key, slots, node_id)
  else
    redis.call('ZREM', free_key, node_id)
  end
end
