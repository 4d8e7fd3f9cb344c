--[[
  The customer's state: one msgpack blob under one key, so a customer costs one
  key and one round trip, and a script sees everything it needs at once.

  s = {
    v   = 1,                      layout version
    wm  = ms, wd = day, wmo = month  watermark: latest applied event time (any topic), its day and month
    tw  = { ["0"|"1"] = ms }     watermark per input topic (lateness is judged per topic)
    twd = day                     day of the transactions' watermark (the mutable days end there)
    cwd = day                     day of the channel events' watermark
    fd  = day                     first day with an event
    off = { ["t.p"] = offset }    highest applied offset per input topic-partition
    ids = { ["t:eventId"] = {ms, digest} }  event ids inside their topic's lateness window, with a
                                  digest of the content (a bare ms in states written before digests)
    acc = { [acct] = {{ts,day,bal},...} }  per account: entries of the mutable days + the latest older one
    hn  = minor                   net product holdings (purchases - redemptions)
    hd  = { [day] = minor }       net product flow of the mutable days
    eb  = day, eod = { ... }      end-of-day assets from day eb on (eod[1] is day eb)
    o5  = { [slot] = {sum,cnt,nsum,ncnt} }  outflows per 5-minute slot, last 24 h
    mx  = { [day] = minor }       largest outflow per day, last 90 days
    cp  = { [ref] = day }         last day each counterparty was seen, last 90 days
    mq  = { [day] = n }           mortgage-interest events per day, last 30 days
    pl  = { {ts,high},... }       the last purchases (for the high-risk streak), skb = run before them
    li  = ms                      last investment purchase
    bm, sm = { month,... }        baby / salary months, ascending, last 13
    pc  = month                   month at whose first salary the payroll condition last held
    pr  = { up, bmo, mc, rt, ra, pch, rm }  profile (no name, no id number, birth month only)
    ct  = { {taskId, ruleId, kind, at},... }  value contacts issued (for caps and cool-downs)
    co  = { {at, taskId, outcome},... }       the last contact outcomes
  }
  Tables keyed by number are stored with string keys (msgpack maps), because
  cmsgpack turns sparse numeric tables into arrays with holes.
]]

local MUT = 2            -- days before the watermark's day that late events may still change
local KEEP_EOD = 210     -- 30-day average ending 180 days ago reaches back 209 days
local DAY90 = 90
local SLOTS24 = 288
local MAX_PL = 8

-- Money is integer minor units; Lua numbers are doubles, exact up to 2^53.
-- Inputs are at most MAX_AMOUNT_MINOR (10^15 by default), but sums over many
-- of them are not bounded, so every sum saturates at +-9 x 10^15 (90 trillion
-- CNY, beyond any customer): below it it is exact, beyond it it stays at the
-- bound instead of losing digits. Both operands are within the bound, so a
-- true sum past it is always caught. Why not 2^53 - 1: ioredis 6 decodes an
-- integer reply within 48 of 2^53 wrongly (its digit loop passes 2^53).
local MAX_EXACT = 9000000000000000
local function sat(x)
  if x > MAX_EXACT then return MAX_EXACT end
  if x < -MAX_EXACT then return -MAX_EXACT end
  return x
end

local function load_state(key)
  local raw = redis.call('GET', key)
  if not raw then return nil end
  return cmsgpack.unpack(raw)
end

local function save_state(key, s)
  redis.call('SET', key, cmsgpack.pack(s))
end

local function new_state()
  return { v = 1, off = {}, ids = {}, tw = {}, acc = {}, hn = 0, hd = {}, eod = {}, o5 = {}, mx = {},
           cp = {}, mq = {}, pl = {}, skb = 0, bm = {}, sm = {} }
end

-- eod value of day d, carrying the last known day forward; nil before the first day.
local function eod_at(s, d)
  if not s.eb or d < s.fd then return nil end
  local i = d - s.eb + 1
  local n = #s.eod
  if i > n then i = n end
  if i < 1 then return nil end
  return s.eod[i]
end

-- floor(mean) of up to 30 values within +-(2^53 - 1), exactly: their sum
-- may pass 2^53, so each value is split into v = hi * 2^26 + lo (0 <= lo < 2^26)
-- and the two small sums are divided separately (hi = qh * n + rh).
local TWO26 = 67108864
local function avg30(s, d)
  local hi, lo, n = 0, 0, 0
  for x = d - 29, d do
    local v = eod_at(s, x)
    if v then
      local h = math.floor(v / TWO26)
      hi = hi + h; lo = lo + (v - h * TWO26); n = n + 1
    end
  end
  if n == 0 then return 0 end
  local qh = math.floor(hi / n)
  local rh = hi - qh * n
  return qh * TWO26 + math.floor((rh * TWO26 + lo) / n)
