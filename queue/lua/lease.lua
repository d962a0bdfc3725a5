-- ---- send leases on the shard's service clock ----------------------------------
-- A send lease says which worker may hand a message to its peer. It is
-- "<holder>|<until>", where <until> is a time on the shard's service
-- clock, and the key lives keep_ms (the longest a message can live) so it
-- is never lost while its holder may still be sending. A lease written
-- without "|<until>" is held until its key expires.
--
-- The service clock counts only the time in which Redis served the shard.
-- Every worker ticks every shard several times per renew interval (claim,
-- renew, reclaim, and herald_promote every schedule_interval_ms); a gap
-- longer than stall_ms means Redis was paused, busy or unreachable for
-- everyone, and the whole gap is not counted. So a lease lapses only when
-- its holder failed to renew while Redis was serving, not because Redis
-- was away for longer than stall_ms: after a CLIENT PAUSE or a DEBUG
-- SLEEP, the worker that was waiting to settle or renew still holds its
-- lease (its own view of it lapses meanwhile, so it commits no new send
-- until a renewal gets through).

local function service_clock(shard, stall_ms)
  local key = shard .. K.clock
  local now = now_ms()
  local c = redis.call('HMGET', key, 'wall', 'served')
  local wall, served = tonumber(c[1]) or now, tonumber(c[2]) or now
  local gap = now - wall
  if gap > 0 and gap <= stall_ms then served = served + gap end
  redis.call('HSET', key, 'wall', now, 'served', served)
  return served
end

local function lease_key(shard, id) return shard .. K.lease .. id end

-- The holder and until of a lease, or nil when there is none.
local function lease_read(key)
  local v = redis.call('GET', key)
  if not v then return nil, 0 end
  local bar = v:find('|', 1, true)
  if not bar then return v, math.huge end
  return v:sub(1, bar - 1), tonumber(v:sub(bar + 1)) or 0
end

local function lease_write(key, holder, served, lease_ms, keep_ms)
  redis.call('SET', key, holder .. '|' .. (served + lease_ms), 'PX', keep_ms)
end

-- Held by someone other than `consumer`, and not lapsed.
local function leased_to_other(key, consumer, served)
  local holder, till = lease_read(key)
  return holder ~= nil and holder ~= consumer and till > served
end

-- The message id of a stream entry: its `id` field once retried, else the
-- entry id, the channel letter and the shard (core/message_id.hpp).
local function entry_message_id(shard, ch, entry, fields)
  local id = fields['id']
  if id then return id end
  return entry .. '-' .. ch:sub(1, 1) .. shard:match('{s(%d+)}')
end

-- FCALL herald_renew 1 hd:{sN} <consumer> <lease_ms> <keep_ms> <stall_ms> <group> (<channel> <entry> <id>)...
-- Per message: 'ok' (the lease is ours again for lease_ms, and the pending
-- entry's idle time is reset, so no reclaimer looks at it), 'lost'
-- (another worker holds it) or 'gone' (there is no lease: the message was
-- settled since, by us or by the worker that took it). A lease of ours that lapsed
-- while nobody took it is ours again: only the holder's renewal or another
-- worker's claim can follow a lapse, and Redis runs one of them first.

local function renew(keys, args)
  local shard, consumer, lease_ms, keep_ms = keys[1], args[1], tonumber(args[2]), args[3]
  local served = service_clock(shard, tonumber(args[4]))
  local group = args[5]
  local out = {}
  for i = 6, #args, SCHEMA.renew_fields do
    local key = lease_key(shard, args[i + 2])
    local holder = lease_read(key)
    if holder == consumer then
      lease_write(key, consumer, served, lease_ms, keep_ms)
      redis.call('XCLAIM', shard .. K.ingress .. args[i], group, consumer, 0, args[i + 1], 'JUSTID')
      out[#out + 1] = 'ok'
    else
      out[#out + 1] = holder and 'lost' or 'gone'
    end
  end
  return out
end

-- FCALL herald_reclaim 1 hd:{sN} <channel> <group> <consumer> <min_idle_ms> <count> <cursor> <stall_ms>
-- XAUTOCLAIM that leaves alone what is being renewed: of the pending
-- entries idle for min_idle_ms, from just after <cursor>, those whose
-- lease is held by another worker and not lapsed stay where they are; the
-- others are claimed for <consumer>. Entries deleted while pending are
-- acknowledged. Answers {next cursor or "0-0", {entries as XCLAIM gives
-- them}, skipped}.

local function reclaim(keys, args)
  local shard, ch, group, consumer = keys[1], args[1], args[2], args[3]
  local min_idle, count, cursor = args[4], tonumber(args[5]), args[6]
  local served = service_clock(shard, tonumber(args[7]))
  local stream = shard .. K.ingress .. ch
  local start = cursor == '0-0' and '-' or '(' .. cursor
  local pending = redis.call('XPENDING', stream, group, 'IDLE', min_idle, start, '+', count)
  local claimed, skipped = {}, 0
  for _, p in ipairs(pending) do
    local entry = p[1]
    local f = entry_fields(stream, entry)
    if not f then
      redis.call('XACK', stream, group, entry)
    elseif leased_to_other(lease_key(shard, entry_message_id(shard, ch, entry, f)), consumer,
                           served) then
      skipped = skipped + 1
    else
      for _, e in ipairs(redis.call('XCLAIM', stream, group, consumer, 0, entry)) do
        claimed[#claimed + 1] = e
      end
    end
  end
  local next_cursor = #pending == count and pending[#pending][1] or '0-0'
  return {next_cursor, claimed, skipped}
end

register_checked('herald_renew',
                 {usage = '<consumer> <lease_ms> <keep_ms> <stall_ms> <group> (' ..
                          SCHEMA.renew_fields .. ' fields per lease)...',
                  fixed = 5, item = SCHEMA.renew_fields, numbers = {2, 3, 4},
                  flags = {'allow-oom'}}, renew)
register_checked('herald_reclaim',
                 {usage = '<channel> <group> <consumer> <min_idle_ms> <count> <cursor> <stall_ms>',
                  fixed = 7, numbers = {4, 5, 7}, flags = {'allow-oom'}}, reclaim)
