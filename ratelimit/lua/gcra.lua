-- ---- rate limits: GCRA --------------------------------------------------------------
-- The generic cell rate algorithm with redis-cell's CL.THROTTLE semantics:
-- `count` per `period_ms`, bursts of up to `burst` beyond the steady rate.
-- The key holds the theoretical arrival time (TAT, in microseconds) and
-- expires when it is in the past, so an idle limiter costs nothing.
-- A limited request consumes nothing and learns exactly when it may pass.

local function gcra(key, now_ms, count, period_ms, burst, quantity)
  local now = now_ms * 1000
  local emission = period_ms * 1000 / count
  local tolerance = emission * (burst + 1)
  local increment = emission * quantity
  local tat = tonumber(redis.call('GET', key)) or now
  if tat < now then tat = now end
  local new_tat = tat + increment
  local diff = now - (new_tat - tolerance)
  if diff < 0 then
    local retry_ms = increment <= tolerance and math.ceil(-diff / 1000) or -1
    return false, retry_ms, 0, math.ceil((tat - now) / 1000)
  end
  local ttl_ms = math.max(1, math.ceil((new_tat - now) / 1000))
  redis.call('SET', key, string.format('%.0f', new_tat), 'PX', ttl_ms)
  return true, 0, math.floor(diff / emission), ttl_ms
end

-- FCALL herald_throttle 1 <key> <now_ms> <count> <period_ms> <burst> <quantity>
-- CL.THROTTLE's answer: {limited 0|1, limit, remaining, retry_after_ms
-- (-1: never), reset_after_ms}. The key needs its own hash tag; herald uses
-- hd:{d:<domain>}:rl for destination domains, whose limit a hash
-- hd:{d:<domain>}:limit {per_sec, burst} may override (herald limits domain,
-- which also lists the domain in hd:{d}:limited for the workers).
local function throttle(keys, args)
  local key, now, count, period, burst, quantity = keys[1], tonumber(args[1]), tonumber(args[2]),
      tonumber(args[3]), tonumber(args[4]), tonumber(args[5]) or 1
  local own = redis.call('HMGET', key:gsub(':rl$', ':limit'), 'per_sec', 'burst')
  if own[1] then count, period, burst = tonumber(own[1]), 1000, tonumber(own[2]) or 0 end
  if not (now and count and period and burst) or count <= 0 then
    return {0, -1, -1, 0, 0} -- no limit configured
  end
  local ok, retry, remaining, reset = gcra(key, now, count, period, burst, quantity)
  return {ok and 0 or 1, burst + 1, remaining, retry, reset}
end

register_checked('herald_throttle',
                 {usage = '<now_ms> <count> <period_ms> <burst> [<quantity>]', fixed = 4,
                  numbers = {1}, key = '^hd:{[^}]+}:rl', key_text = '<limiter key>'}, throttle)

-- Send gates: per tenant and channel (rate.<channel>.per_sec / .burst) and,
-- for SMS, per sender number in segments (rate.sms_sender.per_sec / .burst).
-- 0 per second means no limit.
local function tenant_gate(ctx, name, subject, units)
  local per_sec = num_or_0(ctx, 'rate.' .. name .. '.per_sec')
  if per_sec <= 0 then return nil end
  local burst = num_or_0(ctx, 'rate.' .. name .. '.burst')
  local key = ctx.shard .. K.limiter .. ctx.tenant .. ':' .. subject
  local ok, retry = gcra(key, ctx.now, per_sec, 1000, burst, units)
  if ok then return nil end
  if retry < 0 then return 60000 end
  -- Messages held back in one call queue up behind each other instead of
  -- all coming back at the same instant to compete for one slot.
  local ahead = ctx.held[key] or 0
  ctx.held[key] = ahead + units
  return math.max(1, retry + math.ceil(ahead * 1000 / per_sec))
end

register_send_gate(function(ctx)
  return tenant_gate(ctx, ctx.ch, ctx.ch, 1)
end)

register_send_gate(function(ctx)
  if ctx.ch ~= 'sms' or not ctx.sender or ctx.sender == '' then return nil end
  return tenant_gate(ctx, 'sms_sender', 'sender:' .. ctx.sender, ctx.units)
end)
