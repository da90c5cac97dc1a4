-- node-claim: take ownership of a node id for this instance (register or reconnect), applying the conflict policy.
-- KEYS[1] node       hash  node identity: owner, epoch, token_hash, claimed_at, pool, shard, peer
-- ARGV[1] nodeId     the node id being claimed
-- ARGV[2] instanceId the claiming gateway instance
-- ARGV[3] now        ms since epoch
-- ARGV[4] expected   epoch the caller read before deciding ('' = do not check)
-- ARGV[5] holderLive 1 if the current owner instance is alive (checked by the caller on its own slot)
-- ARGV[6] token      hash of the token the node presented ('' = none)
-- ARGV[7] samePeer   1 if the claim comes from the same remote peer as the current holder
-- ARGV[8] newToken   token hash to store when the node has none yet ('' = none)
-- Returns: {'OK', epoch, prevOwner, prevEpoch, prevPool, prevShard} | {'CONFLICT', owner, epoch} | {'STALE', epoch}
-- prevPool is '' and prevShard -1 when the node was never placed. A live holder is displaced only by the
-- node's own token or by the same peer (a reconnect racing its old socket's close); anything else conflicts.
local node = KEYS[1]
local cur = redis.call('HMGET', node, 'epoch', 'owner', 'token_hash', 'pool', 'shard')
local epoch = tonumber(cur[1]) or 0
local owner = cur[2] or ''
local stored_token = cur[3] or ''

if ARGV[4] ~= '' and tonumber(ARGV[4]) ~= epoch then
  return {'STALE', epoch}
end

if owner ~= '' and ARGV[5] == '1' then
  local token_ok = stored_token ~= '' and ARGV[6] ~= '' and stored_token == ARGV[6]
  if not token_ok and ARGV[7] ~= '1' then
    return {'CONFLICT', owner, epoch}
  end
end

local next_epoch = epoch + 1
redis.call('HSET', node, 'id', ARGV[1], 'epoch', next_epoch, 'owner', ARGV[2], 'claimed_at', ARGV[3])
if stored_token == '' and ARGV[8] ~= '' then
  redis.call('HSET', node, 'token_hash', ARGV[8])
end
return {'OK', next_epoch, owner, epoch, cur[4] or '', tonumber(cur[5]) or -1}
