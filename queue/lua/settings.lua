-- ---- settings ----------------------------------------------------------------
-- Defaults are published by herald from its config into hd:{sN}:meta;
-- a tenant's own values (`herald tenant set`) live in hd:{sN}:tenant:<id>.
-- Whoever changes either bumps meta's settings_version, so admission reads
-- one field per call and keeps the merged table in this library's memory
-- (bounded below; replicas never run it: effects are replicated). The
-- sender-domain states (hd:{sN}:senders:<tenant>) follow the same rule:
-- their publisher bumps the version, and admission reads them once per
-- version (the memo of load_settings).

local SETTINGS_CACHE, SETTINGS_CACHED, SETTINGS_CACHE_MAX = {}, 0, 10000

local function hash_table(flat, into)
  for i = 1, #flat, 2 do into[flat[i]] = flat[i + 1] end
  return into
end

-- Answers the merged settings and the memo kept with them: what a guard
-- derives from them or reads beside them (the sender domains' states),
-- dropped with them when the version changes.
local function load_settings(shard, tenant)
  local version = redis.call('HGET', shard .. K.meta, 'settings_version')
  if not version then return nil end
  local ck = shard .. '|' .. tenant
  local hit = SETTINGS_CACHE[ck]
  if hit and hit.version == version then return hit.values, hit.memo end
  local s = hash_table(redis.call('HGETALL', shard .. K.meta), {})
  hash_table(redis.call('HGETALL', shard .. K.tenant .. tenant), s)
  if not hit then
    SETTINGS_CACHED = SETTINGS_CACHED + 1
    if SETTINGS_CACHED > SETTINGS_CACHE_MAX then
      SETTINGS_CACHE, SETTINGS_CACHED = {}, 1
    end
  end
  local memo = {}
  SETTINGS_CACHE[ck] = {version = version, values = s, memo = memo}
  return s, memo
end

local function bump_settings(shard)
  redis.call('HINCRBY', shard .. K.meta, 'settings_version', 1)
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
