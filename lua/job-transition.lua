-- job-transition: compare-and-set a job's state on (attempt, allowed states, node); only the winner's effects apply.
-- KEYS[1] session           hash    session state (owner, epoch)
-- KEYS[2] jobs              hash    jobId -> job record JSON
-- KEYS[3] out               stream  results not yet acknowledged by the client (fields: job, kind, msg), MAXLEN ~ 200
-- ARGV[1] jobId
-- ARGV[2] expectedAttempt   the attempt the caller acts for
-- ARGV[3] allowedFromStates comma list of states the record must be in
-- ARGV[4] toState           new state; DISPATCHED (re-dispatch) also sets attempt = expectedAttempt + 1
-- ARGV[5] fenceNodeId       '' = no node fence; else the record's node must equal it
-- ARGV[6] patchJSON         object merged into the record before state/attempt/updated_at are set ('' = none)
-- ARGV[7] outEntryJSON      '' = none; else XADD to out (job = jobId, kind = ARGV[9], msg = this) when the call wins
-- ARGV[8] now               ms since epoch (updated_at)
-- ARGV[9] outKind           the resolution kind of the out entry (translation | missing | error)
-- Returns: {'WON', recordJSON, sessionOwner, sessionEpoch, outId ('' if none)} | {'LOST', state, attempt} | {'GONE'}
--- @include "json"
local LEGAL = {
  DISPATCHED = {ACCEPTED = true, COMPLETED = true, FAILED = true, TIMED_OUT = true, CANCELLED = true},
  ACCEPTED = {COMPLETED = true, FAILED = true, TIMED_OUT = true, CANCELLED = true},
  TIMED_OUT = {DISPATCHED = true},
  FAILED = {DISPATCHED = true},
}

local raw = redis.call('HGET', KEYS[2], ARGV[1])
if not raw then
  return {'GONE'}
end
local rec = cjson.decode(raw)
local state = rec.state
local attempt = tonumber(rec.attempt)

local allowed = false
for s in string.gmatch(ARGV[3], '[^,%s]+') do
  if s == state then
    allowed = true
  end
end
if attempt ~= tonumber(ARGV[2]) or not allowed or (ARGV[5] ~= '' and rec.node ~= ARGV[5]) then
  return {'LOST', tostring(state), attempt or 0}
end

local to = ARGV[4]
if not (LEGAL[state] and LEGAL[state][to]) then
  -- The caller allowed a state from which this move is illegal: a bug, not a lost race.
  return redis.error_reply('ERR ILLEGAL_TRANSITION ' .. tostring(state) .. ' -> ' .. to)
end

if ARGV[6] ~= '' then
  for k, v in pairs(cjson.decode(ARGV[6])) do
    rec[k] = v
  end
end
if to == 'DISPATCHED' then
  rec.attempt = attempt + 1
end
rec.state = to
rec.updated_at = tonumber(ARGV[8])

local json = json_encode(rec)
redis.call('HSET', KEYS[2], ARGV[1], json)

local outId = ''
if ARGV[7] ~= '' then
  outId = redis.call('XADD', KEYS[3], 'MAXLEN', '~', 200, '*', 'job', ARGV[1], 'kind', ARGV[9], 'msg', ARGV[7])
end
local sess = redis.call('HMGET', KEYS[1], 'owner', 'epoch')
return {'WON', json, sess[1] or '', tonumber(sess[2]) or 0, outId}
