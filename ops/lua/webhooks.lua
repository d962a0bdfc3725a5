-- ---- webhooks (ops/webhook_store.hpp) -----------------------------------------------
-- A tenant's endpoints, each endpoint's bounded queue of pending batches,
-- the shard's index of endpoints by when they may be claimed, and the
-- tenant's bounded dead letters. Every change that moves a batch is one
-- call, so a crash never leaves a batch in two places or in none; the
-- dispatcher acknowledges the events it batched in the call that stores
-- the batches.
--
-- One request in flight per endpoint, across every process: claiming a
-- batch takes the endpoint's lease (whl, PX) and moves the endpoint's
-- due time past the lease; settling releases it. A sender that dies keeps
-- the endpoint until the lease lapses, then its batch is claimed again.
--
-- A batch in whb is "<first try ms>|<attempts>|<body>" (first try 0: not
-- tried yet); a dead one in whdb is JSON.
--
-- Everything sits in a do-block: its locals are not the chunk's (Lua's
-- 200 top-level locals).
do
  local WH_GROUP = 'webhooks'

  local function wh_member(tenant, ep) return tenant .. ' ' .. ep end
  local function wh_queue(shard, tenant, ep) return shard .. K.webhook_queue .. tenant .. ':' .. ep end
  local function wh_batches(shard, tenant, ep) return shard .. K.webhook_batches .. tenant .. ':' .. ep end
  local function wh_lease(shard, tenant, ep) return shard .. K.webhook_lease .. tenant .. ':' .. ep end

  local function wh_split(raw)
    local a = raw:find('|', 1, true)
    local b = a and raw:find('|', a + 1, true)
    if not b then return 0, 0, raw end
    return tonumber(raw:sub(1, a - 1)) or 0, tonumber(raw:sub(a + 1, b - 1)) or 0, raw:sub(b + 1)
  end

  -- The endpoint's place in the due index: its first batch's due time, or
  -- out when it has none; left alone while a sender holds its lease.
  local function wh_refresh_due(shard, tenant, ep)
    if redis.call('EXISTS', wh_lease(shard, tenant, ep)) == 1 then return end
    local first = redis.call('ZRANGE', wh_queue(shard, tenant, ep), 0, 0, 'WITHSCORES')
    if #first == 0 then
      redis.call('ZREM', shard .. K.webhook_due, wh_member(tenant, ep))
    else
      redis.call('ZADD', shard .. K.webhook_due, first[2], wh_member(tenant, ep))
    end
  end

  -- A batch into the tenant's dead letters; past dead_max the oldest is
  -- dropped and counted. Answers how many were dropped.
  local function wh_bury(shard, tenant, ep, batch, raw, reason, detail, now, dead_max)
    local first, attempts, body = wh_split(raw)
    local dz, db = shard .. K.webhook_dead .. tenant, shard .. K.webhook_dead_batches .. tenant
    redis.call('HSET', db, batch, cjson.encode({endpoint = ep, reason = reason, detail = detail,
                                                attempts = attempts, first_ms = first,
                                                died_ms = now, body = body}))
    redis.call('ZADD', dz, now, batch)
    local dropped = 0
    while redis.call('ZCARD', dz) > dead_max do
      local old = redis.call('ZPOPMIN', dz)
      redis.call('HDEL', db, old[1])
      dropped = dropped + 1
    end
    if dropped > 0 then
      redis.call('HINCRBY', shard .. K.webhook_stats .. tenant, 'dropped', dropped)
    end
    return dropped
  end

  -- The endpoint's oldest batch: its id ends with its first event's stream
  -- id (ops/webhook_batch.hpp), while its score is when it is due, which a
  -- retry moves. Scans at most max_pending + 1 members, and only when full.
  local function wh_oldest(q)
    local best, best_ms, best_seq
    for _, id in ipairs(redis.call('ZRANGE', q, 0, -1)) do
      local ms, seq = id:match('(%d+)%-(%d+)$')
      ms, seq = tonumber(ms) or 0, tonumber(seq) or 0
      if not best or ms < best_ms or (ms == best_ms and seq < best_seq) then
        best, best_ms, best_seq = id, ms, seq
      end
    end
    return best
  end

  -- A batch into the endpoint's queue, due at once; past max_pending the
  -- oldest goes to the dead letters. Answers {overflowed, dropped}.
  local function wh_enqueue(shard, tenant, ep, batch, raw, now, max_pending, dead_max)
    local q, b = wh_queue(shard, tenant, ep), wh_batches(shard, tenant, ep)
    if redis.call('HSETNX', b, batch, raw) == 0 then return 0, 0 end
    redis.call('ZADD', q, now, batch)
    local overflowed, dropped = 0, 0
    while redis.call('ZCARD', q) > max_pending do
      local old = wh_oldest(q)
      local old_raw = redis.call('HGET', b, old)
      redis.call('ZREM', q, old)
      redis.call('HDEL', b, old)
      if old_raw then
        dropped = dropped + wh_bury(shard, tenant, ep, old, old_raw, 'overflow',
                                    'more than webhooks.max_pending batches waited', now, dead_max)
      end
      overflowed = overflowed + 1
    end
    if overflowed > 0 then
      redis.call('HINCRBY', shard .. K.webhook_stats .. tenant, 'overflowed', overflowed)
    end
    wh_refresh_due(shard, tenant, ep)
    return overflowed, dropped
  end

  -- FCALL herald_webhook_add 1 hd:{sN} <tenant> <id> <record> <max>
  -- Answers {'ok'}, or tenant_limit-like refusal when the tenant has <max>.
  register_checked('herald_webhook_add', {usage = '<tenant> <id> <record> <max_endpoints>',
                                          fixed = 4, numbers = {4}}, function(keys, args)
    local key = keys[1] .. K.webhooks .. args[1]
    if redis.call('HLEN', key) >= tonumber(args[4]) then
      return err('webhook_limit', 'the tenant has ' .. args[4] .. ' webhook endpoints, the most allowed')
    end
    redis.call('HSET', key, args[2], args[3])
    return {'ok'}
  end)

  -- FCALL herald_webhook_remove 1 hd:{sN} <tenant> <id>
  -- The endpoint and its pending batches (their dead letters stay).
  -- Answers {'ok', pending dropped} or {'none'}.
  register_checked('herald_webhook_remove', {usage = '<tenant> <id>', fixed = 2}, function(keys, args)
    local shard, tenant, ep = keys[1], args[1], args[2]
    if redis.call('HDEL', shard .. K.webhooks .. tenant, ep) == 0 then return {'none'} end
    local pending = redis.call('ZCARD', wh_queue(shard, tenant, ep))
    redis.call('DEL', wh_queue(shard, tenant, ep), wh_batches(shard, tenant, ep),
               wh_lease(shard, tenant, ep))
    redis.call('ZREM', shard .. K.webhook_due, wh_member(tenant, ep))
    return {'ok', pending}
  end)

  -- FCALL herald_webhook_store 1 hd:{sN} <now> <max_pending> <dead_max> <n ids> <id>...
  --       (<tenant> <endpoint> <batch> <body>)...
  -- Stores the batches built from the events stream's entries <id>... and
  -- acknowledges those entries for the group `webhooks`, in one step.
  -- Answers {acked, stored, overflowed, dropped, overflowed by item...}.
  register_checked('herald_webhook_store', {usage = '<now> <max_pending> <dead_max> <n> <id>... (<tenant> <endpoint> <batch> <body>)...',
                                            fixed = 4, numbers = {1, 2, 3, 4}}, function(keys, args)
    local shard, now, max_pending, dead_max, n =
        keys[1], tonumber(args[1]), tonumber(args[2]), tonumber(args[3]), tonumber(args[4])
    if #args < 4 + n or (#args - 4 - n) % 4 ~= 0 then
      return err('invalid_argument', 'herald_webhook_store: items of 4 after the ids')
    end
    local out = {0, 0, 0, 0}
    for i = 5 + n, #args, 4 do
      local tenant, ep = args[i], args[i + 1]
      local o, d = 0, 0
      -- An endpoint removed since the dispatcher read it gets nothing.
      if redis.call('HEXISTS', shard .. K.webhooks .. tenant, ep) == 1 then
        o, d = wh_enqueue(shard, tenant, ep, args[i + 2], '0|0|' .. args[i + 3], now,
                          max_pending, dead_max)
        out[2] = out[2] + 1
      end
      out[3], out[4] = out[3] + o, out[4] + d
      out[#out + 1] = o
    end
    if n > 0 then
      out[1] = redis.call('XACK', shard .. K.events, WH_GROUP, unpack(args, 5, 4 + n))
    end
    return out
  end)

  -- FCALL herald_webhook_claim 1 hd:{sN} <now> <lease_ms> <limit> <holder>
  -- Up to <limit> due endpoints, each with its first batch, their leases
  -- taken. Answers a flat list of (tenant endpoint record batch first attempts body).
  register_checked('herald_webhook_claim', {usage = '<now> <lease_ms> <limit> <holder>', fixed = 4,
                                            numbers = {1, 2, 3}}, function(keys, args)
    local shard, now, lease_ms, limit, holder =
        keys[1], tonumber(args[1]), tonumber(args[2]), tonumber(args[3]), args[4]
    local due = shard .. K.webhook_due
    local out = {}
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', due, '-inf', now, 'LIMIT', 0, limit)) do
      local sp = m:find(' ', 1, true)
      local tenant, ep = m:sub(1, sp - 1), m:sub(sp + 1)
      local lease = wh_lease(shard, tenant, ep)
      local record = redis.call('HGET', shard .. K.webhooks .. tenant, ep)
      local first = redis.call('ZRANGE', wh_queue(shard, tenant, ep), 0, 0, 'WITHSCORES')
      if not record then
        redis.call('DEL', wh_queue(shard, tenant, ep), wh_batches(shard, tenant, ep))
        redis.call('ZREM', due, m)
      elseif redis.call('EXISTS', lease) == 1 then
        redis.call('ZADD', due, now + math.max(redis.call('PTTL', lease), 1), m)
      elseif #first == 0 then
        redis.call('ZREM', due, m)
      elseif tonumber(first[2]) > now then
        redis.call('ZADD', due, first[2], m)
      else
        local b = wh_batches(shard, tenant, ep)
        local raw = redis.call('HGET', b, first[1])
        if not raw then
          redis.call('ZREM', wh_queue(shard, tenant, ep), first[1])
          wh_refresh_due(shard, tenant, ep)
        else
          local tried, attempts, body = wh_split(raw)
          if tried == 0 then
            tried = now
            redis.call('HSET', b, first[1], tried .. '|' .. attempts .. '|' .. body)
          end
          redis.call('SET', lease, holder .. '|' .. first[1], 'PX', lease_ms)
          redis.call('ZADD', due, now + lease_ms, m)
          for _, v in ipairs({tenant, ep, record, first[1], tostring(tried), tostring(attempts), body}) do
            out[#out + 1] = v
          end
        end
      end
    end
    return out
  end)

  -- FCALL herald_webhook_settle 1 hd:{sN} <tenant> <endpoint> <batch> <holder> <now>
  --       <delivered|retry|dead> <next_due> <detail> <dead_max>
  -- What became of a claimed batch: gone, due again later (one attempt
  -- more), or into the dead letters. The endpoint's lease is released when
  -- this holder still has it; after a failure it is kept until <next_due>
  -- instead, so an endpoint that is down gets one request per backoff, not
  -- one per batch. Answers {'ok', dropped} or {'none'} (the batch is no
  -- longer pending: its endpoint was removed).
  register_checked('herald_webhook_settle', {usage = '<tenant> <endpoint> <batch> <holder> <now> <delivered|retry|dead> <next_due> <detail> <dead_max>',
                                             fixed = 9, numbers = {5, 7, 9},
                                             flags = {'allow-oom'}}, function(keys, args)
    local shard, tenant, ep, batch, holder, now, what, next_due, detail, dead_max =
        keys[1], args[1], args[2], args[3], args[4], tonumber(args[5]), args[6], args[7],
        args[8], tonumber(args[9])
    local q, b, lease = wh_queue(shard, tenant, ep), wh_batches(shard, tenant, ep),
        wh_lease(shard, tenant, ep)
    local held = redis.call('GET', lease)
    local ours = held == holder .. '|' .. batch
    if ours then redis.call('DEL', lease) end
    local raw = redis.call('HGET', b, batch)
    if not raw then
      wh_refresh_due(shard, tenant, ep)
      return {'none'}
    end
    local dropped = 0
    if what == 'retry' then
      local tried, attempts, body = wh_split(raw)
      redis.call('HSET', b, batch, tried .. '|' .. (attempts + 1) .. '|' .. body)
      redis.call('ZADD', q, 'XX', next_due, batch)
      if (ours or not held) and tonumber(next_due) > now then
        redis.call('SET', lease, 'backoff', 'PX', tonumber(next_due) - now)
        redis.call('ZADD', shard .. K.webhook_due, next_due, wh_member(tenant, ep))
        return {'ok', 0}
      end
    else
      redis.call('ZREM', q, batch)
      redis.call('HDEL', b, batch)
      if what == 'dead' then
        local tried, attempts, body = wh_split(raw)
        dropped = wh_bury(shard, tenant, ep, batch, tried .. '|' .. (attempts + 1) .. '|' .. body,
                          'retry_budget', detail, now, dead_max)
      end
    end
    wh_refresh_due(shard, tenant, ep)
    return {'ok', dropped}
  end)

  -- FCALL herald_webhook_dead 1 hd:{sN} <tenant> <limit>
  -- The newest <limit> dead batches: {total, dropped, overflowed, (batch json)...}.
  register_checked('herald_webhook_dead', {usage = '<tenant> <limit>', fixed = 2, numbers = {2},
                                           flags = {'no-writes'}}, function(keys, args)
    local shard, tenant = keys[1], args[1]
    local dz, db = shard .. K.webhook_dead .. tenant, shard .. K.webhook_dead_batches .. tenant
    local stats = shard .. K.webhook_stats .. tenant
    local out = {redis.call('ZCARD', dz), tonumber(redis.call('HGET', stats, 'dropped') or '0'),
                 tonumber(redis.call('HGET', stats, 'overflowed') or '0')}
    for _, id in ipairs(redis.call('ZREVRANGE', dz, 0, tonumber(args[2]) - 1)) do
      out[#out + 1] = id
      out[#out + 1] = redis.call('HGET', db, id) or '{}'
    end
    return out
  end)

  -- FCALL herald_webhook_replay 1 hd:{sN} <tenant> <batch | ""> <now> <max_pending> <dead_max>
  -- Dead batches (one, or all of the tenant's) back into their endpoints'
  -- queues, due at once, as new batches with the same id (the receiver's
  -- dedupe key). Answers {replayed, (batch whose endpoint is gone)...};
  -- a named batch that is not dead answers {'none'}.
  register_checked('herald_webhook_replay', {usage = '<tenant> <batch | ""> <now> <max_pending> <dead_max>',
                                             fixed = 5, numbers = {3, 4, 5}}, function(keys, args)
    local shard, tenant, one, now, max_pending, dead_max =
        keys[1], args[1], args[2], tonumber(args[3]), tonumber(args[4]), tonumber(args[5])
    local dz, db = shard .. K.webhook_dead .. tenant, shard .. K.webhook_dead_batches .. tenant
    local ids = {one}
    if one == '' then
      ids = redis.call('ZRANGE', dz, 0, -1)
    elseif not redis.call('ZSCORE', dz, one) then
      return {'none'}
    end
    local out = {0}
    for _, id in ipairs(ids) do
      local ok, d = pcall(cjson.decode, redis.call('HGET', db, id) or '')
      local ep = ok and type(d) == 'table' and d.endpoint
      if ep and redis.call('HEXISTS', shard .. K.webhooks .. tenant, ep) == 1 then
        redis.call('ZREM', dz, id)
        redis.call('HDEL', db, id)
        wh_enqueue(shard, tenant, ep, id, '0|0|' .. d.body, now, max_pending, dead_max)
        out[1] = out[1] + 1
      else
        out[#out + 1] = id
      end
    end
    return out
  end)
end
