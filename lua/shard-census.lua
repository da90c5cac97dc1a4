-- shard-census: one shard summed up for the periodic sweep: ready nodes, free slots, silent nodes.
-- KEYS[1] hb           zset  nodeId -> last heartbeat ms
-- KEYS[2] free         zset  nodeId -> free slots (ready nodes only)
-- ARGV[1] cutoff       ms since epoch; a node whose last heartbeat is strictly older is silent
-- ARGV[2] limit        most silent node ids returned (the rest wait for the next pass)
-- Returns: {'OK', ready, freeSlots, silentId...}
-- Summed here rather than by reading both zsets whole: the sweep visits every shard from every instance and needs
-- only these few numbers. O(ready nodes + silent returned); writes nothing.
local entries = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
local slots = 0
for i = 2, #entries, 2 do
  slots = slots + tonumber(entries[i])
end
local out = {'OK', #entries / 2, slots}
local silent = redis.call('ZRANGE', KEYS[1], '-inf', '(' .. ARGV[1], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #silent do
  out[#out + 1] = silent[i]
end
return out
