-- json: cjson encoding that keeps empty arrays as [] (cjson writes every empty table as {}, so a record whose
-- service list became empty would otherwise turn into an object). Fields listed here are always arrays.
local JSON_ARRAY_FIELDS = {
  svc = true, tried = true, blocks = true, src = true, tgt = true, shards = true,
  asr_languages = true, tts_languages = true, semantic_languages = true, lang_sets = true,
}
local JSON_EMPTY_ARRAY = '@@lingua-empty-array@@'

local function json_mark_empty_arrays(t)
  for k, v in pairs(t) do
    if type(v) == 'table' then
      if JSON_ARRAY_FIELDS[k] and next(v) == nil then
        t[k] = JSON_EMPTY_ARRAY
      else
        json_mark_empty_arrays(v)
      end
    end
  end
end

-- Encodes a record table (mutating it: the caller is done with it).
local function json_encode(t)
  json_mark_empty_arrays(t)
  return (string.gsub(cjson.encode(t), '"@@lingua%-empty%-array@@"', '[]'))
end

-- Encodes a list, '[]' when empty.
local function json_array(list)
  if #list == 0 then
    return '[]'
  end
  return cjson.encode(list)
end
