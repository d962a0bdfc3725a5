-- ---- worker side ---------------------------------------------------------------
-- FCALL herald_claim 1 hd:{sN} <consumer> <lease_ms> <now_ms> <keep_ms> <stall_ms> (<id> <tenant> <channel> <units> <sender>)...
-- Per message: 'done' (delivered before: ack, don't send), 'busy' (another
-- worker holds the send lease and has not let it lapse), 'wait:<ms>' (a
-- send gate, e.g. a rate limit, says not yet; no lease taken; a gate that
-- names its reason answers 'wait:<ms>:<reason>'), 'ok' (the lease is
-- ours, on the service clock of lease.lua).

local function claim(keys, args)
  local shard, consumer, lease_ms, now = keys[1], args[1], tonumber(args[2]), tonumber(args[3])
  local keep_ms = args[4]
  local served = service_clock(shard, tonumber(args[5]))
  local out, held, settings = {}, {}, {}
  for i = 6, #args, SCHEMA.claim_fields do
    local id = args[i]
    local verdict
    if redis.call('EXISTS', shard .. K.done .. id) == 1 then
      verdict = 'done'
    else
      local lease = lease_key(shard, id)
      if leased_to_other(lease, consumer, served) then
        verdict = 'busy'
      else
        local ctx = {shard = shard, tenant = args[i + 1], ch = args[i + 2],
                     units = tonumber(args[i + 3]) or 1, sender = args[i + 4], now = now,
                     held = held}
        settings[ctx.tenant] = settings[ctx.tenant] or load_settings(shard, ctx.tenant) or {}
        ctx.settings = settings[ctx.tenant]
        local wait, why = 0, nil
        for _, g in ipairs(SEND_GATES) do
          wait, why = g(ctx)
          wait = wait or 0
          if wait > 0 then break end
        end
        if wait > 0 then
          verdict = 'wait:' .. math.ceil(wait) .. (why and (':' .. why) or '')
        else
          lease_write(lease, consumer, served, lease_ms, keep_ms)
          verdict = 'ok'
          if message_events(ctx) then emit(ctx, 'message.leased', {'channel', ctx.ch}, id) end
        end
      end
    end
    out[#out + 1] = verdict
  end
  return out
end

-- FCALL herald_settle 1 hd:{sN} <channel> <group> <now_ms> <done_ttl_s> <dead_max> <consumer> <records>...
-- Records, each four arguments:
--   D <entry> <id> <tenant|bytes|admitted|attempts|d or u|reply>
--                                    delivered (u: unknown outcome, counted delivered):
--                                    marker, ack, delete, release lease
--   A <entry> <id> <tenant|bytes>    ack only (seen delivered before)
--   R <entry> <id> <due_ms|line>     deferred until due_ms after a failed attempt
--   L <entry> <id> <due_ms|reason>   held back by a send gate until due_ms (no attempt used)
--   X <entry> <id> <reason|attempts|detail>  dead-lettered after `attempts` failed attempts
--   U <entry> <id> -                 release the lease only (drain): reclaimed later
-- One call settles a whole batch of one shard in one round trip. Settling
-- twice changes nothing: what has gone is not found again.
--
-- Fenced: a record other than D or A is skipped when another worker holds
-- the message's lease now (ours lapsed and it was claimed): that worker
-- owns the message and its outcome. A delivery is a fact: it is always
-- written and ends the message's lease, whoever holds it (a worker still
-- short of its commit learns it at its next renewal, 'gone', and gives
-- up). Answers {settled, fenced}.

