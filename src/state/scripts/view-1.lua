--[[
  Reads a customer's features as of their watermark, for `carestream inspect`
  and the agent API. Read-only.

  KEYS[1]  the customer's state key
  Returns  false when the customer is unknown, else
           { wm, fd, view (as in includes/state.lua), profile }
           profile = {} or { up, bmo, mc (0/1), rt, ra, rm (0/1), pch... }
]]
--@include state.lua

local s = load_state(KEYS[1])
if not s then return false end
local prof = {}
if s.pr then
  local p = s.pr
  prof = { p.up, p.bmo, p.mc and 1 or 0, p.rt, p.ra, p.rm and 1 or 0 }
  for _, ch in ipairs(p.pch or {}) do prof[#prof + 1] = ch end
end
if not s.wm then
  return { -1, -1, {}, prof }
end
return { s.wm, s.fd, view(s, s.wm, s.wd, s.wmo, ''), prof }
