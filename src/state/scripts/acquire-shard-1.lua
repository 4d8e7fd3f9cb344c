--[[
  Takes ownership of a shard for a new owner (after a rebalance, a restart, a
  failed chunk) and says whether its state in Redis is complete.

  KEYS[1]  the shard's hash ({ epoch, built })
  Returns  { epoch, built (1 or 0) }

  The new epoch is above the last one and above the Redis clock in
  milliseconds, so that after Redis lost its data (the hash is gone) a new
  owner still gets an epoch no earlier owner ever held.
]]
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local f = redis.call('HMGET', KEYS[1], 'epoch', 'built')
local epoch = math.max((tonumber(f[1]) or 0) + 1, now_ms)
redis.call('HSET', KEYS[1], 'epoch', epoch)
return { epoch, f[2] == '1' and 1 or 0 }
