-- ---- message status --------------------------------------------------------------
-- A message's state is read from what the queue keeps anyway: its entry
-- (its id names the first one), its lease, the deferred hash and the retry
-- schedule, the delivered marker. Admission writes nothing for it, so the
-- hot path pays nothing until a message moves or ends. Then one string,
-- hd:{sN}:st:<id>, says where it is:
--   q|<tenant>|<admitted>|<entry>      re-appended (a retry came due, a
--                                      requeue): its entry now; PX its
--                                      remaining age + STATUS_GRACE_MS
--   x|<tenant>|<admitted>|<finished>|<attempts>|<dead entry>|<reason>|<detail>
--                                      ended without delivery; EX done_ttl
-- A delivery keeps only the delivered marker, which carries its own record
-- (queue/keys.hpp), and deletes this one.

-- A message read after its max age is dead-lettered by the worker, which
-- rewrites the record; until then the record must still find the entry.
local STATUS_GRACE_MS = 3600000

local function status_key(shard, id) return shard .. K.status .. id end

local function status_moved(shard, f, entry, now)
  if not f['id'] then return end
  local left = math.max(1, (tonumber(f['expires']) or now) - now)
  redis.call('SET', status_key(shard, f['id']),
             'q|' .. (f['tenant'] or '') .. '|' .. (f['created'] or '0') .. '|' .. entry,
             'PX', left + STATUS_GRACE_MS)
end

local function status_ended(shard, f, dead_entry, now, done_ttl)
  if not f['id'] then return end
  redis.call('SET', status_key(shard, f['id']),
             table.concat({'x', f['tenant'] or '', f['created'] or '0', now, f['attempt'] or '0',
                           dead_entry, f['reason'] or '', f['detail'] or ''}, '|'),
             'EX', done_ttl)
end

-- The first `n` '|'-separated fields of s, the last one taking the rest.
local function split_fields(s, n)
  local out, from = {}, 1
  for _ = 1, n - 1 do
    local bar = s:find('|', from, true)
    if not bar then return nil end
    out[#out + 1] = s:sub(from, bar - 1)
    from = bar + 1
  end
  out[#out + 1] = s:sub(from)
  return out
end

local function history_lines(h, out)
  for l in (h or ''):gmatch('[^\n]+') do out[#out + 1] = l end
  return out
end

-- FCALL herald_status 1 hd:{sN} <tenant> <id> <first entry> <channel>
-- Answers {} when there is no such message of this tenant, else {state,
-- admitted, attempts, next_ms, finished, reply, reason, detail, provider,
-- provider_id, code, history lines...}: state is queued, in_flight,
-- deferred, delivered, unknown (delivered or not: the peer never answered
-- the final dot) or ended (the dead-letter reason tells which). A message
-- held back without an attempt (rate limit, pause, a suspended
-- destination) is queued, with next_ms. An SMS the provider took is sent
-- until its receipt (hd:{sN}:rcpt:<id>, sms/lua/receipt.lua) says
-- delivered, undelivered or failed; a receipt settles an unknown outcome
-- too. provider, provider_id and code are the receipt's (SMS only).

-- An SMS's state from its receipt: what the provider last said, else
-- sent (taken, no final word yet), or unknown when the send itself had no
-- answer and no receipt came since.
local function sms_state(shard, id, unknown)
  local r = redis.call('HMGET', shard .. K.receipt .. id, 'state', 'provider', 'provider_id', 'code')
  local state = r[1] or (unknown and 'unknown' or 'sent')
  return state, r[2] or '', r[3] or '', r[4] or ''
end

local function status_of_marker(shard, tenant, id, ch, v)
  local d = split_fields(v, 6) -- tenant finished admitted attempts d|u reply
  if not d or d[1] ~= tenant then return {} end
  local unknown = d[5] == 'u'
  local state, provider, pid, code = unknown and 'unknown' or 'delivered', '', '', ''
  if ch == 'sms' then state, provider, pid, code = sms_state(shard, id, unknown) end
  -- A receipt settles an unknown outcome: it is no longer one.
  unknown = state == 'unknown'
  return {state, d[3], d[4], 0, d[2], unknown and '' or d[6], unknown and 'unknown_outcome' or '',
          unknown and d[6] or '', provider, pid, code}
end

local function status_of_end(shard, tenant, x)
  if x[2] ~= tenant then return {} end
  local out = {'ended', x[3], x[5], 0, x[4], '', x[7], x[8], '', '', ''}
  local dead = x[6] ~= '' and entry_fields(shard .. K.dead, x[6])
  return history_lines(dead and dead['history'], out)
end

local function status_of_deferred(shard, tenant, id, raw)
  local ok, f = pcall(cjson.decode, raw)
  if not ok or type(f) ~= 'table' or f['tenant'] ~= tenant then return {} end
  local attempts = tonumber(f['attempt']) or 0
  local due = redis.call('ZSCORE', shard .. K.retry, id) or 0
  local out = {attempts > 0 and 'deferred' or 'queued', f['created'] or '0', attempts, due, 0, '',
               '', '', '', '', ''}
  return history_lines(f['history'], out)
end

local function status_of_entry(shard, tenant, id, f)
  if f['tenant'] ~= tenant then return {} end
  local holder, till = lease_read(lease_key(shard, id))
  local served = tonumber(redis.call('HGET', shard .. K.clock, 'served')) or 0
  local state = holder and till > served and 'in_flight' or 'queued'
  local out = {state, f['created'] or '0', f['attempt'] or '0', 0, 0, '', '', '', '', '', ''}
  return history_lines(f['history'], out)
end

local function status(keys, args)
  local shard, tenant, id, entry, ch = keys[1], args[1], args[2], args[3], args[4]
  local marker = redis.call('GET', shard .. K.done .. id)
  if marker then return status_of_marker(shard, tenant, id, ch, marker) end
  local st = redis.call('GET', status_key(shard, id))
  if st and st:sub(1, 1) == 'x' then
    local x = split_fields(st, 8)
    return x and status_of_end(shard, tenant, x) or {}
  end
  local deferred = redis.call('HGET', shard .. K.deferred, id)
  if deferred then return status_of_deferred(shard, tenant, id, deferred) end
  if st then entry = (split_fields(st, 4) or {})[4] or entry end
  local f = entry_fields(shard .. K.ingress .. ch, entry)
  if not f or (f['id'] or id) ~= id then return {} end
  return status_of_entry(shard, tenant, id, f)
end

register_checked('herald_status', {usage = '<tenant> <id> <first entry> <channel>', fixed = 4,
                                   flags = {'no-writes'}}, status)
