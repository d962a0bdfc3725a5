-- ---- guard: loop circuit breakers ------------------------------------------------
-- Three breakers per tenant, each counting offered messages in a window:
--   content    (c) repeats of one content hash      breaker.content.max / .window_ms
--   recipient  (r) messages to one recipient         breaker.recipient.max / .window_ms
--   tenant     (t) the tenant's rate this minute above breaker.rate.factor x its
--                  own trailing baseline (an EWMA over breaker.rate.baseline_min
--                  minutes), and above breaker.rate.floor_per_min
-- A tripped breaker is open for breaker.cooloff_ms (doubling per repeated
-- trip, up to 32x), then half-open for as long again: one message per
-- breaker.halfopen_interval_ms passes, and if the count climbs past the
-- threshold again it re-opens; otherwise it closes (with an event, on the
-- next message within another cool-off). Ops can force one open or reset
-- it (herald_breaker). State: hd:{sN}:brk:<tenant>:<kind>[:<subject>], a
-- hash {until, cool, trips, why, forced, trickle}, kept for three cool-offs.
--
-- hd:{sN}:brks:<tenant> indexes a tenant's breakers: a sorted set of their
-- keys scored by the time each stops mattering (+inf while forced: until
-- its TTL or a reset). One read of it per call
-- tells whether any breaker of the tenant may be open; almost always none
-- is, and then no message of the call reads a breaker.

local BREAKER_NAMES = {c = 'content', r = 'recipient', t = 'tenant'}

local function breaker_key(shard, tenant, kind, subject)
  local k = shard .. K.breaker .. tenant .. ':' .. kind
  if kind ~= 't' then k = k .. ':' .. subject end
  return k
end

local function breaker_index(shard, tenant)
  return shard .. K.breakers .. tenant
end

-- Keeps `key` in the tenant's index until `till`, the index itself at
-- least `ttl_ms`.
local function index_breaker(shard, tenant, key, till, ttl_ms)
  local index = breaker_index(shard, tenant)
  redis.call('ZADD', index, till, key)
  if redis.call('PEXPIRE', index, ttl_ms, 'GT') == 0 then redis.call('PEXPIRE', index, ttl_ms, 'NX') end
end

-- Whether a breaker of the tenant may be open, read once per call.
local function breakers_alive(ctx)
  local t = ctx.t
  if t.breakers_alive == nil then
    t.breakers_alive = redis.call('ZCOUNT', breaker_index(ctx.shard, ctx.tenant), ctx.now, '+inf') > 0
  end
  return t.breakers_alive
end

