-- pool-langs: the language index fields of a pool, from its meta blocks; written and deleted in bounded batches.
-- A pool is listed once per language it reads (`s:<lang>:<poolId>`) and once per language it writes
-- (`t:<lang>:<poolId>`): one field per (side, language), so a registration costs O(languages), never O(pairs)
-- and never O(other pools sharing a language).

-- The distinct index fields of a pool meta's blocks; nil when the blocks are missing or serve no language.
local function pool_lang_fields(blocks, pool_id)
  if type(blocks) ~= 'table' then
    return nil
  end
  local seen = {['s:'] = {}, ['t:'] = {}}
  local fields = {}
  local suffix = ':' .. pool_id
  local function add(side, list)
    local done = seen[side]
    for _, lang in ipairs(list) do
      if not done[lang] and type(lang) == 'string' and lang ~= '' then
        done[lang] = true
        fields[#fields + 1] = side .. lang .. suffix
      end
    end
  end
  local usable = false
  for _, block in ipairs(blocks) do
    if type(block) == 'table' and type(block.src) == 'table' and type(block.tgt) == 'table'
      and #block.src > 0 and #block.tgt > 0 then
      add('s:', block.src)
      add('t:', block.tgt)
      usable = true
    end
  end
  if not usable then
    return nil
  end
  return fields
end

-- HSET field -> '1' for every field, at most 256 fields per call (unpack has a stack limit).
local function pool_langs_add(lang_key, fields)
  local args = {}
  for _, field in ipairs(fields) do
    args[#args + 1] = field
    args[#args + 1] = '1'
    if #args >= 512 then
      redis.call('HSET', lang_key, unpack(args))
      args = {}
    end
  end
  if #args > 0 then
    redis.call('HSET', lang_key, unpack(args))
  end
end

-- HDEL every field, at most 256 per call.
local function pool_langs_remove(lang_key, fields)
  local args = {}
  for _, field in ipairs(fields) do
    args[#args + 1] = field
    if #args >= 256 then
      redis.call('HDEL', lang_key, unpack(args))
      args = {}
    end
  end
  if #args > 0 then
    redis.call('HDEL', lang_key, unpack(args))
  end
end
