-- ---- SMS delivery receipts (sms/receipt.hpp) ------------------------------------
-- hd:{sN}:rcpt:<id> is what the provider last said about an SMS herald
-- sent: provider, provider_id, state (sent | delivered | undelivered |
-- failed), code, at; EX queue.delivered_ttl_s. herald_status reads it
-- beside the delivered marker.

local RECEIPTS = {} -- this fragment's helpers, under one top-level name

-- Later words win only when they say more: sent < undelivered = failed <
-- delivered. A repeat, or a late intermediate state, changes nothing.
RECEIPTS.rank = {sent = 0, undelivered = 1, failed = 1, delivered = 2}

-- The tenant of an SMS herald knows, or nil: delivered (its marker, which
-- the sms transport writes with the provider's id in its reply) or in
-- flight (its lease: the provider's receipt can overtake the settle).
function RECEIPTS.tenant(shard, id, entry)
  local marker = redis.call('GET', shard .. K.done .. id)
  if marker then return (split_fields(marker, 2) or {})[1] end
  if redis.call('EXISTS', lease_key(shard, id)) == 0 then return nil end
  local st = redis.call('GET', status_key(shard, id))
  if st and st:sub(1, 1) == 'q' then return (split_fields(st, 4) or {})[2] end
  local f = entry_fields(shard .. K.ingress .. 'sms', entry)
  return f and f['tenant']
end

-- FCALL herald_sms_receipt 1 hd:{sN} <id> <first entry> <provider> <provider_id> <state> <code> <ttl_s>
-- Answers {'ok', state now, 1 when written else 0}, or {'unknown', detail}
-- for a message herald does not know (or no longer).
local function sms_receipt(keys, args)
  local shard, id, entry, provider, pid = keys[1], args[1], args[2], args[3], args[4]
  local state, code, ttl = args[5], args[6], args[7]
  local rank = RECEIPTS.rank[state]
  if not rank then return err('invalid_argument', 'state: not a receipt state: ' .. state) end
  local tenant = RECEIPTS.tenant(shard, id, entry)
  if not tenant then
    return {'unknown', 'no SMS ' .. id .. ' sent by herald (or its record expired)'}
  end
  local key = shard .. K.receipt .. id
  local old = redis.call('HMGET', key, 'state', 'provider_id')
  if old[1] and rank <= (RECEIPTS.rank[old[1]] or 0) then return {'ok', old[1], 0} end
  if pid == '' then pid = old[2] or '' end
  local now = now_ms()
  redis.call('HSET', key, 'provider', provider, 'provider_id', pid, 'state', state, 'code', code,
             'at', now)
  redis.call('EXPIRE', key, ttl)
  emit({shard = shard, tenant = tenant, now = now}, 'sms.receipt',
       {'provider', provider, 'provider_id', pid, 'state', state, 'code', code}, id)
  return {'ok', state, 1}
end

register_checked('herald_sms_receipt',
                 {usage = '<id> <first entry> <provider> <provider_id> <state> <code> <ttl_s>',
                  fixed = 7, numbers = {7}}, sms_receipt)
