-- index-assign: place one node of a pool in a shard, creating the pool and/or shard in the index as needed.
-- KEYS[1] pools      hash  poolId -> pool meta JSON ({blocks, region, tier, sig, shards:[n...], created_at})
-- KEYS[2] lang       hash  's:<lang>:<poolId>' | 't:<lang>:<poolId>' -> '1' (pool reads / writes that language)
-- KEYS[3] ver        string index version, +1 per index change
-- KEYS[4] shards     hash  '<poolId>:<shard>' -> member count
-- KEYS[5] events     shard channel of index events '<ver>|<json>'
-- ARGV[1] poolId
-- ARGV[2] meta       pool meta JSON {blocks:[{src:[...], tgt:[...]}...], region, tier, sig}; used only when the
--                    pool is new
-- ARGV[3] shardSize  max nodes per shard
-- ARGV[4] preferred  shard to use when it exists and has room (-1 = none; a node keeps its shard)
-- ARGV[5] now        ms since epoch
-- Returns: {'OK', shard, ver, changed}
-- Placement: preferred shard if it exists and is not full, else the lowest existing shard with room, else a
-- new shard with the lowest unused number. changed = 1 when a pool or shard was created (ver bumped, event sent).
-- A new pool writes one lang field per distinct (side, language) of its blocks: O(languages), not O(pairs).
--- @include "json"
--- @include "pool-langs"
local pools, lang, ver_key, shards_key, events = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local pool_id = ARGV[1]
local size = tonumber(ARGV[3])
local preferred = tonumber(ARGV[4])
if not size or size < 1 then
  return redis.error_reply('ERR index-assign: shardSize must be >= 1')
end

local raw = redis.call('HGET', pools, pool_id)
local meta
local lang_fields
local new_pool = false
if raw then
  meta = cjson.decode(raw)
  meta.shards = meta.shards or {}
else
  meta = cjson.decode(ARGV[2])
  lang_fields = pool_lang_fields(meta.blocks, pool_id)
  if not lang_fields then
    return redis.error_reply('ERR index-assign: pool meta needs non-empty language blocks')
  end
  meta.shards = {}
  meta.created_at = tonumber(ARGV[5])
  new_pool = true
end

local existing = {}
for _, n in ipairs(meta.shards) do
  existing[n] = true
end

local chosen = nil
if preferred and preferred >= 0 and existing[preferred] then
  if (tonumber(redis.call('HGET', shards_key, pool_id .. ':' .. preferred)) or 0) < size then
    chosen = preferred
  end
end
if chosen == nil and #meta.shards > 0 then
  -- One HMGET for every shard's count: shards fill in order, so a scan with one HGET per shard cost a call per
  -- full shard (about 50 per registration in a pool of 100 shards).
  local fields = {}
  for i, n in ipairs(meta.shards) do
    fields[i] = pool_id .. ':' .. n
  end
  local counts = redis.call('HMGET', shards_key, unpack(fields))
  for i, n in ipairs(meta.shards) do
    if (tonumber(counts[i]) or 0) < size then
      chosen = n
      break
    end
  end
end
local new_shard = false
if chosen == nil then
  chosen = 0
  while existing[chosen] do
    chosen = chosen + 1
  end
  table.insert(meta.shards, chosen)
  table.sort(meta.shards)
  new_shard = true
end

redis.call('HINCRBY', shards_key, pool_id .. ':' .. chosen, 1)

if not new_pool and not new_shard then
  return {'OK', chosen, tonumber(redis.call('GET', ver_key)) or 0, 0}
end

local meta_json = json_encode(meta)
redis.call('HSET', pools, pool_id, meta_json)
if new_pool then
  pool_langs_add(lang, lang_fields)
end

local ver = redis.call('INCR', ver_key)
-- Only a new pool's event carries the meta (its blocks): a shard_added needs just the shard.
local event = ver .. '|{"kind":"' .. (new_pool and 'pool_added' or 'shard_added') .. '","pool":' ..
  cjson.encode(pool_id) .. ',"shard":' .. chosen .. ',"at":' .. ARGV[5]
if new_pool then
  event = event .. ',"meta":' .. meta_json
end
redis.call('SPUBLISH', events, event .. '}')
return {'OK', chosen, ver, 1}
