--[[
  Records what the contact policy decided for one customer: the value contacts
  issued (they count against caps and cool-downs) and an entry per task or
  suppression in the customer's decision log (what `carestream explain` shows).
  Idempotent: a batch replayed after a crash records nothing twice.

  KEYS[1]  the customer's state key
  KEYS[2]  the customer's decision log (a list, newest first)
  KEYS[3]  the task's hash (fence.lua)
  ARGV[1]  JSON { contacts = { {id, rule, kind, at}, ... }, log = { "<json entry with an id field>", ... },
                  keepMs = how long contacts matter, logSize = entries kept }
  ARGV[2]  the caller's task epoch
  ARGV[3]  '1' while rebuilding the task's state
  Returns  the number of contacts added
]]
--@include state.lua
--@include fence.lua

local fence_err = check_fence(KEYS[3], ARGV[2], ARGV[3] == '1')
if fence_err then return fence_err end

local args = cjson.decode(ARGV[1])
local added = 0
if #args.contacts > 0 then
  local s = load_state(KEYS[1]) or new_state()
  s.ct = s.ct or {}
  local known = {}
  local newest = 0
  for _, c in ipairs(s.ct) do known[c[1]] = true; if c[4] > newest then newest = c[4] end end
  for _, c in ipairs(args.contacts) do
    if not known[c.id] then
      table.insert(s.ct, { c.id, c.rule, c.kind, c.at })
      known[c.id] = true
      added = added + 1
      if c.at > newest then newest = c.at end
    end
  end
  local kept = {}
  for _, c in ipairs(s.ct) do
    if c[4] >= newest - args.keepMs then kept[#kept + 1] = c end
  end
  s.ct = kept
  save_state(KEYS[1], s)
end
if #args.log > 0 then
  local existing = redis.call('LRANGE', KEYS[2], 0, -1)
  local ids = {}
  for _, e in ipairs(existing) do
    local id = string.match(e, '^{"id":"([^"]*)"')
    if id then ids[id] = true end
  end
  for _, e in ipairs(args.log) do
    local id = string.match(e, '^{"id":"([^"]*)"')
    if not id or not ids[id] then
      redis.call('LPUSH', KEYS[2], e)
      if id then ids[id] = true end
    end
  end
  redis.call('LTRIM', KEYS[2], 0, args.logSize - 1)
end
return added
