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
-- threshold again it re-opens; otherwise it closes. Ops can force one open
-- or reset it (herald_breaker). State: hd:{sN}:brk:<tenant>:<kind>[:<subject>],
-- a hash {until, cool, trips, why, forced, trickle}, with a TTL of its open
-- plus half-open time.

local BREAKER_NAMES = {c = 'content', r = 'recipient', t = 'tenant'}

local function breaker_key(shard, tenant, kind, subject)
  local k = shard .. ':brk:' .. tenant .. ':' .. kind
  if kind ~= 't' then k = k .. ':' .. subject end
  return k
end

-- A fixed-window counter of offered messages; returns the new count.
local function bump(ctx, kind, subject, window)
  local key = ctx.shard .. ':cnt:' .. kind .. ':' .. ctx.tenant .. ':' .. subject .. ':' ..
              math.floor(ctx.now / window)
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, window * 2) end
  return n, key
end

-- The tenant's offered count this minute, with an EWMA of past minutes.
-- A storm minute enters the baseline capped at the threshold, so a storm
-- does not raise its own bar.
local function tenant_rate(ctx)
  local key = ctx.shard .. ':rate:' .. ctx.tenant
  local minute = math.floor(ctx.now / 60000)
  local span = num(ctx, 'breaker.rate.baseline_min')
  local factor, floor = num(ctx, 'breaker.rate.factor'), num(ctx, 'breaker.rate.floor_per_min')
  local r = redis.call('HMGET', key, 'minute', 'count', 'ewma')
  local m, c, e = tonumber(r[1]), tonumber(r[2]) or 0, tonumber(r[3]) or 0
  if m == minute then
    c = redis.call('HINCRBY', key, 'count', 1)
  else -- a new minute: fold the last one into the baseline
    if m then
      local alpha = 1 / span
      e = e * (1 - alpha) + math.min(c, math.max(floor, factor * e)) * alpha
      local gap = math.min(minute - m - 1, 10 * span)
      if gap > 0 then e = e * (1 - alpha) ^ gap end
    end
    c = 1
    redis.call('HSET', key, 'minute', minute, 'count', c, 'ewma', e)
    redis.call('PEXPIRE', key, span * 2 * 60000)
  end
  return c > math.max(floor, factor * e), key
end

local function open_breaker(ctx, kind, subject, why, counter)
  local key = breaker_key(ctx.shard, ctx.tenant, kind, subject)
  local trips = tonumber(redis.call('HGET', key, 'trips') or '0') + 1
  local cool = num(ctx, 'breaker.cooloff_ms') * 2 ^ math.min(trips - 1, 5)
  local till = ctx.now + cool
  redis.call('HSET', key, 'until', till, 'cool', cool, 'trips', trips, 'why', why, 'trickle', 0)
  redis.call('PEXPIRE', key, cool * 2)
  -- Half-open judges fresh traffic, not the storm that tripped it.
  if kind == 't' then
    redis.call('HSET', counter, 'count', 0)
  else
    redis.call('DEL', counter)
  end
  emit(ctx, 'breaker.opened', {'breaker', BREAKER_NAMES[kind], 'subject', subject, 'why', why,
                               'until', till, 'trips', trips})
  local refusal = err('circuit_open', BREAKER_NAMES[kind] .. ' breaker open: ' .. why,
                      math.ceil(cool / 1000))
  refusal[5] = 'tripped' -- this very request opened it: the producer raises the alert
  return refusal
end

