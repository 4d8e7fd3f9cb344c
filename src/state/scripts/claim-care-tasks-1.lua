--[[
  Records in the care-task index the epoch of a shard's new owner (right after
  acquire-shard-1.lua gave it), so that record-care-tasks-4.lua can fence the
  index with keys of its own slot: on Redis Cluster the shard's hash is in
  another slot, where one script cannot read it. Never lowers an epoch: a
  slow claim of an owner already taken over changes nothing.

  KEYS[1]  the index's owners hash (partition -> epoch)
  ARGV[1]  the partition
  ARGV[2]  the new owner's epoch
  Returns  the epoch the hash now holds for the partition
]]
local kept = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
local mine = tonumber(ARGV[2])
if kept and kept >= mine then return kept end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return mine