end

-- false when no day of the 7 has a value (false, not nil: it sits inside an array)
local function max_eod_prev7(s, d)
  local best = false
  for x = d - 7, d - 1 do
    local v = eod_at(s, x)
    if v and (not best or v > best) then best = v end
  end
  return best
end

-- balance of one account at the end of day d: its latest entry with day <= d.
local function bal_at(entries, d)
  local b = nil
  for _, e in ipairs(entries) do
    if e[2] <= d then b = e[3] end
  end
  return b
end

local function holdings_at(s, d)
  local h = s.hn
  for k, net in pairs(s.hd) do
    if tonumber(k) > d then h = sat(h - net) end
  end
  if h < 0 then h = 0 end
  return h
end

local function deposits_at(s, d)
  local sum = 0
  for _, entries in pairs(s.acc) do
    local b = bal_at(entries, d)
    if b then sum = sat(sum + b) end
  end
  return sum
end

local function deposits_now(s)
  local sum = 0
  for _, entries in pairs(s.acc) do
    local e = entries[#entries]
    if e then sum = sat(sum + e[3]) end
  end
  return sum
end

-- Makes eod cover day d (carrying forward) so that it can be written.
local function extend_eod(s, d)
  if not s.eb then
    s.eb = d; s.eod = { 0 }
    return
  end
  local n = #s.eod
  local last = s.eod[n]
  for _ = s.eb + n, d do
    n = n + 1
    s.eod[n] = last
  end
end

local function set_eod(s, d, v)
  if not s.eb then s.eb = d; s.eod = { v }; return end
  if d < s.eb then
    -- A late event before the series starts (the customer's first day moved back).
    local shift = s.eb - d
    local fresh = { v }
    for _ = 2, shift do fresh[#fresh + 1] = v end
    for _, x in ipairs(s.eod) do fresh[#fresh + 1] = x end
    s.eod = fresh; s.eb = d
    return
  end
  extend_eod(s, d)
  s.eod[d - s.eb + 1] = v
end

-- Recomputes eod from a (transaction's) day to the end of the series: only the
-- mutable days can change, and later days carry the change forward.
local function recompute_eod(s, from_day)
  local last = s.twd
  if s.eb and s.eb + #s.eod - 1 > last then last = s.eb + #s.eod - 1 end
  for d = from_day, last do
    set_eod(s, d, sat(deposits_at(s, d) + holdings_at(s, d)))
  end
end

-- A channel event moves no money: it only starts the series earlier (assets 0
-- before any transaction), never changes a day that has a value.
local function note_channel_day(s, d)
  if not s.eb then s.eb = d; s.eod = { 0 }; return end
  if d < s.eb then
    local fresh = {}
    for _ = d, s.eb - 1 do fresh[#fresh + 1] = 0 end
    for _, x in ipairs(s.eod) do fresh[#fresh + 1] = x end
    s.eod = fresh; s.eb = d
  end
end

local function window_sums(s, slot_now, width)
  local sum, cnt, nsum, ncnt = 0, 0, 0, 0
  local lo = slot_now - width + 1
  for k, b in pairs(s.o5) do
    local sl = tonumber(k)
    if sl >= lo and sl <= slot_now then
      sum = sat(sum + b[1]); cnt = cnt + b[2]; nsum = sat(nsum + b[3]); ncnt = ncnt + b[4]
    end
  end
  return sum, cnt, nsum, ncnt
end

local function max_out90(s, d)
  local best = 0
  for k, v in pairs(s.mx) do
    local x = tonumber(k)
    if x >= d - DAY90 + 1 and x <= d and v > best then best = v end
  end
  return best
end

local function cp_count90(s, d)
  local n = 0
  for _, last in pairs(s.cp) do
    if last >= d - DAY90 + 1 then n = n + 1 end
  end
  return n
end

local function mortgage30(s, d)
  local n = 0
  for k, c in pairs(s.mq) do
    local x = tonumber(k)
    if x >= d - 29 and x <= d then n = n + c end
  end
  return n
end

local function streak(s)
  local run = 0
  for i = #s.pl, 1, -1 do
    if s.pl[i][2] == 1 then run = run + 1 else return run end
  end
  return run + s.skb
end

local function age_at(s, month)
  local p = s.pr
  if not p or not p.bmo or p.bmo < 0 then return false end
  return math.floor((month - p.bmo) / 12)
end

--[[ The view the rules see, as of time ts (day d, month m), for a counterparty ref (or ''):
  { assets, deposits, holdings, avg30, avg30Ago, maxEodPrev7, out1hSum, out1hCnt, nout1hSum, nout1hCnt,
    out24hSum, out24hCnt, maxOut90, cpSeen, cps90, streak, mortgage30, lastInvestmentAt, payrollMonth,
    babyMonths, salaryMonths, age } ]]
local function view(s, ts, d, m, ref)
  local slot = math.floor(ts / 300000)
  local deposits = deposits_now(s)
  local holdings = s.hn > 0 and s.hn or 0
  if s.twd and d < s.twd then
    deposits = deposits_at(s, d); holdings = holdings_at(s, d)
  end
  local s1, c1, ns1, nc1 = window_sums(s, slot, 12)
  local s24, c24 = window_sums(s, slot, SLOTS24)
  local seen = 0
  if ref ~= '' then
    local last = s.cp[ref]
    if last and last >= d - DAY90 + 1 then seen = 1 end
  end
  -- month sets are copied: the state's own tables change with later events of the batch
  local bm, sm = {}, {}
  for i, x in ipairs(s.bm) do bm[i] = x end
  for i, x in ipairs(s.sm) do sm[i] = x end
  return { sat(deposits + holdings), deposits, holdings, avg30(s, d), avg30(s, d - 180), max_eod_prev7(s, d),
           s1, c1, ns1, nc1, s24, c24, max_out90(s, d), seen, cp_count90(s, d), streak(s), mortgage30(s, d),
           s.li or false, s.pc or false, bm, sm, age_at(s, m) }
end

-- Drops what no window needs any more, relative to the watermarks.
local function trim(s, lateness_ms)
  for key, seen in pairs(s.ids) do
    local ts = type(seen) == 'table' and seen[1] or seen
    local w = s.tw[string.sub(key, 1, 1)]
    if w and ts < w - lateness_ms then s.ids[key] = nil end
  end
  local twd = s.twd
  if twd then
    for acct, entries in pairs(s.acc) do
      -- keep entries of the mutable days and the latest one before them
      local keep_from = 1
      for i, e in ipairs(entries) do
        if e[2] < twd - MUT then keep_from = i end
      end
      if keep_from > 1 then
        local kept = {}
        for i = keep_from, #entries do kept[#kept + 1] = entries[i] end
        s.acc[acct] = kept
      end
    end
    for k, _ in pairs(s.hd) do
      if tonumber(k) < twd - MUT then s.hd[k] = nil end
    end
    local min_slot = math.floor((s.tw['0'] - lateness_ms) / 300000) - SLOTS24
    for k, _ in pairs(s.o5) do
      if tonumber(k) < min_slot then s.o5[k] = nil end
    end
    for k, _ in pairs(s.mx) do
      if tonumber(k) < twd - DAY90 - MUT then s.mx[k] = nil end
    end
    for k, last in pairs(s.cp) do
      if last < twd - DAY90 - MUT then s.cp[k] = nil end
    end
  end
  -- eod: keep the days from wd - KEEP_EOD - MUT + 1 on; when the series ends
  -- before that, its last value (carried forward) starts the kept range.
  local keep_from = s.wd - KEEP_EOD - MUT + 1
  if s.eb and s.eb < keep_from then
    local n = #s.eod
    local kept = {}
    for i = keep_from - s.eb + 1, n do kept[#kept + 1] = s.eod[i] end
    if #kept == 0 then kept[1] = s.eod[n] end
    s.eod = kept; s.eb = keep_from
  end
  if s.cwd then
    for k, _ in pairs(s.mq) do
      if tonumber(k) < s.cwd - 30 - MUT then s.mq[k] = nil end
    end
  end
end

-- The profile as an array for the caller (consent and flags as 0/1).
local function profile_array(s)
  if not s.pr then return {} end
  local p = s.pr
  local a = { p.up, p.bmo, p.mc and 1 or 0, p.rt, p.ra, p.rm and 1 or 0 }
  for _, ch in ipairs(p.pch or {}) do a[#a + 1] = ch end
  return a
end
