-- session-next-index: hand out the next utterance index of a session, only to the owner holding the current epoch.
-- KEYS[1] session  hash  session state (epoch, next_idx)
-- ARGV[1] epoch    the epoch the caller claimed the session with
-- Returns: {'OK', index} (0-based: the value of next_idx before the increment) | {'STALE'} (epoch differs or no session)
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if epoch ~= ARGV[1] then
  return {'STALE'}
end
return {'OK', redis.call('HINCRBY', KEYS[1], 'next_idx', 1) - 1}
