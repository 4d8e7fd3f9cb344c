--[[
  Reads a customer's features as of their watermark, for `carestream inspect`
  and the agent API. Read-only.

  KEYS[1]  the customer's state key
  Returns  false when the customer is unknown, else
           { wm, fd, view (as in includes/state.lua), profile }
           profile = {} or { up, bmo, mc (0/1), rt, ra, rm (0/1), pch... }
           contacts = recent value contacts, outcomes = the last contact outcomes
]]
--@include state.lua

local s = load_state(KEYS[1])
if not s then return false end
local prof = profile_array(s)
if not s.wm then
  return { -1, -1, {}, prof, s.ct or {}, s.co or {} }
end
return { s.wm, s.fd, view(s, s.wm, s.wd, s.wmo, ''), prof, s.ct or {}, s.co or {} }
