--[[
  Writes one customer's state back from the shard that owns them (the ts
  layout, src/state/local-state.ts), refusing a writer whose shard epoch is
  older than the one the value carries: an owner fenced off by a take-over
  cannot overwrite what the new owner wrote. Every key is the customer's
  (one hash tag, one Redis Cluster slot); nothing shard-wide is touched.

  KEYS[1]  the customer's state key: the writer's epoch, then the encoded state. The epoch is
           6 bytes big-endian, or 16 ASCII digits in values written before 2026-12-04 (an
           ASCII digit first; a 6-byte epoch never begins with one: src/state/customer-value.ts)
  KEYS[2]  the customer's pending results (a hash "t.p@offset" -> result)
  KEYS[3]  the customer's decision log (a list, newest first)
  ARGV[1]  the writer's shard epoch
  ARGV[2]  the new value of KEYS[1] (it starts with ARGV[1] in 6 bytes)
  ARGV[3]  n: results to set, ARGV[4] m: results to delete, ARGV[5] k: decision-log entries,
  ARGV[6]  decision-log entries kept
  then     n field/value pairs, m fields, k entries ("{"id":"...",...}", oldest first)
  Returns  1, or an error CS_FENCED when a later epoch wrote the customer
]]
local mine = tonumber(ARGV[1])
local head = redis.call('GETRANGE', KEYS[1], 0, 15)
local kept
if #head > 0 and string.byte(head, 1) >= 48 then
  kept = tonumber(head)
elseif #head >= 6 then
  local a, b, c, d, e, f = string.byte(head, 1, 6)
  kept = ((((a * 256 + b) * 256 + c) * 256 + d) * 256 + e) * 256 + f
end
if kept and kept > mine then
  return redis.error_reply('CS_FENCED customer ' .. KEYS[1] .. ' was written by epoch ' .. string.format('%d', kept) .. ', not ' .. ARGV[1])
end
redis.call('SET', KEYS[1], ARGV[2])
local n, m, k = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local i = 7
if n > 0 then
  local pairs_ = {}
  for j = 1, 2 * n do pairs_[j] = ARGV[i + j - 1] end
  redis.call('HSET', KEYS[2], unpack(pairs_))
  i = i + 2 * n
end
if m > 0 then
  local fields = {}
  for j = 1, m do fields[j] = ARGV[i + j - 1] end
  redis.call('HDEL', KEYS[2], unpack(fields))
  i = i + m
end
if k > 0 then
  -- Idempotent by entry id: a chunk replayed after a crash logs nothing twice.
  local ids = {}
  for _, e in ipairs(redis.call('LRANGE', KEYS[3], 0, -1)) do
    local id = string.match(e, '^{"id":"([^"]*)"')
    if id then ids[id] = true end
  end
  for j = 1, k do
    local e = ARGV[i + j - 1]
    local id = string.match(e, '^{"id":"([^"]*)"')
    if not id or not ids[id] then
      redis.call('LPUSH', KEYS[3], e)
      if id then ids[id] = true end
    end
  end
  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[6]) - 1)
end
return 1
