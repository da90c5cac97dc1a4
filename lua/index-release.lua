-- index-release: one node left a pool shard; drop the shard when it empties and the pool when its last shard goes.
-- KEYS[1] pools      hash  poolId -> pool meta JSON
-- KEYS[2] lang       hash  's:<lang>:<poolId>' | 't:<lang>:<poolId>' -> '1'
-- KEYS[3] ver        string index version
-- KEYS[4] shards     hash  '<poolId>:<shard>' -> member count
-- KEYS[5] events     shard channel of index events '<ver>|<json>'
-- ARGV[1] poolId
-- ARGV[2] shard      shard number the node was placed in
-- ARGV[3] now        ms since epoch
-- Returns: {'OK', ver, changed}
-- changed = 1 when a shard or pool was removed (ver bumped, event sent). Releasing a shard that is not in the
-- index changes nothing (a duplicate release after a retry is harmless). Removing a pool deletes its lang fields,
-- one per distinct (side, language) of its blocks.
--- @include "json"
--- @include "pool-langs"
local pools, lang, ver_key, shards_key, events = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local pool_id = ARGV[1]
local shard = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local field = pool_id .. ':' .. ARGV[2]

local function current_ver()
  return tonumber(redis.call('GET', ver_key)) or 0
end

if redis.call('HEXISTS', shards_key, field) == 0 then
  return {'OK', current_ver(), 0}
end
local left = redis.call('HINCRBY', shards_key, field, -1)
if left > 0 then
  return {'OK', current_ver(), 0}
end
redis.call('HDEL', shards_key, field)

local raw = redis.call('HGET', pools, pool_id)
local event
if raw then
  local meta = cjson.decode(raw)
  local kept = {}
  for _, n in ipairs(meta.shards or {}) do
    if n ~= shard then
      table.insert(kept, n)
    end
  end
  if #kept > 0 then
    meta.shards = kept
    redis.call('HSET', pools, pool_id, json_encode(meta))
    event = '{"kind":"shard_removed","pool":' .. cjson.encode(pool_id) .. ',"shard":' .. shard .. ',"at":' .. now .. '}'
  else
    redis.call('HDEL', pools, pool_id)
    local fields = pool_lang_fields(meta.blocks, pool_id)
    if fields then
      pool_langs_remove(lang, fields)
    end
    event = '{"kind":"pool_removed","pool":' .. cjson.encode(pool_id) .. ',"shard":' .. shard .. ',"at":' .. now .. '}'
  end
else
  event = '{"kind":"shard_removed","pool":' .. cjson.encode(pool_id) .. ',"shard":' .. shard .. ',"at":' .. now .. '}'
end

local ver = redis.call('INCR', ver_key)
redis.call('SPUBLISH', events, ver .. '|' .. event)
return {'OK', ver, 1}
