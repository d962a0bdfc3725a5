-- ---- live rates, read back ---------------------------------------------------------
-- FCALL_RO herald_stats 1 hd:{sN} <now_ms> <window_s> <step_s> <listed|active> <tenant>...
-- `listed`: the state of the tenants given; `active`: of the tenants counted
-- in the window instead (a registry too large to list in one call).
-- One shard's live state, as JSON (ops/rates.cpp merges the shards):
--   series   "<tenant>|<channel>|<outcome>" -> counts per point, oldest first;
--            point i covers the step_s complete seconds from first + i * step_s
--   latency  "<tenant>|<channel>"  -> counts per latency bucket (rates.lua)
--   recent   "<tenant>|<channel>|<outcome>" -> counts of the last 10 complete seconds
--   tenants  <tenant> -> its queue, quota, storage, breakers and pause, now
--   queue    the shard's ready, in-flight, deferred and dead messages
--   pressure the shard's backpressure flag and its reason
-- Reads only; the keys are built here from K, as the guards that write them do.

-- Its helpers are private to it: a block keeps them off the library's
-- top-level locals (Lua allows 200).
do
  local RECENT_S = 10

  local function stats_rates(shard, first, points, step, out)
    local last = first + points * step - 1
    for s = first, last do
      local flat = redis.call('HGETALL', shard .. K.rates .. s)
      local i = math.floor((s - first) / step) + 1
      local recent = s > last - RECENT_S
      for j = 1, #flat, 2 do
        local f, n = flat[j], tonumber(flat[j + 1])
        local who, what = f:match('^(.*|.*)|(.*)$')
        if who then
          local bucket = what:match('^l(%d+)$')
          if bucket then
            local l = out.latency[who]
            if not l then
              l = {}
              for b = 1, #SCHEMA.latency_bounds_ms + 1 do l[b] = 0 end
              out.latency[who] = l
            end
            l[tonumber(bucket)] = l[tonumber(bucket)] + n
          else
            local series = out.series[f]
            if not series then
              series = {}
              for p = 1, points do series[p] = 0 end
              out.series[f] = series
            end
            series[i] = series[i] + n
            if recent then out.recent[f] = (out.recent[f] or 0) + n end
          end
        end
      end
    end
  end

  local function stats_breakers(shard, tenant, now)
    local out = {}
    local prefix = shard .. K.breaker .. tenant .. ':'
    for _, key in ipairs(redis.call('ZRANGE', breaker_index(shard, tenant), 0, -1)) do
      local b = redis.call('HMGET', key, 'until', 'cool', 'forced', 'why', 'trips')
      local till, cool = tonumber(b[1]), tonumber(b[2]) or 0
      if till then
        local state = (b[3] == '1' or now < till) and 'open' or
                      now < till + cool and 'half_open' or nil
        if state then
          local kind = key:sub(#prefix + 1, #prefix + 1)
          out[#out + 1] = {key = key, kind = BREAKER_NAMES[kind] or kind,
                           subject = key:sub(#prefix + 3), state = state,
                           ['until'] = till, why = b[4] or '', trips = tonumber(b[5]) or 0}
        end
      end
    end
    return out
  end

  local function stats_tenant(shard, tenant, now)
    local settings = load_settings(shard, tenant) or {}
    local ctx = {shard = shard, tenant = tenant, now = now, settings = settings, t = {}}
    local usage = redis.call('HMGET', usage_key(shard, tenant), 'bytes', 'msgs')
    local quota = {}
    for _, ch in ipairs({'email', 'sms'}) do
      ctx.ch = ch
      local q = {}
      for _, p in ipairs(quota_periods(ctx)) do
        q[p.name] = {used = tonumber(redis.call('GET', p.key) or '0'), limit = p.limit}
      end
      quota[ch] = q
    end
    return {bytes = tonumber(usage[1]) or 0, messages = tonumber(usage[2]) or 0,
            bytes_limit = num_or_0(ctx, 'storage.max_bytes'),
            messages_limit = num_or_0(ctx, 'storage.max_messages'), quota = quota,
            breakers = stats_breakers(shard, tenant, now),
            paused = num_or_0(ctx, 'send.paused') == 1}
  end

  local function stats_queue(shard)
    local q = {ready = 0, in_flight = 0, deferred = redis.call('ZCARD', shard .. K.retry),
               dead = redis.call('XLEN', shard .. K.dead)}
    for _, ch in ipairs({'email', 'sms'}) do
      local stream = shard .. K.ingress .. ch
      local len = redis.call('XLEN', stream)
      local pending = redis.pcall('XPENDING', stream, SCHEMA.group)
      local held = type(pending) == 'table' and tonumber(pending[1]) or 0
      q.ready = q.ready + len - held
      q.in_flight = q.in_flight + held
    end
    return q
  end

  local function stats(keys, args)
    local shard, now = keys[1], tonumber(args[1])
    local window, step = tonumber(args[2]), tonumber(args[3])
    local points = math.floor(window / step)
    -- Complete seconds only: the current one is still being counted.
    local first = math.floor(now / 1000) - points * step
    local out = {series = {}, latency = {}, recent = {}, tenants = {}, queue = stats_queue(shard)}
    stats_rates(shard, first, points, step, out)
    local tenants = {}
    if args[4] == 'active' then
      for f in pairs(out.series) do tenants[f:match('^([^|]*)|')] = true end
    end
    for i = 5, #args do tenants[args[i]] = true end
    for t in pairs(tenants) do out.tenants[t] = stats_tenant(shard, t, now) end
    local p = redis.call('HMGET', shard .. K.meta, 'pressure_until', 'pressure_reason')
    out.pressure = {on = (tonumber(p[1]) or 0) > now, reason = p[2] or ''}
    out.first_ms = first * 1000
    return {'ok', cjson.encode(out)}
  end

  register_checked('herald_stats', {usage = '<now_ms> <window_s> <step_s> <listed|active> <tenant>...',
                                    fixed = 4,
                                    numbers = {1, 2, 3}, flags = {'no-writes'}}, stats)
end
