-- node-release: give up ownership of a node registration (socket closed), fenced by epoch; the identity then
-- lives on for a retention period (a reconnect keeps its id and token), after which Redis drops it.
-- KEYS[1] node      hash  node identity: owner, epoch, pool, shard, token_hash, ...
-- ARGV[1] epoch     the epoch the releasing socket registered with
-- ARGV[2] now       ms since epoch
-- ARGV[3] retention ms the identity (and with it the issued node token) outlives its last socket
-- Returns: {'OK'} | {'STALE', currentEpoch} | {'GONE'}
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  return {'GONE'}
end
if epoch ~= ARGV[1] then
  return {'STALE', tonumber(epoch)}
end
redis.call('HSET', KEYS[1], 'owner', '', 'released_at', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {'OK'}
