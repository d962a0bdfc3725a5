-- ---- guard: volume quotas ------------------------------------------------------------
-- Per tenant and channel, per UTC day and month: quota.<channel>.day and
-- quota.<channel>.month (0 = none, and nothing counted). Charged when a message is accepted
-- (a dedupe repeat is not charged), SMS in segments. Over quota: 429
-- quota_exceeded with the time of the reset. Events at 80 % and 100 %.
-- Counters: hd:{sN}:quota:<tenant>:<channel>:d<days> / :m<YYYYMM>, with a
-- TTL past their period.

-- The day's and the month's counter keys, limits and reset times.
local function quota_periods(ctx)
  local day = math.floor(ctx.now / 86400000)
  local y, m = civil(day)
  local next_month = days_from_civil(m == 12 and y + 1 or y, m == 12 and 1 or m + 1, 1)
  local base = ctx.shard .. ':quota:' .. ctx.tenant .. ':' .. ctx.ch
  return {
    {name = 'day', key = base .. ':d' .. day, limit = tonumber(ctx.settings['quota.' .. ctx.ch .. '.day']) or 0,
     reset = (day + 1) * 86400000},
    {name = 'month', key = base .. ':m' .. string.format('%04d%02d', y, m),
     limit = tonumber(ctx.settings['quota.' .. ctx.ch .. '.month']) or 0,
     reset = next_month * 86400000},
  }
end

register_guard{
  name = 'quota',
  check = function(ctx)
    for _, p in ipairs(quota_periods(ctx)) do
      if p.limit > 0 then
        local used = tonumber(redis.call('GET', p.key) or '0')
        local units = message_units(ctx)
        if used + units > p.limit then
          return err('quota_exceeded', ctx.ch .. ' ' .. p.name .. ' quota of ' .. p.limit ..
                     ' used up; resets at ' .. p.reset .. ' ms',
                     math.max(1, math.ceil((p.reset - ctx.now) / 1000)))
        end
      end
    end
    return nil
  end,
  record = function(ctx, answer)
    if answer[1] ~= 'ok' then return end
    local units = message_units(ctx)
    for _, p in ipairs(quota_periods(ctx)) do
      if p.limit > 0 then
        local used = redis.call('INCRBY', p.key, units)
        -- Relative, so a producer clock off from Redis' cannot expire it early.
        if used == units then redis.call('PEXPIRE', p.key, p.reset - ctx.now + 86400000) end
        for _, pct in ipairs({80, 100}) do
          local mark = p.limit * pct / 100
          if used - units < mark and used >= mark then
            emit(ctx, 'quota.warning', {'channel', ctx.ch, 'period', p.name, 'percent', pct,
                                        'used', used, 'limit', p.limit})
          end
        end
      end
    end
  end,
}
