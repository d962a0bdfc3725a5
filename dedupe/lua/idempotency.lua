-- ---- guard: idempotency keys -------------------------------------------------
-- hd:{sN}:idem:<tenant>:<key> = "d|<sha1 of payload>|<status>|<id>" once
-- answered, or "p|<sha1>|<token>" while a multi-step request holds a
-- reservation (herald_idem_reserve). TTL: idempotency.ttl_ms.
--   same key, same payload, answered  -> the original answer, marked replay
--   same key, other payload           -> 422 idempotency_key_reused
--   same key, reserved by another     -> 409 idempotency_in_flight + Retry-After

local function idem_key(shard, tenant, key)
  return shard .. K.idempotency .. tenant .. ':' .. key
end

local function valid_idem(key)
  return key and #key >= 1 and #key <= 200 and key:match('^[%w%p]+$')
end

local function split(s)
  local out = {}
  for part in (s .. '|'):gmatch('([^|]*)|') do out[#out + 1] = part end
  return out
end

register_guard{
  name = 'idempotency',
  check = function(ctx)
    local key = ctx.opt.idem
    if not key then return nil end
    if not valid_idem(key) then
      return err('invalid_argument', 'idempotency key must be 1-200 printable characters')
    end
    ctx.idem_key = idem_key(ctx.shard, ctx.tenant, key)
    ctx.body_sha = redis.sha1hex(ctx.payload)
    local v = redis.call('GET', ctx.idem_key)
    if not v then return nil end
    local f = split(v)
    if f[2] ~= ctx.body_sha then
      return err('idempotency_key_reused', 'idempotency key ' .. key .. ' was used for another message')
    end
    if f[1] == 'p' then
      if ctx.opt.idem_token == f[3] then return nil end -- our own reservation
      local ttl = redis.call('PTTL', ctx.idem_key)
      return err('idempotency_in_flight', 'a request with idempotency key ' .. key .. ' is in flight',
                 math.max(1, math.ceil(ttl / 1000)))
    end
    return {f[3], f[4], 'replay'}
  end,
  record = function(ctx, answer)
    if not ctx.idem_key then return end
    redis.call('SET', ctx.idem_key, 'd|' .. ctx.body_sha .. '|' .. answer[1] .. '|' .. answer[2],
               'PX', num(ctx, 'idempotency.ttl_ms'))
  end,
}

-- FCALL herald_idem_reserve 1 hd:{sN} <tenant> <key> <payload-sha1> <token> <ttl_ms>
-- Holds a key for a request that needs several steps (a batch spanning
-- calls); admission with the same key and token then completes it.
-- Answers {"ok"} or the refusal the key's state calls for.
local function idem_reserve(keys, args)
  local shard, tenant, key, sha, token, ttl = keys[1], args[1], args[2], args[3], args[4], args[5]
  if not valid_idem(key) then return err('invalid_argument', 'bad idempotency key') end
  local k = idem_key(shard, tenant, key)
  if redis.call('SET', k, 'p|' .. sha .. '|' .. token, 'NX', 'PX', ttl) then return {'ok'} end
  local f = split(redis.call('GET', k) or '')
  if f[2] ~= sha then return err('idempotency_key_reused', 'key used for another message') end
  if f[1] == 'p' and f[3] ~= token then
    return err('idempotency_in_flight', 'key reserved by another request',
               math.max(1, math.ceil(redis.call('PTTL', k) / 1000)))
  end
  return {'ok'}
end

register_checked('herald_idem_reserve', {usage = '<tenant> <key> <sha> <token> <ttl_ms>', fixed = 5,
                                         numbers = {5}}, idem_reserve)
