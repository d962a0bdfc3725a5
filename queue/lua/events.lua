-- ---- events --------------------------------------------------------------------

local function emit(ctx, kind, fields)
  local args = {ctx.shard .. K.events, 'MAXLEN', '~', SCHEMA.events_max, '*',
                'type', kind, 'tenant', ctx.tenant, 'at', ctx.now}
  for _, x in ipairs(fields) do args[#args + 1] = x end
  redis.call('XADD', unpack(args))
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
