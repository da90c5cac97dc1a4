-- node-release: give up ownership of a node registration (socket closed), fenced by epoch.
-- KEYS[1] node     hash  node identity: owner, epoch, pool, shard, token_hash, ...
-- ARGV[1] epoch    the epoch the releasing socket registered with
-- ARGV[2] now      ms since epoch
-- Returns: {'OK'} | {'STALE', currentEpoch} | {'GONE'}
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  return {'GONE'}
end
if epoch ~= ARGV[1] then
  return {'STALE', tonumber(epoch)}
end
redis.call('HSET', KEYS[1], 'owner', '', 'released_at', ARGV[2])
return {'OK'}
