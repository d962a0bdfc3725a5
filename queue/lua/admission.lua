-- ---- admission ---------------------------------------------------------------
-- FCALL herald_admit 1 hd:{sN} <tenant> <channel> <payload-json> [<option> <value>]...
-- Options:
--   idem <key>          idempotency key (1-200 printable characters)
--   idem_token <token>  the token of a reservation made with herald_idem_reserve
--   hash <32 hex>       content hash (dedupe/content_hash.hpp); without it
--                       the hash is the SHA-1 of the payload bytes
--   from_domain <name>  the From domain as an A-label (an internationalised
--                       domain's U-label in the payload never matches the
--                       verified A-label); without it, the payload's From
--   now <ms>            the producer's clock, for tests; Redis TIME otherwise
-- Answers: {"ok", id}, {"ok", id, "replay"}, {"duplicate", first_id[, "replay"]},
-- {"err", code, detail[, retry_after_s]}.
--
-- FCALL herald_admit_batch 1 hd:{sN} <now ms | ""> (<tenant> <channel> <payload>
--       <hash> <idem> <idem_token> <recipients> <from_domain>)...
-- Many messages of one shard in one call, each admitted as herald_admit
-- would, in order: a later message sees what an earlier one charged. ""
-- leaves a field out. <recipients> are the message's recipients as
-- dedupe/content_hash.hpp normalises them, one per line: the producer
-- vouches for them, and the payload is then not decoded here (herald's
-- producer has validated it); <from_domain> likewise is the From domain
-- as a lower-case A-label ("": taken from the decoded payload). Answers
-- one answer per message, in order.
-- Per call, not per message: the settings, the clock, and the tenant-wide
-- counters (rate, quotas, usage, answers), so a batch is much cheaper per
-- message than the same messages one call each.


