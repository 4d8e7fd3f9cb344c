--[[
  Marks a shard's state complete after a rebuild, if the caller still owns it.

  KEYS[1]  the shard's hash
  ARGV[1]  the caller's epoch
  Returns  1, or an error when fenced or lost
]]
--@include fence.lua
local err = check_fence(KEYS[1], ARGV[1], true)
if err then return err end
redis.call('HSET', KEYS[1], 'built', '1')
return 1
