-- session-claim: create a session, or resume it on this instance with a higher epoch (fencing the old owner).
-- KEYS[1] session     hash  session state: owner, epoch, token_hash, next_idx, languages, mode, ...
-- ARGV[1] sessionId   stored as `id` on create
-- ARGV[2] instanceId  the claiming instance (new owner)
-- ARGV[3] now         ms since epoch
-- ARGV[4] mode        'create' | 'resume'
-- ARGV[5] tokenHash   create: stored; resume: must equal the stored hash
-- ARGV[6] sessionJSON create: flat object of extra fields (tables stored as JSON); ignored on resume
-- Returns: {'OK', epoch, prevOwner, prevEpoch} | {'EXISTS'} | {'GONE'} | {'DENIED'}
local key = KEYS[1]
local now = ARGV[3]

if ARGV[4] == 'create' then
  if redis.call('EXISTS', key) == 1 then
    return {'EXISTS'}
  end
  local fields = {}
  for k, v in pairs(cjson.decode(ARGV[6])) do
    if type(v) == 'table' then
      v = cjson.encode(v)
    elseif v == cjson.null then
      v = nil
    end
    if v ~= nil then
      fields[#fields + 1] = k
      fields[#fields + 1] = tostring(v)
    end
  end
  if #fields > 0 then
    redis.call('HSET', key, unpack(fields))
  end
  -- Written last so that caller-supplied fields can never forge ownership or the utterance counter.
  redis.call('HSET', key, 'id', ARGV[1], 'owner', ARGV[2], 'epoch', 1, 'token_hash', ARGV[5],
    'next_idx', 0, 'created_at', now, 'claimed_at', now)
  return {'OK', 1, '', 0}
end

if ARGV[4] ~= 'resume' then
  return redis.error_reply('ERR session-claim: mode must be create or resume')
end
local cur = redis.call('HMGET', key, 'owner', 'epoch', 'token_hash')
if not cur[2] then
  return {'GONE'}
end
if cur[3] ~= ARGV[5] then
  return {'DENIED'}
end
local prevEpoch = tonumber(cur[2])
local epoch = prevEpoch + 1
redis.call('HSET', key, 'owner', ARGV[2], 'epoch', epoch, 'claimed_at', now)
return {'OK', epoch, cur[1] or '', prevEpoch}
