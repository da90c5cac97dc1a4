-- inbox-publish: append messages to an instance's inbox: for each, next sequence, replay log entry and shard publish.
-- KEYS[1] seq          string        inbox sequence (never expires: a reset would look like replays)
-- KEYS[2] log          stream        replay log, entries {seq, payload}, trimmed to the retention window
-- KEYS[3] inbox        shard channel receives `<seq>|<logEntryId>|<payload>` per message
-- ARGV[1] now          ms since epoch
-- ARGV[2] retentionMs  entries older than now - retentionMs are trimmed (MINID ~); the log expires when idle that long
-- ARGV[3..] payload    one or more messages, published in this order with consecutive sequences
-- Returns: {'OK', firstSeq, logEntryId1, ..., logEntryIdN}
-- A batch is what a sender produced in one event-loop turn for one instance: one call instead of N, while each
-- message still gets its own sequence, log entry and publish (receivers cannot tell a batch from single calls).
if #ARGV < 3 then
  return redis.error_reply('ERR inbox-publish: no payload')
end
local minId = tonumber(ARGV[1]) - tonumber(ARGV[2])
if minId < 0 then
  minId = 0
end
local reply = {'OK', 0}
for i = 3, #ARGV do
  local seq = redis.call('INCR', KEYS[1])
  if i == 3 then
    reply[2] = seq
  end
  local id = redis.call('XADD', KEYS[2], 'MINID', '~', minId, '*', 'seq', seq, 'payload', ARGV[i])
  redis.call('SPUBLISH', KEYS[3], seq .. '|' .. id .. '|' .. ARGV[i])
  reply[#reply + 1] = id
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return reply
