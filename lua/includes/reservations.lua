-- reservations: a reservation is a member '<nodeId>|<sessionId>|<jobId>|<attempt>' of the shard's res zset,
-- scored by its expiry (ms). used[nodeId] counts a node's live reservations; free[nodeId] mirrors max - used.
local function reservation_node(member)
  local bar = string.find(member, '|', 1, true)
  if not bar then
    return member
  end
  return string.sub(member, 1, bar - 1)
end

-- One reservation of node_id ended (released or expired): used-1 and, for a ready node, the slot comes back
-- (never above max - used, which a heartbeat may have lowered further from the node's own report).
local function reservation_ended(info_key, used_key, free_key, node_id)
  local left = redis.call('HINCRBY', used_key, node_id, -1)
  if left <= 0 then
    redis.call('HDEL', used_key, node_id)
  end
  if left < 0 then
    return
  end
  local score = redis.call('ZSCORE', free_key, node_id)
  if not score then
    return
  end
  local raw = redis.call('HGET', info_key, node_id)
  if not raw then
    return
  end
  local rec = cjson.decode(raw)
  local cap = (tonumber(rec.max) or 0) - left
  local slots = tonumber(score) + 1
  if slots > cap then
    slots = cap
  end
  if slots < 0 then
    slots = 0
  end
  redis.call('ZADD', free_key, slots, node_id)
end

-- Drops every reservation whose expiry is <= now: O(log n + expired), not a scan of the zset.
local function reservations_purge_expired(info_key, used_key, free_key, res_key, now)
  local expired = redis.call('ZRANGEBYSCORE', res_key, '-inf', now)
  if #expired == 0 then
    return 0
  end
  redis.call('ZREMRANGEBYSCORE', res_key, '-inf', now)
  for _, member in ipairs(expired) do
    reservation_ended(info_key, used_key, free_key, reservation_node(member))
  end
  return #expired
end
