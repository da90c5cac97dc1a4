-- node-claim: take ownership of a node id for this instance (register or reconnect), applying the identity policy.
-- KEYS[1] node       hash  node identity: owner, epoch, token_hash, sub_hash, pairing_code, claimed_at, pool, shard, peer
-- ARGV[1] nodeId     the node id being claimed
-- ARGV[2] instanceId the claiming gateway instance
-- ARGV[3] now        ms since epoch
-- ARGV[4] expected   epoch the caller read before deciding ('' = do not check)
-- ARGV[5] holderLive 1 if the current holder's socket is alive (checked by the caller)
-- ARGV[6] token      hash of the node token the node presented ('' = none)
-- ARGV[7] subject    hash of the subject of the claimant's credential ('' = anonymous)
-- ARGV[8] newToken   token hash to store when the node has none yet ('' = none)
-- ARGV[9] bound      1 if the claimant's credential names exactly this node id
-- ARGV[10] strict    1 = an identity that exists needs proof even when its holder is gone (authentication on)
-- ARGV[11] pairing   pairing code to store when the node has none yet ('' = the node is public, issue none)
-- Returns: {'OK', epoch, prevOwner, prevEpoch, prevPool, prevShard, pairingCode} | {'CONFLICT', owner, epoch} | {'STALE', epoch}
-- prevPool is '' and prevShard -1 when the node was never placed. Proof of identity is the node token issued at
-- the first registration, a credential bound to exactly this id, or a credential of the same subject as the
-- one that registered it. Without proof a live holder is never displaced, and with `strict` an identity that
-- still exists (its lifetime runs after the node leaves) is not taken either; a new id needs no proof.
-- pairingCode: the identity's pairing code ('' for a public registration), issued once and kept with the
-- identity, so a private node's code survives its reconnects and concurrent claims agree on one.
local node = KEYS[1]
local cur = redis.call('HMGET', node, 'epoch', 'owner', 'token_hash', 'pool', 'shard', 'sub_hash', 'pairing_code')
local epoch = tonumber(cur[1]) or 0
local owner = cur[2] or ''
local stored_token = cur[3] or ''
local stored_sub = cur[6] or ''

if ARGV[4] ~= '' and tonumber(ARGV[4]) ~= epoch then
  return {'STALE', epoch}
end

if epoch > 0 then
  local proof = (stored_token ~= '' and ARGV[6] ~= '' and stored_token == ARGV[6])
    or ARGV[9] == '1'
    or (stored_sub ~= '' and ARGV[7] ~= '' and stored_sub == ARGV[7])
  if not proof and ((owner ~= '' and ARGV[5] == '1') or ARGV[10] == '1') then
    return {'CONFLICT', owner, epoch}
  end
end

local next_epoch = epoch + 1
redis.call('HSET', node, 'id', ARGV[1], 'epoch', next_epoch, 'owner', ARGV[2], 'claimed_at', ARGV[3])
-- A held identity does not expire; node-release starts its retention when the socket goes.
redis.call('PERSIST', node)
if stored_token == '' and ARGV[8] ~= '' then
  redis.call('HSET', node, 'token_hash', ARGV[8])
end
if ARGV[7] ~= '' then
  redis.call('HSET', node, 'sub_hash', ARGV[7])
end
local pairing = ''
if ARGV[11] ~= '' then
  pairing = cur[7] or ''
  if pairing == '' then
    pairing = ARGV[11]
    redis.call('HSET', node, 'pairing_code', pairing)
  end
end
return {'OK', next_epoch, owner, epoch, cur[4] or '', tonumber(cur[5]) or -1, pairing}