-- A message that will never be sent: to the dead stream, with its reason,
-- its status record saying so, and its event (message.bounced,
-- message.expired or message.dead: always written), in the same call.
local function dead_letter(shard, f, reason, detail, now, dead_max, done_ttl)
  f['reason'] = reason
  f['detail'] = detail
  f['died'] = tostring(now)
  local args = {shard .. K.dead, 'MAXLEN', '~', dead_max, '*'}
  for _, x in ipairs(flatten(f)) do args[#args + 1] = x end
  status_ended(shard, f, redis.call('XADD', unpack(args)), now, done_ttl)
  emit({shard = shard, tenant = f['tenant'] or '', now = now},
       reason == 'bounced' and 'message.bounced' or reason == 'expired' and 'message.expired' or
       'message.dead',
       {'channel', f['channel'] or '', 'attempt', f['attempt'] or '0', 'reason', reason,
        'detail', detail}, f['id'] or '')
end

local function split_once(s)
  local sep = s:find('|', 1, true) or (#s + 1)
  return s:sub(1, sep - 1), s:sub(sep + 1)
end

-- What a settle record did to its message, for the live rates and the
-- per-message events (when the tenant wants those); only a record that
-- removed its entry counts, so a batch settled twice is counted once.
local function report_settled(call, kind, tenant, id, f, head, tail)
  local ctx = call.ctx
  ctx.tenant = tenant
  if kind == 'D' then
    local admitted, rest = split_once(tail)
    local attempts, rest2 = split_once(rest)
    local du, reply = split_once(rest2)
    attempts = tostring((tonumber(attempts) or 0) + 1)  -- the marker keeps the failed ones before
    if du == 'u' then
      RATES.count(call.rates, tenant, call.ch, 'unknown')
      emit(ctx, 'message.unknown', {'channel', call.ch, 'attempt', attempts, 'reply', reply}, id)
      return
    end
    RATES.count(call.rates, tenant, call.ch, 'delivered')
    local delay = call.now - (tonumber(admitted) or call.now)
    RATES.latency(call.rates, tenant, call.ch, delay)
    if call.events_on(tenant) then
      emit(ctx, 'message.delivered', {'channel', call.ch, 'attempt', attempts, 'delay_ms', delay,
                                      'reply', reply}, id)
    end
  elseif kind == 'R' then
    RATES.count(call.rates, tenant, call.ch, 'deferred')
    if call.events_on(tenant) then
      emit(ctx, 'message.deferred', {'channel', call.ch, 'attempt', f['attempt'] or '0',
                                     'next_ms', head, 'reply', tail}, id)
    end
  elseif kind == 'X' then
    RATES.count(call.rates, tenant, call.ch, head == 'bounced' and 'bounced' or 'dead')
  end
end

local function settle_one(call, kind, entry, id, arg)
  local shard, stream = call.shard, call.stream
  local lease = lease_key(shard, id)
  if kind ~= 'D' and kind ~= 'A' then
    local holder = lease_read(lease)
    if holder ~= nil and holder ~= call.consumer then return 0, 1 end
  end
  if kind == 'U' then
    redis.call('DEL', lease)
    return 0, 0
  end
  local head, tail = split_once(arg)
  local tenant, bytes = head, tonumber(tail) or 0
  local f, rest
  if kind == 'D' then
    local count
    count, rest = split_once(tail)
    bytes = tonumber(count) or 0
    redis.call('SET', shard .. K.done .. id, tenant .. '|' .. call.now .. '|' .. rest, 'EX',
               call.done_ttl)
    -- Only a message re-appended (its entry is not the one its id names)
    -- has a status record to delete.
    if id:sub(1, #entry + 1) ~= entry .. '-' then redis.call('DEL', status_key(shard, id)) end
  elseif kind == 'R' or kind == 'L' or kind == 'X' then
    f = entry_fields(stream, entry)
    if f then
      f['id'] = id
      f['channel'] = call.ch
      -- Only what admission charged (it writes `units`) is released.
      tenant, bytes = f['units'] and f['tenant'], #(f['payload'] or '')
      if kind == 'X' then
        local attempts, detail = split_once(tail)
        f['attempt'] = attempts
        dead_letter(shard, f, head, detail, call.now, call.dead_max, call.done_ttl)
      else
        if kind == 'R' then
          f['attempt'] = tostring((tonumber(f['attempt']) or 0) + 1)
          push_history(f, tail)
        end
        redis.call('HSET', shard .. K.deferred, id, cjson.encode(f))
        redis.call('ZADD', shard .. K.retry, head, id)
      end
    end
  end
  redis.call('XACK', stream, call.group, entry)
  local removed = redis.call('XDEL', stream, entry)
  if removed == 1 then
    if kind == 'D' or kind == 'A' or kind == 'X' then left_queue(shard, tenant, bytes) end
    local owner = kind == 'D' and tenant or f and f['tenant']
    if owner then report_settled(call, kind, owner, id, f, head, kind == 'D' and rest or tail) end
  end
  redis.call('DEL', lease)
  return 1, 0
end

local function settle(keys, args)
  local shard, ch = keys[1], args[1]
  local now = tonumber(args[3])
  -- Whether each tenant wants per-message events, read once per call.
  local wants = {}
  local function events_on(tenant)
    if wants[tenant] == nil then
      wants[tenant] = message_events({settings = load_settings(shard, tenant) or {}})
    end
    return wants[tenant]
  end
  local call = {shard = shard, ch = ch, group = args[2], now = now, done_ttl = args[4],
                dead_max = args[5], consumer = args[6], stream = shard .. K.ingress .. ch,
                rates = {}, ctx = {shard = shard, now = now}, events_on = events_on}
  local settled, fenced = 0, 0
  for i = 7, #args, SCHEMA.settle_fields do
    local s, f = settle_one(call, args[i], args[i + 1], args[i + 2], args[i + 3])
    settled, fenced = settled + s, fenced + f
  end
  RATES.write(shard, now, call.rates)
  return {settled, fenced}
end

-- FCALL herald_promote 1 hd:{sN} <now_ms> <limit> <dead_max> <stall_ms> <done_ttl_s>
-- Moves deferred messages that are due back into their ingress stream
-- (their status record follows them), or to the dead-letter stream if
-- they expired while waiting. Answers
-- {moved, expired, next_due_ms or -1}. Every worker calls it on every
-- shard several times per renew interval: it is the service clock's tick.

local function promote(keys, args)
  local shard, now, limit, dead_max = keys[1], tonumber(args[1]), args[2], args[3]
  service_clock(shard, tonumber(args[4]))
  local done_ttl = args[5]
  local due = redis.call('ZRANGEBYSCORE', shard .. K.retry, '-inf', now, 'LIMIT', 0, limit)
  local moved, expired, rates = 0, 0, {}
  for _, id in ipairs(due) do
    local raw = redis.call('HGET', shard .. K.deferred, id)
    local ok, f = pcall(cjson.decode, raw or '')
    if not ok or type(f) ~= 'table' then
      f = {id = id}
      dead_letter(shard, f, 'malformed', 'deferred record unreadable', now, dead_max, done_ttl)
      expired = expired + 1
    elseif tonumber(f['expires'] or 0) <= now then
      dead_letter(shard, f, 'expired', 'max age reached while deferred', now, dead_max, done_ttl)
      left_queue(shard, f['units'] and f['tenant'], #(f['payload'] or ''))
      if f['tenant'] and f['channel'] then RATES.count(rates, f['tenant'], f['channel'], 'dead') end
      expired = expired + 1
    else
      local ch = f['channel']
      f['channel'] = nil
      local xargs = {shard .. K.ingress .. ch, '*'}
      for _, x in ipairs(flatten(f)) do xargs[#xargs + 1] = x end
      status_moved(shard, f, redis.call('XADD', unpack(xargs)), now)
      moved = moved + 1
    end
    redis.call('HDEL', shard .. K.deferred, id)
    redis.call('ZREM', shard .. K.retry, id)
  end
  RATES.write(shard, now, rates)
  local nxt = redis.call('ZRANGE', shard .. K.retry, 0, 0, 'WITHSCORES')
  return {moved, expired, nxt[2] and tonumber(nxt[2]) or -1}
end

register_checked('herald_claim',
                 {usage = '<consumer> <lease_ms> <now_ms> <keep_ms> <stall_ms> (' ..
                          SCHEMA.claim_fields .. ' fields per message)...',
                  fixed = 5, item = SCHEMA.claim_fields, numbers = {2, 3, 4, 5},
                  flags = {'allow-oom'}}, claim)
register_checked('herald_settle',
                 {usage = '<channel> <group> <now_ms> <done_ttl_s> <dead_max> <consumer> (' ..
                          SCHEMA.settle_fields .. ' fields per record)...',
                  fixed = 6, item = SCHEMA.settle_fields, numbers = {3, 4, 5},
                  flags = {'allow-oom'}}, settle)
register_checked('herald_promote',
                 {usage = '<now_ms> <limit> <dead_max> <stall_ms> <done_ttl_s>', fixed = 5,
                  numbers = {1, 2, 3, 4, 5}, flags = {'allow-oom'}}, promote)

-- FCALL herald_forget_consumers 1 hd:{sN}:in:<channel> | hd:{sN}:events <group> <name> <min_idle_ms> <except>
-- Removes the group's consumers that hold no pending entries, in the same
-- call as the check (a consumer's pending entries would be lost with it):
-- `name` alone when given, else every consumer but `except` idle for at
-- least min_idle_ms. Answers the names removed.
local function forget_consumers(keys, args)
  local stream, group, name, min_idle, except = keys[1], args[1], args[2], tonumber(args[3]), args[4]
  local list = redis.pcall('XINFO', 'CONSUMERS', stream, group)
  if type(list) ~= 'table' or list.err then return {} end -- no stream or group yet
  local removed = {}
  for _, c in ipairs(list) do
    local f = {}
    for i = 1, #c, 2 do f[c[i]] = c[i + 1] end
    local chosen = name ~= '' and f.name == name or
                   name == '' and f.name ~= except and (tonumber(f.idle) or 0) >= min_idle
    if chosen and tonumber(f.pending) == 0 then
      redis.call('XGROUP', 'DELCONSUMER', stream, group, f.name)
      removed[#removed + 1] = f.name
    end
  end
  return removed
end

register_checked('herald_forget_consumers',
                 {usage = '<group> <name | ""> <min_idle_ms> <except>', fixed = 4, numbers = {3},
                  -- the ingress streams' group, and the events stream's (ops/ webhooks)
                  key = '^hd:{s%d+}:[%a:]+$', key_text = 'hd:{sN}:in:<channel> | hd:{sN}:events',
                  flags = {'allow-oom'}}, forget_consumers)