-- Whether one breaker lets this message through; `over` says whether its
-- count is past the threshold now.
local function gate(ctx, kind, subject, over, why, counter)
  local key = breaker_key(ctx.shard, ctx.tenant, kind, subject)
  local b = redis.call('HMGET', key, 'until', 'cool', 'why', 'forced', 'trickle')
  if not b[1] then
    if over then return open_breaker(ctx, kind, subject, why, counter) end
    return nil
  end
  local till, cool = tonumber(b[1]), tonumber(b[2])
  local name = BREAKER_NAMES[kind]
  if b[4] == '1' or ctx.now < till then
    return err('circuit_open', name .. ' breaker open: ' .. b[3],
               math.max(1, math.ceil((till - ctx.now) / 1000)))
  end
  if ctx.now >= till + cool then -- half-open passed quietly: closed
    redis.call('DEL', key)
    emit(ctx, 'breaker.closed', {'breaker', name, 'subject', subject})
    if over then return open_breaker(ctx, kind, subject, why, counter) end
    return nil
  end
  if over then return open_breaker(ctx, kind, subject, why, counter) end
  local interval = num(ctx, 'breaker.halfopen_interval_ms')
  local last = tonumber(b[5]) or 0
  if ctx.now - last >= interval then
    redis.call('HSET', key, 'trickle', ctx.now)
    return nil
  end
  return err('circuit_open', name .. ' breaker half-open: one message per ' .. interval .. ' ms',
             math.max(1, math.ceil((last + interval - ctx.now) / 1000)))
end

-- Counting always; the gates only where a breaker exists or a count is
-- over (one EXISTS tells), since almost every message meets closed ones.
local function gates(ctx, list)
  local keys, any_over = {}, false
  for _, g in ipairs(list) do
    keys[#keys + 1] = breaker_key(ctx.shard, ctx.tenant, g.kind, g.subject)
    any_over = any_over or g.over
  end
  if not any_over and redis.call('EXISTS', unpack(keys)) == 0 then return nil end
  for _, g in ipairs(list) do
    local refusal = gate(ctx, g.kind, g.subject, g.over, g.why, g.counter)
    if refusal then return refusal end
  end
  return nil
end

register_guard{
  name = 'breaker',
  check = function(ctx)
    local t_over, t_counter = tenant_rate(ctx)
    local max, window = num(ctx, 'breaker.content.max'), num(ctx, 'breaker.content.window_ms')
    local n, c_counter = bump(ctx, 'c', ctx.hash, window)
    local refusal = gates(ctx, {
      {kind = 't', subject = '', over = t_over, counter = t_counter,
       why = 'rate above ' .. num(ctx, 'breaker.rate.factor') .. 'x baseline'},
      {kind = 'c', subject = ctx.hash, over = n > max, counter = c_counter,
       why = n .. ' repeats of one message'},
    })
    if refusal then return refusal end

    refusal = ctx.decoded(ctx) -- recipients are inside the payload
    if refusal then return refusal end
    max, window = num(ctx, 'breaker.recipient.max'), num(ctx, 'breaker.recipient.window_ms')
    local list = {}
    for _, rcpt in ipairs(ctx.rcpts) do
      local rn, r_counter = bump(ctx, 'r', rcpt, window)
      list[#list + 1] = {kind = 'r', subject = rcpt, over = rn > max, counter = r_counter,
                         why = rn .. ' messages to ' .. rcpt}
    end
    return gates(ctx, list)
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
      local cursor = '0'
      repeat
        local r = redis.call('SCAN', cursor, 'MATCH', shard .. ':brk:' .. tenant .. ':*', 'COUNT', 1000)
        cursor = r[1]
        for _, k in ipairs(r[2]) do n = n + redis.call('DEL', k) end
      until cursor == '0'
    else
      n = redis.call('DEL', breaker_key(shard, tenant, kind, subject))
    end
    emit(ctx, 'breaker.reset', {'breaker', kind, 'subject', subject, 'count', n})
    return n
  elseif action == 'open' then
    if not BREAKER_NAMES[kind] then return err('invalid_argument', 'kind must be c, r or t') end
    local key = breaker_key(shard, tenant, kind, subject)
    redis.call('HSET', key, 'until', now + secs * 1000, 'cool', 0, 'trips', 0,
               'why', 'forced open by ops', 'forced', '1')
    redis.call('EXPIRE', key, secs)
    emit(ctx, 'breaker.forced', {'breaker', BREAKER_NAMES[kind], 'subject', subject, 'seconds', secs})
    return 1
  end
  return err('invalid_argument', 'action must be reset or open')
end

redis.register_function('herald_breaker', breaker_ops)
