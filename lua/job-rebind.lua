-- job-rebind: point a job's first attempt at the node select-reserve actually reserved, when that differs from the
-- node job-open recorded (the two run side by side: job-open records the node affinity proposes).
-- KEYS[1] jobs             hash  jobId -> job record JSON
-- ARGV[1] jobId
-- ARGV[2] expectedAttempt  the attempt job-open created (1)
-- ARGV[3] expectedNode     the node job-open recorded; the record must still name it
-- ARGV[4] node             the node reserved
-- ARGV[5] pool             its pool id
-- ARGV[6] shard            its shard number
-- ARGV[7] now              ms since epoch (updated_at)
-- Returns: {'OK', recordJSON} | {'LOST', state, attempt} | {'GONE'}
-- LOST: the record left DISPATCHED, moved to another attempt or names another node (someone else acted on it).
--- @include "json"
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then
  return {'GONE'}
end
local rec = cjson.decode(raw)
local attempt = tonumber(rec.attempt)
if rec.state ~= 'DISPATCHED' or attempt ~= tonumber(ARGV[2]) or rec.node ~= ARGV[3] then
  return {'LOST', tostring(rec.state), attempt or 0}
end
rec.node = ARGV[4]
rec.pool = ARGV[5]
rec.shard = tonumber(ARGV[6])
-- The proposed node never saw this job: only the reserved one counts as tried.
rec.tried = {ARGV[4]}
rec.updated_at = tonumber(ARGV[7])
local json = json_encode(rec)
redis.call('HSET', KEYS[1], ARGV[1], json)
return {'OK', json}