local function too_many_recipients(ctx)
  if #ctx.rcpts <= ctx.t.max_rcpts then return nil end
  return err('invalid_message',
             #ctx.rcpts .. ' recipients: at most ' .. ctx.t.max_rcpts .. ' recipients')
end

local function recipients(msg)
  local out, seen = {}, {}
  local function add(a)
    if type(a) ~= 'string' then return end
    a = normalize_address(a)
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

local function lines(s)
  local out = {}
  for l in s:gmatch('[^\n]+') do out[#out + 1] = l end
  return out
end

local function absent(v) return v == nil or v == cjson.null end

-- Optional, or a string of at most `max` bytes.
local function bad_string(v, max)
  if absent(v) then return nil end
  if type(v) ~= 'string' then return 'must be a string' end
  if max and #v > max then return 'is ' .. #v .. ' bytes: at most ' .. max end
end

local function bad_address_list(v)
  if absent(v) or type(v) == 'string' then return nil end
  if type(v) ~= 'table' or (next(v) ~= nil and v[1] == nil) then
    return 'must be a string or an array of strings'
  end
  for _, a in ipairs(v) do
    if type(a) ~= 'string' then return 'entries must be strings' end
  end
end

local function bad_headers(h)
  if absent(h) then return nil end
  if type(h) ~= 'table' or h[1] ~= nil then return nil, 'must be an object' end
  local n, bytes = 0, 0
  for k, v in pairs(h) do
    if type(v) ~= 'string' then return '.' .. k, 'must be a string' end
    n, bytes = n + 1, bytes + #k + #v
  end
  if n > SCHEMA.max_headers then return nil, n .. ' headers: at most ' .. SCHEMA.max_headers end
  if bytes > SCHEMA.max_header_bytes then
    return nil, bytes .. ' bytes of headers: at most ' .. SCHEMA.max_header_bytes
  end
end

-- The cheap structural bounds that protect Redis and the worker from a
-- raw FCALL producer: field types per channel and the caps of
-- core/message.hpp. herald's own doors have already checked everything
-- (core/message.hpp, mime/validate.hpp); full syntax stays in C++, and the
-- worker dead-letters what fails it on its first read. Returns the field
-- and what is wrong with it.
local function shape_problem(ctx, msg)
  local why = bad_string(msg.from, SCHEMA.max_field_bytes)
  -- An SMS without a sender goes from the provider's own.
  if why or (absent(msg.from) and ctx.ch ~= 'sms') then return 'from', why or 'is required' end
  if ctx.ch == 'sms' then
    if type(msg.to) ~= 'string' then return 'to', 'must be one number (a string)' end
    if type(msg.body) ~= 'string' then return 'body', 'must be a string' end
    return nil
  end
  for _, f in ipairs({'to', 'cc', 'bcc'}) do
    why = bad_address_list(msg[f])
    if why then return f, why end
  end
  for _, f in ipairs({'reply_to', 'subject'}) do
    why = bad_string(msg[f], SCHEMA.max_field_bytes)
    if why then return f, why end
  end
  for _, f in ipairs({'text', 'html'}) do
    why = bad_string(msg[f])
    if why then return f, why end
  end
  local sub
  sub, why = bad_headers(msg.headers)
  if why then return 'headers' .. (sub or ''), why end
end

-- The payload, decoded on first use: a breaker that is already open
-- refuses before paying for it. A raw producer's payload must have the
-- shape above, a sender and a recipient. Returns the refusal when not.
local function check_decoded(ctx)
  local ok, msg = pcall(cjson.decode, ctx.payload)
  if not ok or type(msg) ~= 'table' or msg[1] ~= nil then
    return err('invalid_message', 'payload must be a JSON object')
  end
  ctx.msg = msg
  if ctx.vouched then return nil end
  local field, why = shape_problem(ctx, msg)
  if field then return err('invalid_message', field .. ': ' .. why) end
  ctx.rcpts = recipients(msg)
  if #ctx.rcpts == 0 then return err('invalid_message', 'to: at least one recipient is required') end
  return too_many_recipients(ctx)
end

-- Every caller gets the same answer: the refusal is kept with the message.
local function decoded(ctx)
  if ctx.decode_done then return ctx.decode_refusal end
  ctx.decode_done, ctx.decode_refusal = true, check_decoded(ctx)
  return ctx.decode_refusal
end

-- The recipients, from the producer or else from the payload.
local function with_recipients(ctx)
  if ctx.rcpts then return nil end
  return decoded(ctx)
end

-- What one call knows of a tenant: its settings, whether it belongs to
-- this shard, and what the guards count to write once at the end.
local function tenant_state(call, tenant)
  local t = call.tenants[tenant]
  if t then return t end
  t = {name = tenant, answers = {}, nums = {}}
  call.tenants[tenant] = t
  if not tenant:match('^[%w_.-]+$') or #tenant > 64 then
    t.refusal = err('invalid_message', 'tenant must be 1-64 characters of [A-Za-z0-9_.-]')
    return t
  end
  t.settings, t.memo = load_settings(call.shard, tenant)
  if not t.settings then
    t.refusal = err('not_initialized', call.shard .. ' has not been initialised by herald')
    return t
  end
  local ctx = {settings = t.settings, nums = t.nums}
  local home = crc32(tenant) % num(ctx, 'shards')
  if home ~= num(ctx, 'shard') then
    t.refusal = err('wrong_shard', 'tenant ' .. tenant .. ' belongs to shard ' .. home)
    return t
  end
  t.max_bytes = num(ctx, 'max_bytes')
  t.max_rcpts = num(ctx, 'max_recipients')
  t.expires = tostring(call.now + num(ctx, 'max_age_ms'))
  call.order[#call.order + 1] = t
  return t
end

local function record(ctx, answer)
  for _, g in ipairs(guards()) do
    if g.record then g.record(ctx, answer) end
  end
end

-- One message: checked, passed along the guard chain, appended.
local function admit_checked(call, tenant, ch, payload, hash, idem, idem_token, rcpts, from_domain)
  local t = tenant_state(call, tenant)
  if t.refusal then return t.refusal end
  if ch ~= 'email' and ch ~= 'sms' then
    return err('invalid_message', 'channel must be email or sms')
  end
  if #payload == 0 then return err('invalid_message', 'payload is empty') end
  if #payload > t.max_bytes then
    return err('payload_too_large', 'payload is ' .. #payload .. ' bytes, limit ' .. t.max_bytes)
  end
  if hash ~= '' and not (#hash == 32 and hash:match('^%x+$')) then
    return err('invalid_argument', 'hash must be 32 hex characters')
  end
  local ctx = {shard = call.shard, tenant = tenant, ch = ch, payload = payload, t = t,
               settings = t.settings, nums = t.nums, now = call.now, decoded = decoded,
               with_recipients = with_recipients,
               hash = hash ~= '' and hash or ('raw-' .. redis.sha1hex(payload)),
               from_domain = from_domain ~= '' and from_domain:lower() or nil,
               opt = {idem = idem ~= '' and idem or nil,
                      idem_token = idem_token ~= '' and idem_token or nil}}
  if rcpts ~= '' then
    -- Never split more than max_recipients addresses' worth (RFC 5321:
    -- at most 256 octets each, with its newline).
    if #rcpts > t.max_rcpts * 257 then
      return err('invalid_message', 'recipients list is ' .. #rcpts .. ' bytes: too long for '
                 .. 'at most ' .. t.max_rcpts .. ' recipients')
    end
    ctx.rcpts, ctx.vouched = lines(rcpts), true
    local refusal = too_many_recipients(ctx)
    if refusal then return refusal end
  end
  for _, g in ipairs(guards()) do
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
  local refusal = not ctx.vouched and decoded(ctx)
  if refusal then
    count_answer(ctx, refusal[2])
    return refusal
  end
  local entry = redis.call('XADD', ctx.shard .. K.ingress .. ch, '*',
    'v', ENTRY_SCHEMA, 'tenant', tenant, 'payload', payload,
    'created', call.now_s, 'expires', t.expires, 'attempt', '0',
    'units', tostring(message_units(ctx)))
  local answer = {'ok', entry .. '-' .. ch:sub(1, 1) .. setting_text(t, 'shard')}
  count_answer(ctx, 'ok')
  record(ctx, answer)
  return answer
end

-- What admission answered, as live rates and (when the tenant wants them)
-- events. A tenant admission cannot place (bad name, other shard) or a
-- channel herald does not have is not counted: neither is bounded.
local function admit_one(call, tenant, ch, ...)
  local answer = admit_checked(call, tenant, ch, ...)
  local t = call.tenants[tenant]
  if not t or t.refusal or (ch ~= 'email' and ch ~= 'sms') then return answer end
  local kind = answer[1]
  local what = kind == 'ok' and answer[3] ~= 'replay' and 'accepted' or
               kind == 'err' and 'refused' or 'duplicate'
  RATES.count(call.rates, tenant, ch, what)
  local ctx = {shard = call.shard, tenant = tenant, now = call.now, settings = t.settings,
               nums = t.nums}
  if not message_events(ctx) then return answer end
  if what == 'accepted' then
    emit(ctx, 'message.accepted', {'channel', ch}, answer[2])
  elseif what == 'duplicate' then
    emit(ctx, 'message.duplicate', {'channel', ch, 'duplicate_of', answer[2]})
  else
    emit(ctx, 'message.refused', {'channel', ch, 'code', answer[2], 'detail', answer[3]})
  end
  return answer
end

local function new_call(shard, now)
  now = tonumber(now) or now_ms()
  return {shard = shard, now = now, now_s = tostring(now), day = math.floor(now / 86400000),
          tenants = {}, order = {}, rates = {}}
end

-- After the last message: what the guards counted per tenant.
local function finish(call)
  for _, t in ipairs(call.order) do
    for _, g in ipairs(guards()) do
      if g.write then g.write(t, call) end
    end
    write_answers(call, t)
  end
  RATES.write(call.shard, call.now, call.rates)
end

local OPTIONS = {idem = true, idem_token = true, hash = true, now = true, from_domain = true}

local function admit(keys, args)
  local tenant, ch, payload = args[1], args[2], args[3]
  if #args % 2 ~= 1 then return err('invalid_argument', 'options come in name value pairs') end
  local opt = {}
  for i = 4, #args, 2 do
    if not OPTIONS[args[i]] then return err('invalid_argument', 'unknown option ' .. args[i]) end
    opt[args[i]] = args[i + 1]
  end
  if opt.idem == '' then
    return err('invalid_argument', 'idempotency key must be 1-200 printable characters')
  end
  local call = new_call(keys[1], opt.now)
  local answer = admit_one(call, tenant, ch, payload, opt.hash or '', opt.idem or '',
                           opt.idem_token or '', '', opt.from_domain or '')
  finish(call)
  return answer
end

local function admit_batch(keys, args)
  local call = new_call(keys[1], args[1])
  local answers = {}
  for i = 2, #args, SCHEMA.admit_fields do
    answers[#answers + 1] = admit_one(call, args[i], args[i + 1], args[i + 2], args[i + 3],
                                      args[i + 4], args[i + 5], args[i + 6], args[i + 7])
  end
  finish(call)
  return answers
end

-- FCALL herald_settings 1 hd:{sN} set <tenant> <name> <value> | unset <tenant> <name>
-- A tenant's own guard settings (names and bounds are checked by herald's
-- CLI); admission sees the change on its next call.
local function settings_ops(keys, args)
  local shard, action, tenant, name = keys[1], args[1], args[2], args[3]
  local key = shard .. K.tenant .. tenant
  local n
  if action == 'set' and args[4] then
    n = redis.call('HSET', key, name, args[4])
  elseif action == 'unset' then
    n = redis.call('HDEL', key, name)
  else
    return err('invalid_argument', 'usage: FCALL herald_settings 1 hd:{sN} '
               .. 'set <tenant> <name> <value> | unset <tenant> <name>')
  end
  bump_settings(shard)
  return n
end

register_checked('herald_admit', {usage = '<tenant> <channel> <payload> [<option> <value>]...',
                                   fixed = 3}, admit)
register_checked('herald_admit_batch',
                 {usage = '<now ms | ""> (' .. SCHEMA.admit_fields .. ' fields per message)...',
                  fixed = 1, item = SCHEMA.admit_fields}, admit_batch)
register_checked('herald_settings', {usage = 'set <tenant> <name> <value> | unset <tenant> <name>',
                                     fixed = 3}, settings_ops)
