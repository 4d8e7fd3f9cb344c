-- Shard fencing (included by the scripts that write a customer's state).
--
-- A shard (partition number p of every input topic) has a hash in Redis with
-- the epoch of its current owner and whether its state is complete ("built").
-- Every write names the shard and the epoch its writer acquired: a writer whose
-- epoch is no longer current lost the shard and is refused (CS_FENCED); a shard
-- whose hash is gone means Redis lost its data — flushed, restarted without
-- persistence — and the state must be rebuilt before anything is written
-- (CS_STATE_LOST). `rebuilding` writers may write to a shard not yet built.
local function check_fence(shard_key, epoch, rebuilding)
  local f = redis.call('HMGET', shard_key, 'epoch', 'built')
  if not f[1] then
    return redis.error_reply('CS_STATE_LOST shard state missing in Redis: ' .. shard_key)
  end
  if tonumber(f[1]) ~= tonumber(epoch) then
    return redis.error_reply('CS_FENCED shard ' .. shard_key .. ' is owned by epoch ' .. f[1] .. ', not ' .. tostring(epoch))
  end
  if f[2] ~= '1' and not rebuilding then
    return redis.error_reply('CS_STATE_LOST shard state incomplete in Redis: ' .. shard_key)
  end
  return nil
end
