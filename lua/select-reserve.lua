-- select-reserve: pick the least-loaded ready node of one pool shard and reserve a slot on it.
-- KEYS[1] info       hash  nodeId -> node record JSON
-- KEYS[2] hb         zset  nodeId -> last heartbeat ms
-- KEYS[3] free       zset  nodeId -> free slots (ready nodes only)
-- KEYS[4] res        zset  '<nodeId>|<sessionId>|<jobId>|<attempt>' -> reservation expiry ms
-- KEYS[5] used       hash  nodeId -> live reservation count
-- ARGV[1] now        ms since epoch
-- ARGV[2] seed       non-negative integer; breaks ties among equally loaded nodes
-- ARGV[3] livenessMs a node whose last heartbeat is older than now - livenessMs is dropped from selection
-- ARGV[4] resTtlMs   the reservation expires at now + resTtlMs unless released first
-- ARGV[5] sessionId
-- ARGV[6] jobId
-- ARGV[7] attempt
-- ARGV[8] affinity   nodeId to prefer when it has a free slot ('' = none)
-- ARGV[9] exclude    JSON array of nodeIds that must not be chosen ('[]' = none)
-- ARGV[10] tenant    the session's tenant ('' = none): private nodes of this tenant may serve it
-- ARGV[11] pairing   hash of the pairing code the session presented ('' = none): the private node with it may serve it
-- Returns: {'OK', nodeId, owner, epoch, freeLeft} | {'NO_CAPACITY'} | {'EMPTY'}
-- EMPTY: no ready node in the shard. NO_CAPACITY: ready nodes exist but all are full, excluded or private to others.
-- Silent nodes are marked offline (a later heartbeat revives them) and expired reservations purged first.
-- A private node (record `public` false) serves only sessions paired with it: same tenant (record `tenant`) or its
-- pairing code (record `pair`, a hash). Records without `public` are public.
-- Without exclusions the pick is O(log n) when the node it lands on may serve the session; otherwise the free
-- nodes are scanned, O(candidates), reading the record of each. Reserving a member that already exists adds nothing.
--- @include "json"
--- @include "reservations"
local info, hb, free, res, used = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now = tonumber(ARGV[1])
local seed = tonumber(ARGV[2]) or 0
local cutoff = now - tonumber(ARGV[3])
local affinity = ARGV[8]
local tenant = ARGV[10]
local pairing = ARGV[11]

-- Silent nodes leave the selection here, lazily, without waiting for a sweep.
local silent = redis.call('ZRANGEBYSCORE', hb, '-inf', '(' .. cutoff)
if #silent > 0 then
  redis.call('ZREMRANGEBYSCORE', hb, '-inf', '(' .. cutoff)
  for _, id in ipairs(silent) do
    redis.call('ZREM', free, id)
    local raw = redis.call('HGET', info, id)
    if raw then
      local rec = cjson.decode(raw)
      if rec.status ~= 'offline' then
        rec.status = 'offline'
        rec.off_reason = 'silent'
        rec.status_at = now
        redis.call('HSET', info, id, json_encode(rec))
      end
    end
  end
end

reservations_purge_expired(info, used, free, res, now)

local excluded = {}
local any_excluded = false
for _, id in ipairs(cjson.decode(ARGV[9])) do
  excluded[id] = true
  any_excluded = true
end

-- Records read while choosing, reused for the reply.
local records = {}
local function record(id)
  local rec = records[id]
  if rec == nil then
    local raw = redis.call('HGET', info, id)
    rec = raw and cjson.decode(raw) or false
    records[id] = rec
  end
  return rec
end

local function serves(id)
  if excluded[id] then
    return false
  end
  local rec = record(id)
  if not rec then
    return false
  end
  if rec.public ~= false then
    return true
  end
  return (tenant ~= '' and rec.tenant == tenant) or (pairing ~= '' and rec.pair == pairing)
end

local pick = nil
if affinity ~= '' then
  local score = tonumber(redis.call('ZSCORE', free, affinity))
  if score and score > 0 and serves(affinity) then
    pick = affinity
  end
end

if pick == nil then
  local top = redis.call('ZREVRANGE', free, 0, 0, 'WITHSCORES')
  if #top == 0 then
    return {'EMPTY'}
  end
  local best = tonumber(top[2])
  if best <= 0 then
    return {'NO_CAPACITY'}
  end
  -- Fast path without exclusions: the seed's pick among the least loaded, kept when it may serve this session.
  local first = nil
  if not any_excluded then
    local ties = redis.call('ZCOUNT', free, best, best)
    first = redis.call('ZRANGEBYSCORE', free, best, best, 'LIMIT', seed % ties, 1)[1]
  end
  if first and serves(first) then
    pick = first
  else
    -- Highest free count first; among the nodes of the best score that may serve it, the seed picks one.
    local rows = redis.call('ZREVRANGEBYSCORE', free, '+inf', 1, 'WITHSCORES')
    local group, group_score = {}, nil
    for i = 1, #rows, 2 do
      local id, score = rows[i], tonumber(rows[i + 1])
      if group_score ~= nil and score < group_score then
        break
      end
      if serves(id) then
        group_score = score
        table.insert(group, id)
      end
    end
    if #group == 0 then
      return {'NO_CAPACITY'}
    end
    table.sort(group)
    pick = group[(seed % #group) + 1]
  end
end

local member = pick .. '|' .. ARGV[5] .. '|' .. ARGV[6] .. '|' .. ARGV[7]
local rec = record(pick)
local added = redis.call('ZADD', res, 'NX', now + tonumber(ARGV[4]), member)
local left
if added == 1 then
  redis.call('HINCRBY', used, pick, 1)
  left = tonumber(redis.call('ZINCRBY', free, -1, pick))
else
  left = tonumber(redis.call('ZSCORE', free, pick))
end
return {'OK', pick, rec.owner or '', tonumber(rec.epoch) or 0, left}
