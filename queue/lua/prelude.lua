-- herald's server-side library (Redis 7 Functions). Loaded by herald with
-- FUNCTION LOAD REPLACE at start-up; producers in any language call
-- herald_admit with FCALL. Every function touches one shard only: KEYS[1]
-- is the shard prefix "hd:{sN}", and every key it derives starts with it,
-- so the whole call lives in one Redis Cluster slot.
--
-- Answers are arrays, never raised errors, so pipelined batches stay easy
-- to read: {"ok", id} or {"err", code, detail[, retry_after_s]}. Codes are
-- herald's stable error names.
--
-- The library is assembled from fragments (CMakeLists.txt, HERALD_LUA_SOURCES):
-- the generated contract (schema.lua: layouts, settings, the guard chain,
-- from queue/contract.hpp and the guards' tables), this prelude, each
-- guard's fragment in its own folder (they register by name; the chain's
-- order is SCHEMA.chain, not the order of the files), admission, leases and
-- the worker's functions.

local ENTRY_SCHEMA = '1' -- the ingress entry's fields (queue/stream_entry.hpp)
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
local function crc32_of(s)
  CRC_TABLE = CRC_TABLE or crc_table()
  local c = 0xFFFFFFFF
  for i = 1, #s do
    c = bit.bxor(bit.rshift(c, 8), CRC_TABLE[bit.band(bit.bxor(c, s:byte(i)), 0xFF)])
  end
  c = bit.bnot(c)
  if c < 0 then c = c + 4294967296 end
  return c
end

-- Tenant names recur call after call: their CRCs are kept (bounded).
local CRC_CACHE, CRC_CACHED = {}, 0

local function crc32(s)
  local c = CRC_CACHE[s]
  if c then return c end
  c = crc32_of(s)
  CRC_CACHED = CRC_CACHED + 1
  if CRC_CACHED > 10000 then CRC_CACHE, CRC_CACHED = {}, 1 end
  CRC_CACHE[s] = c
  return c
end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function err(code, detail, retry_after_s)
  return {'err', code, detail, retry_after_s}
end

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

-- ---- settings ----------------------------------------------------------------
-- Defaults are published by herald from its config into hd:{sN}:meta;
-- a tenant's own values (`herald tenant set`) live in hd:{sN}:tenant:<id>.
-- Whoever changes either bumps meta's settings_version, so admission reads
-- one field per call and keeps the merged table in this library's memory
-- (bounded below; replicas never run it: effects are replicated).

local SETTINGS_CACHE, SETTINGS_CACHED, SETTINGS_CACHE_MAX = {}, 0, 10000

local function hash_table(flat, into)
  for i = 1, #flat, 2 do into[flat[i]] = flat[i + 1] end
  return into
end

local function load_settings(shard, tenant)
  local version = redis.call('HGET', shard .. ':meta', 'settings_version')
  if not version then return nil end
  local ck = shard .. '|' .. tenant
  local hit = SETTINGS_CACHE[ck]
  if hit and hit.version == version then return hit.values end
  local s = hash_table(redis.call('HGETALL', shard .. ':meta'), {})
  hash_table(redis.call('HGETALL', shard .. ':tenant:' .. tenant), s)
  if not hit then
    SETTINGS_CACHED = SETTINGS_CACHED + 1
    if SETTINGS_CACHED > SETTINGS_CACHE_MAX then
      SETTINGS_CACHE, SETTINGS_CACHED = {}, 1
    end
  end
  SETTINGS_CACHE[ck] = {version = version, values = s}
  return s
end

local function bump_settings(shard)
  redis.call('HINCRBY', shard .. ':meta', 'settings_version', 1)
end

-- Only names of the contract (SETTINGS, generated from the C++ tables) may
-- be read: a typo or a setting C++ does not know would read nothing, quietly.
local function registered(name)
  if not SETTINGS[name] then error('herald: setting ' .. name .. ' is not in the contract') end
end

-- A numeric setting, or nil when absent. Parsed once into ctx.nums, where
-- admission shares one table per tenant and call (false: absent).
local function setting_number(ctx, name)
  local nums = ctx.nums
  local v = nums and nums[name]
  if v == nil then
    registered(name)
    v = tonumber(ctx.settings[name]) or false
    if nums then nums[name] = v end
  end
  return v or nil
end

-- A setting as text (a list, a reason), or nil when absent.
local function setting_text(ctx, name)
  registered(name)
  return ctx.settings[name]
end

-- A numeric setting herald always publishes; a missing one means herald
-- never initialised this shard with the current version, which must not
-- pass silently.
local function num(ctx, name)
  local v = setting_number(ctx, name)
  if v == nil then error('herald: setting ' .. name .. ' missing; run herald to initialise') end
  return v
end

-- A numeric setting that may be absent (then 0).
local function num_or_0(ctx, name)
  return setting_number(ctx, name) or 0
end

-- ---- events --------------------------------------------------------------------

