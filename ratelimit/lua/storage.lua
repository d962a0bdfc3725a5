-- ---- guard: storage quota --------------------------------------------------------------
-- What a tenant has queued (ready, leased or deferred): hd:{sN}:usage:<tenant>
-- {bytes, msgs}, charged with the append and released, in the same
-- function call, when a message leaves for good (delivered, dead-lettered,
-- expired): exact under crashes by construction, and recounted by
-- herald_usage_recount as a safety net. Limits storage.max_bytes and
-- storage.max_messages (0 = none); over: 507 storage_quota_exceeded.
-- A message's bytes are its payload plus SCHEMA.message_overhead_bytes,
-- what it may keep beside its entry while queued (its status record).

local function charged_bytes(payload_bytes) return payload_bytes + SCHEMA.message_overhead_bytes end

local function usage_key(shard, tenant) return shard .. K.usage .. tenant end

-- What this call charged (ctx.t.usage, written by write()), and what was
-- queued before it, read only where a limit needs it.
local function usage_of(ctx, read)
  local u = ctx.t.usage
  if not u then
    u = {add_bytes = 0, add_msgs = 0}
    ctx.t.usage = u
  end
  if read and not u.bytes then
    local v = redis.call('HMGET', usage_key(ctx.shard, ctx.tenant), 'bytes', 'msgs')
    u.bytes, u.msgs = tonumber(v[1]) or 0, tonumber(v[2]) or 0
  end
  return u
end

-- Also used by herald_dead_requeue, whose message is charged again.
local function storage_check(ctx)
  local max_bytes = num_or_0(ctx, 'storage.max_bytes')
  local max_msgs = num_or_0(ctx, 'storage.max_messages')
  if max_bytes <= 0 and max_msgs <= 0 then return nil end
  local u = usage_of(ctx, true)
  local msgs, bytes = u.msgs + u.add_msgs, u.bytes + u.add_bytes
  if max_msgs > 0 and msgs + 1 > max_msgs then
    return err('storage_quota_exceeded', msgs .. ' messages queued, limit ' .. max_msgs)
  end
  if max_bytes > 0 and bytes + charged_bytes(#ctx.payload) > max_bytes then
    return err('storage_quota_exceeded', bytes .. ' bytes queued, limit ' .. max_bytes)
  end
  return nil
end

local function storage_record(ctx, answer)
  if answer[1] ~= 'ok' then return end
  local u = usage_of(ctx, false)
  u.add_bytes, u.add_msgs = u.add_bytes + charged_bytes(#ctx.payload), u.add_msgs + 1
end

local function storage_write(t, call)
  local u = t.usage
  if not u or u.add_msgs == 0 then return end
  local key = usage_key(call.shard, t.name)
  redis.call('HINCRBY', key, 'bytes', u.add_bytes)
  redis.call('HINCRBY', key, 'msgs', u.add_msgs)
end

register_guard{name = 'storage', check = storage_check, record = storage_record,
               write = storage_write}

register_leave_hook(function(shard, tenant, bytes)
  local key = usage_key(shard, tenant)
  -- 0 - bytes, not -bytes: Lua's -0 reaches Redis as "-0", which is no integer.
  local left_bytes = redis.call('HINCRBY', key, 'bytes', 0 - charged_bytes(bytes))
  local left_msgs = redis.call('HINCRBY', key, 'msgs', -1)
  if left_msgs <= 0 or left_bytes <= 0 then
    -- Empty (or below: a message that was never charged) : start clean.
    if left_msgs <= 0 and left_bytes <= 0 then
      redis.call('DEL', key)
    else
      redis.call('HSET', key, 'bytes', math.max(0, left_bytes), 'msgs', math.max(0, left_msgs))
    end
  end
end)

-- FCALL herald_usage_recount 1 hd:{sN} <max_entries>
-- Recounts every tenant's usage of the shard from what is really queued
-- (both ingress streams and the deferred hash), atomically, and answers
-- {tenants, messages, corrected}. Refuses with too_large above max_entries,
-- to keep one call short.
local function usage_recount(keys, args)
  local shard, max_entries = keys[1], tonumber(args[1]) or 100000
  local total = redis.call('HLEN', shard .. K.deferred)
  for _, ch in ipairs({'email', 'sms'}) do
    total = total + redis.call('XLEN', shard .. K.ingress .. ch)
  end
  if total > max_entries then return err('too_large', total .. ' entries') end
  local usage = {}
  local function add(tenant, payload)
    if not tenant then return end
    local u = usage[tenant] or {bytes = 0, msgs = 0}
    u.bytes, u.msgs = u.bytes + charged_bytes(#(payload or '')), u.msgs + 1
    usage[tenant] = u
  end
  for _, ch in ipairs({'email', 'sms'}) do
    for _, e in ipairs(redis.call('XRANGE', shard .. K.ingress .. ch, '-', '+')) do
      local f = {}
      for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
      add(f['tenant'], f['payload'])
    end
  end
  local d = redis.call('HVALS', shard .. K.deferred)
  for _, raw in ipairs(d) do
    local ok, f = pcall(cjson.decode, raw)
    if ok and type(f) == 'table' then add(f['tenant'], f['payload']) end
  end
  local corrected, cursor = 0, '0'
  repeat -- tenants with a usage hash but nothing queued
    local r = redis.call('SCAN', cursor, 'MATCH', shard .. K.usage .. '*', 'COUNT', 1000)
    cursor = r[1]
    for _, k in ipairs(r[2]) do
      local tenant = k:sub(#shard + 8)
      if not usage[tenant] then corrected = corrected + redis.call('DEL', k) end
    end
  until cursor == '0'
  local tenants, messages = 0, 0
  for tenant, u in pairs(usage) do
    local key = usage_key(shard, tenant)
    local have = redis.call('HMGET', key, 'bytes', 'msgs')
    if tonumber(have[1]) ~= u.bytes or tonumber(have[2]) ~= u.msgs then
      corrected = corrected + 1
      redis.call('HSET', key, 'bytes', u.bytes, 'msgs', u.msgs)
    end
    tenants, messages = tenants + 1, messages + u.msgs
  end
  return {tenants, messages, corrected}
end

register_checked('herald_usage_recount', {usage = '[<max_entries>]', fixed = 0,
                                          flags = {'allow-oom'}}, usage_recount)
