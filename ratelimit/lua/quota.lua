-- ---- guard: volume quotas ------------------------------------------------------------
-- Per tenant and channel, per UTC day and month: quota.<channel>.day and
-- quota.<channel>.month (0 = none, and nothing counted). Charged when a message is accepted
-- (a dedupe repeat is not charged), SMS in segments. Over quota: 429
-- quota_exceeded with the time of the reset. Events at 80 % and 100 %.
-- Counters: hd:{sN}:quota:<tenant>:<channel>:d<days> / :m<YYYYMM>, with a
-- TTL past their period.

-- The day's and the month's counter keys, limits and reset times; once
-- per tenant, channel and call, and nothing when the tenant has no quota.
local function quota_periods(ctx)
  local all = tenant_table(ctx, 'quota_periods')
  local periods = all[ctx.ch]
  if periods then return periods end
  periods = {}
  all[ctx.ch] = periods
  local day_limit = num_or_0(ctx, 'quota.' .. ctx.ch .. '.day')
  local month_limit = num_or_0(ctx, 'quota.' .. ctx.ch .. '.month')
  if day_limit <= 0 and month_limit <= 0 then return periods end
  local day = math.floor(ctx.now / 86400000)
  local y, m = civil(day)
  local next_month = days_from_civil(m == 12 and y + 1 or y, m == 12 and 1 or m + 1, 1)
  local base = ctx.shard .. K.quota .. ctx.tenant .. ':' .. ctx.ch
  if day_limit > 0 then
    periods[#periods + 1] = {name = 'day', key = base .. ':d' .. day, limit = day_limit,
                             reset = (day + 1) * 86400000}
  end
  if month_limit > 0 then
    periods[#periods + 1] = {name = 'month', key = base .. ':m' .. string.format('%04d%02d', y, m),
                             limit = month_limit, reset = next_month * 86400000}
  end
  return periods
end

-- A period's use: read once per call into ctx.t.quota, charged there,
-- written back by write().
local function quota_use(ctx, p)
  local q = tenant_table(ctx, 'quota')
  local u = q[p.key]
  if not u then
    u = {used = tonumber(redis.call('GET', p.key) or '0'), charged = 0, ttl = p.reset - ctx.now + 86400000}
    q[p.key] = u
  end
  return u
end

register_guard{
  name = 'quota',
  check = function(ctx)
    for _, p in ipairs(quota_periods(ctx)) do
      local u = quota_use(ctx, p)
      if u.used + message_units(ctx) > p.limit then
        return err('quota_exceeded', ctx.ch .. ' ' .. p.name .. ' quota of ' .. p.limit ..
                   ' used up; resets at ' .. p.reset .. ' ms',
                   math.max(1, math.ceil((p.reset - ctx.now) / 1000)))
      end
    end
    return nil
  end,
  record = function(ctx, answer)
    if answer[1] ~= 'ok' then return end
    for _, p in ipairs(quota_periods(ctx)) do
      local units = message_units(ctx)
      local u = quota_use(ctx, p)
      u.used, u.charged = u.used + units, u.charged + units
      for _, pct in ipairs({80, 100}) do
        local mark = p.limit * pct / 100
        if u.used - units < mark and u.used >= mark then
          emit(ctx, pct < 100 and 'quota.warning' or 'quota.exhausted', {'channel', ctx.ch, 'period', p.name, 'percent', pct,
                                      'used', u.used, 'limit', p.limit})
        end
      end
    end
  end,
  write = function(t)
    for key, u in pairs(t.quota or {}) do
      if u.charged > 0 and redis.call('INCRBY', key, u.charged) == u.charged then
        -- Relative, so a producer clock off from Redis' cannot expire it early.
        redis.call('PEXPIRE', key, u.ttl)
      end
    end
  end,
}
