-- ---- admission ---------------------------------------------------------------
-- FCALL herald_admit 1 hd:{sN} <tenant> <channel> <payload-json> [<option> <value>]...
-- Options:
--   idem <key>          idempotency key (1-200 printable characters)
--   idem_token <token>  the token of a reservation made with herald_idem_reserve
--   hash <32 hex>       content hash (dedupe/content_hash.hpp); without it
--                       the hash is the SHA-1 of the payload bytes
--   now <ms>            the producer's clock, for tests; Redis TIME otherwise
-- Answers: {"ok", id}, {"ok", id, "replay"}, {"duplicate", first_id[, "replay"]},
-- {"err", code, detail[, retry_after_s]}.

local function recipients(msg)
  local out, seen = {}, {}
  local function add(a)
    if type(a) ~= 'string' then return end
    a = a:match('<([^<>]*)>%s*$') or a
    a = a:match('^%s*(.-)%s*$')
    local at = a:find('@[^@]*$')
    if at then a = a:sub(1, at) .. a:sub(at + 1):lower() end
    if a ~= '' and not seen[a] then
      seen[a] = true
      out[#out + 1] = a
    end
  end
  for _, field in ipairs({'to', 'cc', 'bcc'}) do
    local v = msg[field]
    if type(v) == 'table' then
      for _, a in ipairs(v) do add(a) end
    else
      add(v)
    end
  end
  return out
end

local OPTIONS = {idem = true, idem_token = true, hash = true, now = true}

-- The payload, decoded on first use: a breaker that is already open
-- refuses before paying for it. A structural check only (herald's
-- producer and worker validate in full): a JSON object with a sender and
-- a recipient. Returns the refusal when it is not.
local function decoded(ctx)
  if ctx.msg then return nil end
  local ok, msg = pcall(cjson.decode, ctx.payload)
  if not ok or type(msg) ~= 'table' or msg[1] ~= nil then
    return err('invalid_message', 'payload must be a JSON object')
  end
  ctx.msg = msg
  ctx.rcpts = recipients(msg)
  if msg['from'] == nil or #ctx.rcpts == 0 then
    return err('invalid_message', 'payload needs a sender and a recipient')
  end
  return nil
end

-- The request, checked and decoded, or a refusal.
local function admission_context(keys, args)
  local ctx = {shard = keys[1], tenant = args[1], ch = args[2], payload = args[3], opt = {}}
  local tenant, ch, payload = ctx.tenant, ctx.ch, ctx.payload
  if not tenant or not tenant:match('^[%w_.-]+$') or #tenant > 64 then
    return nil, err('invalid_message', 'tenant must be 1-64 characters of [A-Za-z0-9_.-]')
  end
  if ch ~= 'email' and ch ~= 'sms' then
    return nil, err('invalid_message', 'channel must be email or sms')
  end
  if #args % 2 ~= 1 then return nil, err('invalid_argument', 'options come in name value pairs') end
  for i = 4, #args, 2 do
    if not OPTIONS[args[i]] then return nil, err('invalid_argument', 'unknown option ' .. args[i]) end
    ctx.opt[args[i]] = args[i + 1]
  end
  ctx.settings = load_settings(ctx.shard, tenant)
  if not ctx.settings then
    return nil, err('not_initialized', ctx.shard .. ' has not been initialised by herald')
  end
  ctx.n = num(ctx, 'shard')
  local home = crc32(tenant) % num(ctx, 'shards')
  if home ~= ctx.n then
    return nil, err('wrong_shard', 'tenant ' .. tenant .. ' belongs to shard ' .. home)
  end
  if not payload or #payload == 0 then return nil, err('invalid_message', 'payload is empty') end
  if #payload > num(ctx, 'max_bytes') then
    return nil, err('payload_too_large', 'payload is ' .. #payload .. ' bytes, limit ' ..
                    ctx.settings['max_bytes'])
  end
  local hash = ctx.opt.hash
  if hash and not (#hash == 32 and hash:match('^%x+$')) then
    return nil, err('invalid_argument', 'hash must be 32 hex characters')
  end
  ctx.hash = hash or ('raw-' .. redis.sha1hex(payload))
  ctx.now = tonumber(ctx.opt.now) or now_ms()
  return ctx
end

local function record(ctx, answer)
  for _, g in ipairs(GUARDS) do
    if g.record then g.record(ctx, answer) end
  end
end

local function admit(keys, args)
  local ctx, refusal = admission_context(keys, args)
  if not ctx then return refusal end
  ctx.decoded = decoded
  for _, g in ipairs(GUARDS) do
    local answer = g.check(ctx)
    if answer then
      if answer[1] == 'err' then
        count_answer(ctx, answer[2])
      else
        count_answer(ctx, answer[3] == 'replay' and 'replay' or answer[1])
        if answer[3] ~= 'replay' then record(ctx, answer) end
      end
      return answer
    end
  end
  refusal = decoded(ctx)
  if refusal then
    count_answer(ctx, refusal[2])
    return refusal
  end
  local entry = redis.call('XADD', ctx.shard .. ':in:' .. ctx.ch, '*',
    'v', SCHEMA, 'tenant', ctx.tenant, 'payload', ctx.payload,
    'created', ctx.now, 'expires', ctx.now + num(ctx, 'max_age_ms'), 'attempt', 0,
    'units', message_units(ctx))
  local answer = {'ok', entry .. '-' .. ctx.ch:sub(1, 1) .. ctx.settings['shard']}
  count_answer(ctx, 'ok')
  record(ctx, answer)
  return answer
end

-- FCALL herald_settings 1 hd:{sN} set <tenant> <name> <value> | unset <tenant> <name>
-- A tenant's own guard settings (names and bounds are checked by herald's
-- CLI); admission sees the change on its next call.
local function settings_ops(keys, args)
  local shard, action, tenant, name = keys[1], args[1], args[2], args[3]
  local key = shard .. ':tenant:' .. tenant
  local n
  if action == 'set' and args[4] then
    n = redis.call('HSET', key, name, args[4])
  elseif action == 'unset' then
    n = redis.call('HDEL', key, name)
  else
    return err('invalid_argument', 'usage: set <tenant> <name> <value> | unset <tenant> <name>')
  end
  bump_settings(shard)
  return n
end

redis.register_function('herald_admit', admit)
redis.register_function('herald_settings', settings_ops)
