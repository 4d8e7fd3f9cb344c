--[[
  Applies a batch of one customer's input events to their features, in order,
  and returns for each event what the rules need: its outcome and the feature
  views just before and just after it.

  KEYS[1]  the customer's state key (cs:{customerId})
  KEYS[2]  the task's hash (fence.lua): the write is refused unless the caller owns the task
  KEYS[3]  the task's results of records not yet committed (a hash "t.p@offset" -> msgpack result)
  ARGV[1]  JSON: { lat = allowed lateness ms }
  ARGV[2]  JSON array of events, each
             { k = 'T'|'C'|'P', tp = "topic.partition", off, id = eventId, dg = content digest, ts, d = day, m = month, ... }
           T: ty (transaction type), amt, acct (hashed), bal, ref (counterparty or ''), own (0/1),
              baby, inv, high, buy, sell, sal, out, tin (0/1 flags computed by the caller)
           C: mort (0/1), outcome fields are ignored here
           P: up, bmo (-1 if none), mc, rt, ra, pch (array), rm

  ARGV[3]  the caller's task epoch
  ARGV[4]  '1' while rebuilding the task's state (allowed before it is complete)

  Returns { results, profile, contacts }
    results   one entry per event: { status, before, after } (conflicts: { 6, {}, {}, kept digest, this digest })
      status  1 applied, 2 duplicate offset (already applied), 3 duplicate eventId (same content),
              4 late (older than the lateness window), 5 stale profile (not newer than the one kept),
              6 conflict (an eventId seen before with other content: not applied)
      before/after  the views of includes/state.lua (empty for profiles and non-applied events)
    profile   {} or { updatedAt, birthMonth, consent 0/1, riskTolerance, riskAssessedAt, hasRm 0/1, channels... }
    contacts  the value contacts issued recently: { { taskId, ruleId, kind, at }, ... }
  C events with co (a CONTACT_OUTCOME) record { at, taskId, outcome } among the last 10 outcomes.
  A record at or below the highest applied offset of its partition returns the
  result it got the first time (kept in KEYS[3] until its chunk is committed,
  when the ingestor deletes it), so a chunk replayed after a crash yields the
  same outcomes and therefore the same tasks. A rebuild keeps no results: what
  it replays is committed already.
]]
--@include state.lua
--@include fence.lua

local APPLIED, DUP_OFFSET, DUP_EVENT, LATE, STALE, CONFLICT = 1, 2, 3, 4, 5, 6
local DAY_MS = 86400000

local fence_err = check_fence(KEYS[2], ARGV[3], ARGV[4] == '1')
if fence_err then return fence_err end

local params = cjson.decode(ARGV[1])
local events = cjson.decode(ARGV[2])
local key = KEYS[1]
local s = load_state(key) or new_state()
-- Results used to live in the customer's blob; they are the task's now.
s.res = nil
local rebuilding = ARGV[4] == '1'

local function insert_sorted(list, item)
  -- by item[1] (time); equal times keep arrival order
  local i = #list
  while i >= 1 and list[i][1] > item[1] do i = i - 1 end
  table.insert(list, i + 1, item)
end

local function add_month(set, m)
  for _, x in ipairs(set) do if x == m then return end end
  table.insert(set, m)
  table.sort(set)
  while #set > 13 do table.remove(set, 1) end
end

local function has_month(set, m)
  for _, x in ipairs(set) do if x == m then return true end end
  return false
end

