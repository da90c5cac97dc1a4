-- job-open: create the job of (utterance index, target language) once; a repeated call returns the existing job.
-- KEYS[1] session        hash  session state (owner)
-- KEYS[2] jobs           hash  jobId -> job record JSON
-- KEYS[3] idem           hash  `<utterance_index>:<tgt>` -> jobId
-- ARGV[1] utteranceIndex
-- ARGV[2] tgt            target language
-- ARGV[3] jobId          id of the job to create
-- ARGV[4] jobRecordJSON  record as built by the caller (attempt 1, state DISPATCHED, node, ...), stored verbatim
-- ARGV[5] now            ms since epoch (stored as the session's last_job_at)
-- Returns: {'CREATED', jobId, ownerInstance} | {'EXISTS', existingJobId, existingRecordJSON} | {'GONE'} (no session)
local slot = ARGV[1] .. ':' .. ARGV[2]
local existing = redis.call('HGET', KEYS[3], slot)
if existing then
  return {'EXISTS', existing, redis.call('HGET', KEYS[2], existing) or ''}
end
local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then
  -- A session that is gone (closed, taken over and cleaned) must not collect orphan jobs.
  return {'GONE'}
end
redis.call('HSET', KEYS[3], slot, ARGV[3])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('HSET', KEYS[1], 'last_job_at', ARGV[5])
return {'CREATED', ARGV[3], owner}