-- Offered messages per subject in fixed windows: one hash per tenant,
-- kind and window, hd:{sN}:cnt:<kind>:<tenant>:<window number>, a field
-- per subject: HINCRBY on a field costs about a third of creating a key
-- with its own TTL (INFO commandstats), and the hash gets its TTL (two
-- windows) once per call. Returns the subject's new count and its counter
-- ({key}, shared by the call's messages).
local function bump(ctx, kind, subject, window)
  local counters = tenant_table(ctx, 'counters')
  local c = counters[kind]
  if not c then
    c = {key = ctx.shard .. K.counters .. kind .. ':' .. ctx.tenant .. ':' .. math.floor(ctx.now / window)}
    counters[kind] = c
  end
  local n = redis.call('HINCRBY', c.key, subject, 1)
  if not c.bounded then -- now that the hash exists
    redis.call('PEXPIRE', c.key, window * 2, 'NX')
    c.bounded = true
  end
  return n, c
end

-- The tenant's offered count this minute, with an EWMA of past minutes.
-- A storm minute enters the baseline capped at the threshold, so a storm
-- does not raise its own bar. Read once per call into ctx.t.rate, counted
-- there, and written back by the guard's write().
local function tenant_rate(ctx)
  local r = ctx.t.rate
  if not r then
    local key = ctx.shard .. K.rate .. ctx.tenant
    local v = redis.call('HMGET', key, 'minute', 'count', 'ewma')
    r = {key = key, minute = tonumber(v[1]), count = tonumber(v[2]) or 0, ewma = tonumber(v[3]) or 0,
         span = num(ctx, 'breaker.rate.baseline_min')}
    ctx.t.rate = r
  end
  local minute = math.floor(ctx.now / 60000)
  local factor, floor = num(ctx, 'breaker.rate.factor'), num(ctx, 'breaker.rate.floor_per_min')
  if r.minute ~= minute then -- a new minute: fold the last one into the baseline
    if r.minute then
      local alpha = 1 / r.span
      r.ewma = r.ewma * (1 - alpha) + math.min(r.count, math.max(floor, factor * r.ewma)) * alpha
      local gap = math.min(minute - r.minute - 1, 10 * r.span)
      if gap > 0 then r.ewma = r.ewma * (1 - alpha) ^ gap end
    end
    r.minute, r.count, r.renew = minute, 0, true
  end
  r.count = r.count + 1
  return r.count > math.max(floor, factor * r.ewma), r
end

-- The TTL only moves when a minute starts: the key outlives its span.
local function write_rate(r)
  redis.call('HSET', r.key, 'minute', r.minute, 'count', r.count, 'ewma', r.ewma)
  if r.renew then redis.call('PEXPIRE', r.key, r.span * 2 * 60000) end
end

-- Why a breaker trips, in words; built only when one does.
local function why(ctx, g)
  if g.kind == 't' then return 'rate above ' .. num(ctx, 'breaker.rate.factor') .. 'x baseline' end
  if g.kind == 'c' then return g.n .. ' repeats of one message' end
  return g.n .. ' messages to ' .. g.subject
end

local function open_breaker(ctx, g)
  local kind, subject = g.kind, g.subject
  local key = breaker_key(ctx.shard, ctx.tenant, kind, subject)
  local trips = tonumber(redis.call('HGET', key, 'trips') or '0') + 1
  local cool = num(ctx, 'breaker.cooloff_ms') * 2 ^ math.min(trips - 1, 5)
  local till = ctx.now + cool
  local reason = why(ctx, g)
  redis.call('HSET', key, 'until', till, 'cool', cool, 'trips', trips, 'why', reason, 'trickle', 0)
  redis.call('HDEL', key, 'half')
  redis.call('PEXPIRE', key, cool * 3)
  index_breaker(ctx.shard, ctx.tenant, key, till + 2 * cool, cool * 3)
  ctx.t.breakers_alive = true
  -- Half-open judges fresh traffic, not the storm that tripped it.
  if kind == 't' then
    g.counter.count = 0
  else
    redis.call('HDEL', g.counter.key, g.subject)
  end
  emit(ctx, 'breaker.opened', {'breaker', BREAKER_NAMES[kind], 'subject', subject, 'why', reason,
                               'until', till, 'trips', trips})
  local refusal = err('circuit_open', BREAKER_NAMES[kind] .. ' breaker open: ' .. reason,
                      math.ceil(cool / 1000))
  refusal[5] = 'tripped' -- this very request opened it: the producer raises the alert
  return refusal
end

-- Whether one breaker lets this message through; g.over says whether its
-- count is past the threshold now.
local function gate(ctx, g)
  local key = breaker_key(ctx.shard, ctx.tenant, g.kind, g.subject)
  local b = redis.call('HMGET', key, 'until', 'cool', 'why', 'forced', 'trickle', 'half')
  if not b[1] then
    if g.over then return open_breaker(ctx, g) end
    return nil
  end
  local till, cool = tonumber(b[1]), tonumber(b[2])
  local name = BREAKER_NAMES[g.kind]
  if b[4] == '1' or ctx.now < till then
    return err('circuit_open', name .. ' breaker open: ' .. b[3],
               math.max(1, math.ceil((till - ctx.now) / 1000)))
  end
  if ctx.now >= till + cool then -- half-open passed quietly: closed
    redis.call('DEL', key)
    redis.call('ZREM', breaker_index(ctx.shard, ctx.tenant), key)
    emit(ctx, 'breaker.closed', {'breaker', name, 'subject', g.subject})
    if g.over then return open_breaker(ctx, g) end
    return nil
  end
  if g.over then return open_breaker(ctx, g) end
  if not b[6] then
    redis.call('HSET', key, 'half', ctx.now)
    emit(ctx, 'breaker.half_open', {'breaker', name, 'subject', g.subject})
  end
  local interval = num(ctx, 'breaker.halfopen_interval_ms')
  local last = tonumber(b[5]) or 0
  if ctx.now - last >= interval then
    redis.call('HSET', key, 'trickle', ctx.now)
    return nil
  end
  return err('circuit_open', name .. ' breaker half-open: one message per ' .. interval .. ' ms',
             math.max(1, math.ceil((last + interval - ctx.now) / 1000)))
end

-- Counting always; the gates only where a count is over or a breaker of
-- the tenant may be open, and then only those that exist (one EXISTS).
local function gates(ctx, list)
  local any_over = false
  for _, g in ipairs(list) do any_over = any_over or g.over end
  if not any_over then
    if not breakers_alive(ctx) then return nil end
    local keys = {}
    for _, g in ipairs(list) do keys[#keys + 1] = breaker_key(ctx.shard, ctx.tenant, g.kind, g.subject) end
    if redis.call('EXISTS', unpack(keys)) == 0 then return nil end
  end
  for _, g in ipairs(list) do
    local refusal = gate(ctx, g)
    if refusal then return refusal end
  end
  return nil
end

register_guard{
  name = 'breaker',
  check = function(ctx)
    local t_over, rate = tenant_rate(ctx)
    local n, c_counter = bump(ctx, 'c', ctx.hash, num(ctx, 'breaker.content.window_ms'))
    local refusal = gates(ctx, {
      {kind = 't', subject = '', over = t_over, counter = rate},
      {kind = 'c', subject = ctx.hash, over = n > num(ctx, 'breaker.content.max'),
       counter = c_counter, n = n},
    })
    if refusal then return refusal end

    refusal = ctx.with_recipients(ctx)
    if refusal then return refusal end
    local max, window = num(ctx, 'breaker.recipient.max'), num(ctx, 'breaker.recipient.window_ms')
    local list = {}
    for _, rcpt in ipairs(ctx.rcpts) do
      local rn, r_counter = bump(ctx, 'r', rcpt, window)
      list[#list + 1] = {kind = 'r', subject = rcpt, over = rn > max, counter = r_counter, n = rn}
    end
    return gates(ctx, list)
  end,
  write = function(t)
    if t.rate then write_rate(t.rate) end
  end,
}

-- FCALL herald_breaker 1 hd:{sN} <reset|open> <tenant> <c|r|t|*> <subject> <seconds> <now_ms>
-- Ops: reset closes breakers of the tenant (kind '*' = all of them);
-- open forces one open for <seconds> (it stays open until then or a reset).
-- Answers the number of breakers changed.
local function breaker_ops(keys, args)
  local shard, action, tenant, kind, subject = keys[1], args[1], args[2], args[3], args[4]
  local secs, now = tonumber(args[5]) or 3600, tonumber(args[6]) or now_ms()
  local ctx = {shard = shard, tenant = tenant, now = now}
  if action == 'reset' then
    local n = 0
    if kind == '*' then
      -- Every breaker of the tenant is in its index: no scan of the keyspace.
      local index = breaker_index(shard, tenant)
      for _, k in ipairs(redis.call('ZRANGE', index, 0, -1)) do n = n + redis.call('DEL', k) end
      redis.call('DEL', index)
    else
      local key = breaker_key(shard, tenant, kind, subject)
      n = redis.call('DEL', key)
      redis.call('ZREM', breaker_index(shard, tenant), key)
    end
    emit(ctx, 'breaker.reset', {'breaker', kind, 'subject', subject, 'count', n})
    return n
  elseif action == 'open' then
    if not BREAKER_NAMES[kind] then return err('invalid_argument', 'kind must be c, r or t') end
    local key = breaker_key(shard, tenant, kind, subject)
    redis.call('HSET', key, 'until', now + secs * 1000, 'cool', 0, 'trips', 0,
               'why', 'forced open by ops', 'forced', '1')
    redis.call('EXPIRE', key, secs)
    index_breaker(shard, tenant, key, '+inf', secs * 1000)
    emit(ctx, 'breaker.forced', {'breaker', BREAKER_NAMES[kind], 'subject', subject, 'seconds', secs})
    return 1
  end
  return err('invalid_argument', 'action must be reset or open')
end

register_checked('herald_breaker',
                 {usage = '<reset|open> <tenant> <c|r|t|*> [<subject> <seconds> <now_ms>]',
                  fixed = 2}, breaker_ops)