local function apply_transaction(e)
  local d = tostring(e.d)
  if e.buy == 1 then
    s.hn = sat(s.hn + e.amt)
    s.hd[d] = sat((s.hd[d] or 0) + e.amt)
    insert_sorted(s.pl, { e.ts, e.high })
    if #s.pl > MAX_PL then
      local dropped = table.remove(s.pl, 1)
      if dropped[2] == 1 then s.skb = s.skb + 1 else s.skb = 0 end
    end
    if e.inv == 1 and (not s.li or e.ts > s.li) then s.li = e.ts end
  elseif e.sell == 1 then
    s.hn = sat(s.hn - e.amt)
    s.hd[d] = sat((s.hd[d] or 0) - e.amt)
  end
  local entries = s.acc[e.acct]
  if not entries then entries = {}; s.acc[e.acct] = entries end
  insert_sorted(entries, { e.ts, e.d, e.bal })
  if e.out == 1 then
    local slot = tostring(math.floor(e.ts / 300000))
    local b = s.o5[slot] or { 0, 0, 0, 0 }
    b[1] = sat(b[1] + e.amt); b[2] = b[2] + 1
    if e.newcp == 1 then b[3] = sat(b[3] + e.amt); b[4] = b[4] + 1 end
    s.o5[slot] = b
    if e.amt > (s.mx[d] or 0) then s.mx[d] = e.amt end
  end
  if e.ref ~= '' and (e.out == 1 or e.tin == 1) then
    if not s.cp[e.ref] or s.cp[e.ref] < e.d then s.cp[e.ref] = e.d end
  end
  if e.sal == 1 and not has_month(s.sm, e.m) then
    local cond = has_month(s.sm, e.m - 1) and (not s.li or e.ts - s.li > 90 * DAY_MS)
    if cond then s.pc = e.m end
    add_month(s.sm, e.m)
  end
  if e.baby == 1 then add_month(s.bm, e.m) end
end

local function apply_profile(e)
  -- a profile not newer than the one kept (e.g. the same one published again) changes nothing
  if s.pr and s.pr.up >= e.up then return STALE end
  s.pr = { up = e.up, bmo = e.bmo, mc = e.mc, rt = e.rt, ra = e.ra, pch = e.pch, rm = e.rm }
  return APPLIED
end

local EMPTY = {}

local applied_any = false

-- One transaction or channel event: late, duplicate, or applied with its views.
local function apply_event(e)
  local t = string.sub(e.tp, 1, 1)
  local tw = s.tw[t]
  local idkey = t .. ':' .. e.id
  if tw and e.ts < tw - params.lat then return { LATE, EMPTY, EMPTY } end
  local seen = s.ids[idkey]
  if seen then
    -- { ts, digest }; a bare ts was written before digests were kept: a duplicate, as then.
    local kept = type(seen) == 'table' and seen[2] or nil
    if kept and e.dg and kept ~= e.dg then return { CONFLICT, EMPTY, EMPTY, kept, e.dg } end
    return { DUP_EVENT, EMPTY, EMPTY }
  end
  if not tw or e.ts > tw then
    s.tw[t] = e.ts
    if e.k == 'T' then s.twd = e.d else s.cwd = e.d end
  end
  if not s.wm or e.ts > s.wm then s.wm = e.ts; s.wd = e.d; s.wmo = e.m end
  if not s.fd or e.d < s.fd then s.fd = e.d end
  s.ids[idkey] = { e.ts, e.dg }
  local ref = e.ref or ''
  local before = view(s, e.ts, e.d, e.m, ref)
  if e.k == 'T' then
    e.newcp = (e.out == 1 and ref ~= '' and before[14] == 0) and 1 or 0
    apply_transaction(e)
    recompute_eod(s, e.d)
  else
    if e.mort == 1 then
      local d = tostring(e.d)
      s.mq[d] = (s.mq[d] or 0) + 1
    end
    note_channel_day(s, e.d)
    if e.co then
      s.co = s.co or {}
      table.insert(s.co, { e.ts, e.tid or '', e.co })
      while #s.co > 10 do table.remove(s.co, 1) end
    end
  end
  local after = view(s, e.ts, e.d, e.m, ref)
  applied_any = true
  return { APPLIED, before, after }
end

local out = {}
for i, e in ipairs(events) do
  local rkey = e.tp .. '@' .. string.format('%d', e.off)
  local applied_off = s.off[e.tp]
  if applied_off and e.off <= applied_off then
    local stored = redis.call('HGET', KEYS[3], rkey)
    out[i] = stored and cmsgpack.unpack(stored) or { DUP_OFFSET, EMPTY, EMPTY }
  else
    s.off[e.tp] = e.off
    local r
    if e.k == 'P' then
      r = { apply_profile(e), EMPTY, EMPTY }
    else
      r = apply_event(e)
    end
    if not rebuilding then redis.call('HSET', KEYS[3], rkey, cmsgpack.pack(r)) end
    out[i] = r
  end
end

-- Old entries go once per call, not after every event: views only read
-- their windows, so what is trimmed later is never read in between.
if applied_any then trim(s, params.lat) end
save_state(key, s)
return { out, profile_array(s), s.ct or {} }