local function emit(ctx, kind, fields)
  local args = {ctx.shard .. ':events', 'MAXLEN', '~', SCHEMA.events_max, '*',
                'type', kind, 'tenant', ctx.tenant, 'at', ctx.now}
  for _, x in ipairs(fields) do args[#args + 1] = x end
  redis.call('XADD', unpack(args))
end

-- Per tenant and UTC day: what admission answered. Counted in the call's
-- tenant state (ctx.t) and written once per call by write_answers.
local function count_answer(ctx, what)
  local a = ctx.t.answers
  a[what] = (a[what] or 0) + 1
end

-- A table a guard keeps in the call's tenant state, made on first use.
local function tenant_table(ctx, name)
  local v = ctx.t[name]
  if not v then
    v = {}
    ctx.t[name] = v
  end
  return v
end

local function write_answers(call, t)
  local key = call.shard .. ':stat:' .. t.name .. ':' .. call.day
  for what, n in pairs(t.answers) do
    if redis.call('HINCRBY', key, what, n) == n then redis.call('EXPIRE', key, 8 * 86400) end
  end
end

-- ---- the guard chain -------------------------------------------------------------
-- A guard is {name, check(ctx) -> answer or nil, record(ctx, answer),
-- write(t, call)}. check() runs before the append, in registration order,
-- cheapest first; the first answer it gives ends admission (a refusal, a
-- replay, a duplicate). record() runs after an accepting answer ('ok' or
-- 'duplicate'), so guards can remember it. One call admits many messages:
-- what a guard keeps per tenant (rate, quota and usage counters) lives in
-- ctx.t for the call, read once and written once, by write() after the
-- last message; per-message keys are written by record() at once, so a
-- later message of the same call sees them.

local GUARDS, GUARDS_BY_NAME = {}, {}

local function register_guard(g)
  if GUARDS_BY_NAME[g.name] then error('herald: guard ' .. g.name .. ' registered twice') end
  GUARDS_BY_NAME[g.name] = g
end

-- The registered guards in SCHEMA.chain's order (queue/contract.hpp),
-- put in order on the first call (FUNCTION LOAD runs the library without
-- Lua's standard functions). Every guard of the chain must be registered,
-- and every registered one be in the chain, or admission answers an error.
local function guards()
  if #GUARDS > 0 then return GUARDS end
  for i, name in ipairs(SCHEMA.chain) do
    GUARDS[i] = GUARDS_BY_NAME[name] or error('herald: guard ' .. name .. ' is not registered')
    GUARDS_BY_NAME[name] = nil
  end
  local stray = next(GUARDS_BY_NAME)
  if stray then error('herald: guard ' .. stray .. ' is not in the chain') end
  return GUARDS
end

-- ---- hooks for later stages ------------------------------------------------------
-- Send gates run in herald_claim before a lease is given: gate(ctx) returns
-- how many ms the message must wait, or nil. ctx = {shard, tenant, ch,
-- units, sender, now, settings}. Leave hooks run when a message leaves the
-- queue for good (delivered, dead, expired): hook(shard, tenant, bytes).

local SEND_GATES, LEAVE_HOOKS = {}, {}

local function register_send_gate(g) SEND_GATES[#SEND_GATES + 1] = g end
local function register_leave_hook(h) LEAVE_HOOKS[#LEAVE_HOOKS + 1] = h end

local function left_queue(shard, tenant, bytes)
  if not tenant or tenant == '' then return end
  for _, h in ipairs(LEAVE_HOOKS) do h(shard, tenant, bytes) end
end

-- Days since the epoch to a UTC civil date (H. Hinnant's algorithm), for
-- quotas that reset on calendar days and months.
local function civil(days)
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400 + (m <= 2 and 1 or 0)
  return y, m, d
end

local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = m > 2 and m - 3 or m + 9
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

-- ---- message units ----------------------------------------------------------------
-- Message units: 1 for email; for SMS the segments of the body. GSM-7 when
-- the body is plain ASCII (the extension characters count twice), else
-- UCS-2 in UTF-16 units. Non-ASCII GSM-7 letters (é, ü, …) are counted as
-- UCS-2: never fewer segments than the carrier bills.
local GSM_EXTENDED = {['^'] = true, ['{'] = true, ['}'] = true, ['\\'] = true,
                      ['['] = true, ['~'] = true, [']'] = true, ['|'] = true}

local function sms_segments(body)
  if type(body) ~= 'string' or body == '' then return 1 end
  local septets, ascii = 0, true
  for c in body:gmatch('.') do
    local b = c:byte()
    if b >= 128 or b == 96 then
      ascii = false
      break
    end
    septets = septets + (GSM_EXTENDED[c] and 2 or 1)
  end
  if ascii then return septets <= 160 and 1 or math.ceil(septets / 153) end
  local units = 0
  for c in body:gmatch('[%z\1-\127\194-\244][\128-\191]*') do
    units = units + (c:byte() >= 240 and 2 or 1)
  end
  return units <= 70 and 1 or math.ceil(units / 67)
end

local function message_units(ctx)
  if ctx.units then return ctx.units end
  ctx.units = 1
  if ctx.ch == 'sms' and not ctx.decoded(ctx) then ctx.units = sms_segments(ctx.msg.body) end
  return ctx.units
end

