--[[
  Records what a batch changed in the care-task status index: tasks issued,
  contact outcomes naming a task, escalations. The index is one hash of
  records (task id -> JSON) and two sorted sets by due time: open (neither
  answered nor escalated) and closed. Idempotent: a batch replayed after a
  crash leaves the same records (the first answering outcome wins; the
  latest attempt is kept by time).

  A record's fields: c customer, k kind, r rule, p priority, t tier (or null),
  ch channel, d dueBy, o {outcome, at} answering outcome, la {outcome, at}
  latest NO_ANSWER, e the task that escalated it. An outcome or escalation
  may arrive before its task (a rebuild restores outcomes after tasks, but an
  outcome for a task another partition never published can too): the record
  then has no d and waits in the closed set, scored by its own time, until the
  task arrives or it is pruned.

  KEYS[1]  the records hash
  KEYS[2]  the open sorted set (score dueBy)
  KEYS[3]  the closed sorted set (score dueBy, or the outcome's time without a task)
  KEYS[4]  the owners hash (partition -> epoch of its owner, claim-care-tasks-1.lua)
  ARGV[1]  JSON { issued = { {id, c, k, r, p, t, ch, d, esc}, ... },
                  outcomes = { {id, c, o, at, answers}, ... },
                  pruneBefore = drop records whose score is older }
  ARGV[2]  the caller's shard epoch
  ARGV[3]  the caller's partition
  Returns  the number of records written

  Fenced inside the index's own slot (all four keys share the hash tag
  {caretasks}, so this runs on Redis Cluster): a caller whose partition was
  claimed by a later epoch is refused (CS_FENCED); an owners hash without the
  partition means Redis lost the index — flushed, or restarted empty — and
  nothing is written until the shard is taken over again (CS_STATE_LOST).
]]
local kept = tonumber(redis.call('HGET', KEYS[4], ARGV[3]))
if not kept then
  return redis.error_reply('CS_STATE_LOST care-task index has no owner for partition ' .. ARGV[3] .. ': ' .. KEYS[4])
end
if kept ~= tonumber(ARGV[2]) then
  return redis.error_reply('CS_FENCED care-task index: partition ' .. ARGV[3] .. ' is owned by epoch ' .. string.format('%d', kept) .. ', not ' .. ARGV[2])
end

local args = cjson.decode(ARGV[1])
local written = 0

local function load(id)
  local raw = redis.call('HGET', KEYS[1], id)
  if raw then return cjson.decode(raw) end
  return nil
end

local function place(id, r)
  redis.call('HSET', KEYS[1], id, cjson.encode(r))
  local score = r.d
  if not score then score = (r.o and r.o[2]) or (r.la and r.la[2]) or 0 end
  if r.d and not r.o and not r.e then
    redis.call('ZREM', KEYS[3], id)
    redis.call('ZADD', KEYS[2], score, id)
  else
    redis.call('ZREM', KEYS[2], id)
    redis.call('ZADD', KEYS[3], score, id)
  end
  written = written + 1
end

for _, u in ipairs(args.issued) do
  local r = load(u.id) or { c = u.c }
  if r.c == u.c then
    r.k = u.k; r.r = u.r; r.p = u.p; r.t = u.t; r.ch = u.ch; r.d = u.d
    place(u.id, r)
    if u.esc ~= cjson.null and u.esc then
      local o = load(u.esc) or { c = u.c }
      if o.c == u.c and not o.e then
        o.e = u.id
        place(u.esc, o)
      end
    end
  end
end

for _, u in ipairs(args.outcomes) do
  local r = load(u.id) or { c = u.c }
  -- An outcome from another customer's channel may not close this customer's task.
  if r.c == u.c then
    if u.answers then
      if not r.o then r.o = { u.o, u.at } end
    elseif not r.la or r.la[2] <= u.at then
      r.la = { u.o, u.at }
    end
    place(u.id, r)
  end
end

for _, key in ipairs({ KEYS[2], KEYS[3] }) do
  local old = redis.call('ZRANGEBYSCORE', key, '-inf', '(' .. args.pruneBefore, 'LIMIT', 0, 1000)
  if #old > 0 then
    redis.call('ZREM', key, unpack(old))
    redis.call('HDEL', KEYS[1], unpack(old))
  end
end
return written
