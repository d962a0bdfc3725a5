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
-- The library is assembled from fragments, one concern each
-- (CMakeLists.txt, HERALD_LUA_SOURCES): the generated contract (schema.lua:
-- layouts, settings, the guard chain, from queue/contract.hpp and the
-- guards' tables), this prelude (helpers), settings, events, the guard
-- chain and hooks, then each guard's fragments in its own folder (they
-- register by name; the chain's order is SCHEMA.chain, not the order of
-- the files), admission, leases and the worker's functions. Lua allows 200
-- top-level locals in one chunk; tests/queue/contract_test keeps the count
-- well under it.

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

-- Registers a function that checks its call's shape before it touches a
-- key, so a malformed FCALL gets a usage error, never a Lua error half-way.
-- spec: usage (the arguments, for the message), fixed (the arguments
-- before the items), item (fields per item, when there are items), numbers
-- (the positions that must be numbers), key (the pattern KEYS[1] must
-- match; by default a shard prefix), flags.
local function register_checked(name, spec, fn)
  local key = spec.key or '^hd:{s%d+}$'
  local usage = 'usage: FCALL ' .. name .. ' 1 ' .. (spec.key_text or 'hd:{sN}') .. ' ' .. spec.usage
  local function shaped(keys, args)
    if #keys ~= 1 or not keys[1]:match(key) or #args < spec.fixed then return false end
    if spec.item and (#args - spec.fixed) % spec.item ~= 0 then return false end
    for _, i in ipairs(spec.numbers or {}) do
      if tonumber(args[i]) == nil then return false end
    end
    return true
  end
  redis.register_function{function_name = name, flags = spec.flags, callback = function(keys, args)
    if not shaped(keys, args) then return err('invalid_argument', usage) end
    return fn(keys, args)
  end}
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

