-- ---- live rates ----------------------------------------------------------------
-- Per shard and second, hd:{sN}:rates:<unix s> counts what happened to each
-- tenant's messages: "<tenant>|<channel>|<outcome>" (accepted, duplicate,
-- refused, delivered, deferred, bounced, unknown, dead) and, for delivered
-- ones, "<tenant>|<channel>|l<i>": how many took at most
-- SCHEMA.latency_bounds_ms[i] from admission (one more bucket: longer).
-- The calls that decide an outcome (admission, settle, promote) count into
-- a table of their own and write it once at their end: one HINCRBY per
-- tenant × channel × outcome of the call, not one per message. The key
-- lives SCHEMA.rates_keep_s; ops/rates.cpp reads the seconds back.

local RATES = {}

function RATES.count(rates, tenant, ch, what)
  local f = tenant .. '|' .. ch .. '|' .. what
  rates[f] = (rates[f] or 0) + 1
end

function RATES.latency(rates, tenant, ch, ms)
  local bounds = SCHEMA.latency_bounds_ms
  local i = #bounds + 1
  for j, b in ipairs(bounds) do
    if ms <= b then
      i = j
      break
    end
  end
  RATES.count(rates, tenant, ch, 'l' .. i)
end

function RATES.write(shard, now, rates)
  if next(rates) == nil then return end
  local key = shard .. K.rates .. math.floor(now / 1000)
  for f, n in pairs(rates) do redis.call('HINCRBY', key, f, n) end
  redis.call('EXPIRE', key, SCHEMA.rates_keep_s, 'NX')
end
