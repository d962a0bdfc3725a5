#!lua name=herald
-- herald's server-side library (Redis 7 Functions). Loaded by herald with
-- FUNCTION LOAD REPLACE at start-up; producers in any language call
-- herald_admit with FCALL. Every function touches one shard only: KEYS[1]
-- is the shard prefix "hd:{sN}", and every key it derives starts with it,
-- so the whole call lives in one Redis Cluster slot.
--
-- Answers are arrays, never raised errors, so pipelined batches stay easy
-- to read: {"ok", id} or {"err", code, detail}. Codes are herald's stable
-- error names.

local SCHEMA = '1'
local HISTORY_MAX = 10 -- attempt lines kept per message

-- ---- helpers ---------------------------------------------------------------

-- Built on first use: the `bit` library is not there while a library loads.
local CRC_TABLE = nil

local function crc_table()
  local t = {}
  for i = 0, 255 do
    local c = i
    for _ = 1, 8 do
      if bit.band(c, 1) == 1 then
        c = bit.bxor(bit.rshift(c, 1), 0xEDB88320)
      else
        c = bit.rshift(c, 1)
      end
    end
    t[i] = c
  end
  return t
end

-- CRC-32 (IEEE, as zlib's crc32) of s, as an unsigned number.
local function crc32(s)
  CRC_TABLE = CRC_TABLE or crc_table()
  local c = 0xFFFFFFFF
  for i = 1, #s do
    c = bit.bxor(bit.rshift(c, 8), CRC_TABLE[bit.band(bit.bxor(c, s:byte(i)), 0xFF)])
  end
  c = bit.bnot(c)
  if c < 0 then c = c + 4294967296 end
  return c
end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function err(code, detail) return {'err', code, detail} end

-- A stream entry's field list as a table.
local function entry_fields(stream, entry_id)
  local r = redis.call('XRANGE', stream, entry_id, entry_id)
  if #r == 0 then return nil end
  local f, kv = {}, r[1][2]
  for i = 1, #kv, 2 do f[kv[i]] = kv[i + 1] end
  return f
end

local function flatten(f)
  local out = {}
  for k, v in pairs(f) do
    out[#out + 1] = k
    out[#out + 1] = v
  end
  return out
end

local function push_history(f, line)
  local h = f['history'] or ''
  if h ~= '' then h = h .. '\n' end
  h = h .. line
  local lines = {}
  for l in h:gmatch('[^\n]+') do lines[#lines + 1] = l end
  while #lines > HISTORY_MAX do table.remove(lines, 1) end
  f['history'] = table.concat(lines, '\n')
end

local function dead_letter(shard, f, reason, detail, now, dead_max)
  f['reason'] = reason
  f['detail'] = detail
  f['died'] = tostring(now)
  local args = {shard .. ':dead', 'MAXLEN', '~', dead_max, '*'}
  for _, x in ipairs(flatten(f)) do args[#args + 1] = x end
  redis.call('XADD', unpack(args))
end

-- ---- admission ---------------------------------------------------------------
-- FCALL herald_admit 1 hd:{sN} <tenant> <channel> <payload-json>
-- The guards of later issues (idempotency, dedupe, breaker, quotas) are
-- checked here, before the append, so no producer can bypass them.

local function admit(keys, args)
  local shard, tenant, ch, payload = keys[1], args[1], args[2], args[3]
  if not tenant or not tenant:match('^[%w_.-]+$') or #tenant > 64 then
    return err('invalid_message', 'tenant must be 1-64 characters of [A-Za-z0-9_.-]')
  end
  if ch ~= 'email' and ch ~= 'sms' then
    return err('invalid_message', 'channel must be email or sms')
  end
  local meta = redis.call('HMGET', shard .. ':meta', 'shard', 'shards', 'max_bytes', 'max_age_ms')
  if not meta[1] then return err('not_initialized', shard .. ' has not been initialised by herald') end
  local n, shards = tonumber(meta[1]), tonumber(meta[2])
  if crc32(tenant) % shards ~= n then
    return err('wrong_shard', 'tenant ' .. tenant .. ' belongs to shard ' .. (crc32(tenant) % shards))
  end
  if not payload or #payload == 0 then return err('invalid_message', 'payload is empty') end
  if #payload > tonumber(meta[3]) then
    return err('payload_too_large', 'payload is ' .. #payload .. ' bytes, limit ' .. meta[3])
  end
  -- A structural check only (herald's producer and worker validate in
  -- full): a JSON object with a sender and a recipient.
  local ok, decoded = pcall(cjson.decode, payload)
  if not ok or type(decoded) ~= 'table' or decoded[1] ~= nil then
    return err('invalid_message', 'payload must be a JSON object')
  end
  if decoded['from'] == nil or (decoded['to'] == nil and decoded['cc'] == nil and decoded['bcc'] == nil) then
    return err('invalid_message', 'payload needs a sender and a recipient')
  end
  local now = now_ms()
  local entry = redis.call('XADD', shard .. ':in:' .. ch, '*',
    'v', SCHEMA, 'tenant', tenant, 'payload', payload,
    'created', now, 'expires', now + tonumber(meta[4]), 'attempt', 0)
  return {'ok', entry .. '-' .. ch:sub(1, 1) .. n}
end

-- ---- worker side ---------------------------------------------------------------
-- FCALL herald_claim 1 hd:{sN} <consumer> <lease_ms> <msg-id>...
-- Per message: 'done' (delivered before: ack, don't send), 'busy' (another
-- worker holds the send lease), 'ok' (the lease is ours).

local function claim(keys, args)
  local shard, consumer, lease_ms = keys[1], args[1], args[2]
  local out = {}
  for i = 3, #args do
    local id = args[i]
    if redis.call('EXISTS', shard .. ':done:' .. id) == 1 then
      out[#out + 1] = 'done'
    else
      local lease = shard .. ':lease:' .. id
      local holder = redis.call('GET', lease)
      if holder and holder ~= consumer then
        out[#out + 1] = 'busy'
      else
        redis.call('SET', lease, consumer, 'PX', lease_ms)
        out[#out + 1] = 'ok'
      end
    end
  end
  return out
end

-- FCALL herald_settle 1 hd:{sN} <channel> <group> <now_ms> <done_ttl_s> <dead_max> <records>...
-- Records, each a fixed number of arguments:
--   D <entry> <id> -              delivered: marker, ack, delete, release lease
--   A <entry> <id> -              ack only (seen delivered before)
--   R <entry> <id> <due_ms|line>  deferred until due_ms; history line after '|'
--   X <entry> <id> <reason|detail> dead-lettered
--   U <entry> <id> -              release the lease only (drain): reclaimed later
-- One call settles a whole batch of one shard in one round trip.

local function settle(keys, args)
  local shard, ch, group = keys[1], args[1], args[2]
  local now, done_ttl, dead_max = tonumber(args[3]), args[4], args[5]
  local stream = shard .. ':in:' .. ch
  local settled = 0
  for i = 6, #args, 4 do
    local kind, entry, id, extra = args[i], args[i + 1], args[i + 2], args[i + 3]
    if kind ~= 'U' then
      if kind == 'D' then
        redis.call('SET', shard .. ':done:' .. id, '1', 'EX', done_ttl)
      elseif kind == 'R' or kind == 'X' then
        local f = entry_fields(stream, entry)
        if f then
          f['id'] = id
          f['channel'] = ch
          local sep = extra:find('|', 1, true) or (#extra + 1)
          local head, tail = extra:sub(1, sep - 1), extra:sub(sep + 1)
          if kind == 'R' then
            f['attempt'] = tostring((tonumber(f['attempt']) or 0) + 1)
            push_history(f, tail)
            redis.call('HSET', shard .. ':deferred', id, cjson.encode(f))
            redis.call('ZADD', shard .. ':retry', head, id)
          else
            dead_letter(shard, f, head, tail, now, dead_max)
          end
        end
      end
      redis.call('XACK', stream, group, entry)
      redis.call('XDEL', stream, entry)
      settled = settled + 1
    end
    redis.call('DEL', shard .. ':lease:' .. id)
  end
  return settled
end

-- FCALL herald_promote 1 hd:{sN} <now_ms> <limit> <dead_max>
-- Moves deferred messages that are due back into their ingress stream, or
-- to the dead-letter stream if they expired while waiting. Answers
-- {moved, expired, next_due_ms or -1}.

local function promote(keys, args)
  local shard, now, limit, dead_max = keys[1], tonumber(args[1]), args[2], args[3]
  local due = redis.call('ZRANGEBYSCORE', shard .. ':retry', '-inf', now, 'LIMIT', 0, limit)
  local moved, expired = 0, 0
  for _, id in ipairs(due) do
    local raw = redis.call('HGET', shard .. ':deferred', id)
    local ok, f = pcall(cjson.decode, raw or '')
    if not ok or type(f) ~= 'table' then
      f = {id = id}
      dead_letter(shard, f, 'malformed', 'deferred record unreadable', now, dead_max)
      expired = expired + 1
    elseif tonumber(f['expires'] or 0) <= now then
      dead_letter(shard, f, 'expired', 'max age reached while deferred', now, dead_max)
      expired = expired + 1
    else
      local ch = f['channel']
      f['channel'] = nil
      local xargs = {shard .. ':in:' .. ch, '*'}
      for _, x in ipairs(flatten(f)) do xargs[#xargs + 1] = x end
      redis.call('XADD', unpack(xargs))
      moved = moved + 1
    end
    redis.call('HDEL', shard .. ':deferred', id)
    redis.call('ZREM', shard .. ':retry', id)
  end
  local nxt = redis.call('ZRANGE', shard .. ':retry', 0, 0, 'WITHSCORES')
  return {moved, expired, nxt[2] and tonumber(nxt[2]) or -1}
end

redis.register_function('herald_admit', admit)
redis.register_function{function_name = 'herald_claim', callback = claim, flags = {'allow-oom'}}
redis.register_function{function_name = 'herald_settle', callback = settle, flags = {'allow-oom'}}
redis.register_function{function_name = 'herald_promote', callback = promote, flags = {'allow-oom'}}
