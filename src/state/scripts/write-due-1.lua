--[[
  Updates a shard's index of its customers' next due times (issue 13: time as
  a trigger) from the shard's owner, refusing a writer older than the last
  one: the index carries the epoch of its last writer as the score of member
  '~epoch' (customer ids cannot start with '~'), so a fenced-off owner cannot
  undo what the new owner wrote. One key: any Redis Cluster slot serves it.

  KEYS[1]  the shard's due index (a sorted set: customer id -> due time in ms)
  ARGV[1]  the writer's shard epoch
  ARGV[2]  n: customers to (re)index, then n score/member pairs, then the customers to remove
  Returns  1, or an error CS_FENCED when a later epoch wrote the index
]]
local mine = tonumber(ARGV[1])
local kept = tonumber(redis.call('ZSCORE', KEYS[1], '~epoch'))
if kept and kept > mine then
  return redis.error_reply('CS_FENCED due index ' .. KEYS[1] .. ' was written by epoch ' .. string.format('%d', kept) .. ', not ' .. ARGV[1])
end
redis.call('ZADD', KEYS[1], mine, '~epoch')
local n = tonumber(ARGV[2])
local i = 3
if n > 0 then
  local args = {}
  for j = 1, 2 * n do args[j] = ARGV[i + j - 1] end
  redis.call('ZADD', KEYS[1], unpack(args))
  i = i + 2 * n
end
if #ARGV >= i then
  local members = {}
  for j = i, #ARGV do members[#members + 1] = ARGV[j] end
  redis.call('ZREM', KEYS[1], unpack(members))
end
return 1
