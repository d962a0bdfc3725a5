-- ---- suppressions ---------------------------------------------------------------------
-- A suppressed recipient of a tenant is hd:{sN}:supp:<tenant>:<address> =
-- "<created ms>|<reason>", EX its TTL (the smtp transport checks these
-- before every send), listed in the tenant's index hd:{sN}:supps:<tenant>
-- (zset: address -> expiry ms). Both are written in one call, the index is
-- pruned of what has expired on every call, capped at <cap> members, and
-- expires with its last member. Addresses are normalised as every door
-- does (address.lua). <now_ms> "" is Redis' clock (tests give their own).

local function supp_key(shard, tenant, r) return shard .. K.suppression .. tenant .. ':' .. r end
local function supp_index(shard, tenant) return shard .. K.suppressions .. tenant end

local function supp_pruned(shard, tenant, now)
  local index = supp_index(shard, tenant)
  redis.call('ZREMRANGEBYSCORE', index, '-inf', now)
  return index
end

-- The index lives as long as its longest-lived member.
local function supp_index_ttl(index, now)
  local last = redis.call('ZRANGE', index, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIRE', index, math.max(1, tonumber(last[2]) - now)) end
end

-- FCALL herald_suppress 1 hd:{sN} <now_ms> <ttl_s> <cap> <tenant> <reason> <address>...
-- Answers {'ok', addresses} or {'err', 'suppression_limit', ...} when the
-- new addresses would take the tenant past <cap> (then nothing is written).
local function suppress(keys, args)
  local shard, now, ttl_ms, cap = keys[1], tonumber(args[1]) or now_ms(),
      tonumber(args[2]) * 1000, tonumber(args[3])
  local tenant, reason = args[4], args[5]
  local index = supp_pruned(shard, tenant, now)
  local rcpts, seen, new = {}, {}, 0
  for i = 6, #args do
    local r = normalize_address(args[i])
    if r ~= '' and not seen[r] then
      seen[r] = true
      rcpts[#rcpts + 1] = r
      if not redis.call('ZSCORE', index, r) then new = new + 1 end
    end
  end
  local have = redis.call('ZCARD', index)
  if have + new > cap then
    return err('suppression_limit', tenant .. ' has ' .. have .. ' suppressed recipients, limit '
               .. cap .. ': remove some first')
  end
  local ctx = {shard = shard, tenant = tenant, now = now}
  for _, r in ipairs(rcpts) do
    redis.call('SET', supp_key(shard, tenant, r), now .. '|' .. reason, 'PX', ttl_ms)
    redis.call('ZADD', index, now + ttl_ms, r)
    emit(ctx, 'recipient.suppressed', {'recipient', r, 'reason', reason})
  end
  supp_index_ttl(index, now)
  return {'ok', #rcpts}
end

-- FCALL herald_unsuppress 1 hd:{sN} <now_ms> <tenant> <address>
-- Answers 1 when the address was suppressed, else 0.
local function unsuppress(keys, args)
  local shard, now, tenant = keys[1], tonumber(args[1]) or now_ms(), args[2]
  local r = normalize_address(args[3])
  local index = supp_pruned(shard, tenant, now)
  redis.call('ZREM', index, r)
  return redis.call('DEL', supp_key(shard, tenant, r))
end

-- FCALL herald_suppressions 1 hd:{sN} <now_ms> <tenant> <cursor> <limit>
-- The tenant's suppressions, soonest to expire first, from after <cursor>
-- ("<expiry>|<address>" of the last one a page gave; "" first). Answers
-- {next cursor or "", (address reason created expires)...}.
local function suppressions(keys, args)
  local shard, now, tenant, cursor, limit = keys[1], tonumber(args[1]) or now_ms(), args[2],
      args[3], tonumber(args[4])
  local index = supp_pruned(shard, tenant, now)
  local out, last = {''}, nil
  local function take(r, expires)
    local v = redis.call('GET', supp_key(shard, tenant, r))
    last = expires .. '|' .. r
    if not v then -- deleted behind the index's back: forget it too
      redis.call('ZREM', index, r)
      return
    end
    local created, reason = split_once(v)
    for _, x in ipairs({r, reason, created, expires}) do out[#out + 1] = x end
  end
  local from = '-inf'
  local after = cursor ~= '' and split_fields(cursor, 2)
  if cursor ~= '' and not (after and tonumber(after[1])) then
    return err('invalid_argument', 'cursor must be one a page gave')
  end
  if after then
    -- Members of one expiry come in address order: go on after the cursor's.
    local same = redis.call('ZRANGEBYSCORE', index, after[1], after[1])
    for _, r in ipairs(same) do
      if (#out - 1) / 4 == limit then break end
      if r > after[2] then take(r, after[1]) end
    end
    from = '(' .. after[1]
  end
  local want = limit - (#out - 1) / 4
  if want > 0 then
    local rest = redis.call('ZRANGEBYSCORE', index, from, '+inf', 'WITHSCORES', 'LIMIT', 0, want)
    for i = 1, #rest, 2 do take(rest[i], rest[i + 1]) end
  end
  if (#out - 1) / 4 == limit and last then out[1] = last end
  return out
end

register_checked('herald_suppress',
                 {usage = '<now_ms> <ttl_s> <cap> <tenant> <reason> <address>...', fixed = 6,
                  numbers = {2, 3}}, suppress)
register_checked('herald_unsuppress', {usage = '<now_ms> <tenant> <address>', fixed = 3,
                                       flags = {'allow-oom'}}, unsuppress)
register_checked('herald_suppressions', {usage = '<now_ms> <tenant> <cursor> <limit>', fixed = 4,
                                         numbers = {4}, flags = {'allow-oom'}}, suppressions)
