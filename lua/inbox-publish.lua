-- inbox-publish: append a message to an instance's inbox: next sequence, replay log entry and shard publish in one step.
-- KEYS[1] seq          string        inbox sequence (never expires: a reset would look like replays)
-- KEYS[2] log          stream        replay log, entries {seq, payload}, trimmed to the retention window
-- KEYS[3] inbox        shard channel receives `<seq>|<logEntryId>|<payload>`
-- ARGV[1] payload
-- ARGV[2] now          ms since epoch
-- ARGV[3] retentionMs  entries older than now - retentionMs are trimmed (MINID ~); the log expires when idle that long
-- Returns: {'OK', seq, logEntryId}
local seq = redis.call('INCR', KEYS[1])
local minId = tonumber(ARGV[2]) - tonumber(ARGV[3])
if minId < 0 then
  minId = 0
end
local id = redis.call('XADD', KEYS[2], 'MINID', '~', minId, '*', 'seq', seq, 'payload', ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('SPUBLISH', KEYS[3], seq .. '|' .. id .. '|' .. ARGV[1])
return {'OK', seq, id}
