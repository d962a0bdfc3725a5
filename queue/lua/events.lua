-- ---- events --------------------------------------------------------------------

-- Every event has one schema (README "Events"): type, tenant (left out for
-- a shard-wide event), id (the message's, when it is about one), ts (ms),
-- then its own fields. Written in the call that makes the change.
local function emit(ctx, kind, fields, id)
  local args = {ctx.shard .. K.events, 'MAXLEN', '~', SCHEMA.events_max, '*', 'type', kind}
  if ctx.tenant and ctx.tenant ~= '' then
    args[#args + 1] = 'tenant'
    args[#args + 1] = ctx.tenant
  end
  if id then
    args[#args + 1] = 'id'
    args[#args + 1] = id
  end
  args[#args + 1] = 'ts'
  args[#args + 1] = ctx.now
  for _, x in ipairs(fields) do args[#args + 1] = x end
  redis.call('XADD', unpack(args))
end

-- Whether the tenant wants an event per transition of each message
-- (events.messages): the guards' events and the rare message endings
-- (bounced, dead, expired, unknown) are written whatever it says.
local function message_events(ctx)
  return setting_number(ctx, 'events.messages') ~= 0
end

-- Per tenant and UTC day: what admission answered. Counted in the call's
-- tenant state (ctx.t) and written once per call by write_answers.
local function count_answer(ctx, what)
  local a = ctx.t.answers
  a[what] = (a[what] or 0) + 1
end

-- A table a guard keeps in the call's tenant state, made on first use.
local function tenant_table(ctx, name)
  local v = ctx.t[name]
  if not v then
    v = {}
    ctx.t[name] = v
  end
  return v
end

local function write_answers(call, t)
  local key = call.shard .. K.stat .. t.name .. ':' .. call.day
  for what, n in pairs(t.answers) do
    if redis.call('HINCRBY', key, what, n) == n then redis.call('EXPIRE', key, 8 * 86400) end
  end
end
